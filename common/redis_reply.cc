#include "redis_reply.h"

#include <hiredis/hiredis.h>

namespace omega::redis {

void ReplyDeleter::operator()(redisReply* r) const { freeReplyObject(r); }

bool ReplyView::is_nil() const { return r_->type == REDIS_REPLY_NIL; }
bool ReplyView::is_error() const { return r_->type == REDIS_REPLY_ERROR; }
bool ReplyView::is_string() const { return r_->type == REDIS_REPLY_STRING; }
bool ReplyView::is_status() const { return r_->type == REDIS_REPLY_STATUS; }
bool ReplyView::is_integer() const { return r_->type == REDIS_REPLY_INTEGER; }
bool ReplyView::is_array() const { return r_->type == REDIS_REPLY_ARRAY; }

std::string_view ReplyView::text() const {
  if (is_string() || is_status() || is_error()) return {r_->str, r_->len};
  return {};
}

long long ReplyView::integer() const { return is_integer() ? r_->integer : 0; }

size_t ReplyView::size() const { return is_array() ? r_->elements : 0; }

ReplyView ReplyView::operator[](size_t i) const { return ReplyView(r_->element[i]); }

}  // namespace omega::redis
