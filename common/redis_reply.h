// Redis replies without hiredis in sight: an owning Reply and non-owning views of its parts.
// hiredis 0.14 stays the RESP codec behind these (see redis_connection.cc).
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

struct redisReply;

namespace omega::redis {

class ReplyView {
 public:
  explicit ReplyView(const redisReply* r) : r_(r) {}

  bool is_nil() const;
  bool is_error() const;
  bool is_string() const;  // a bulk string
  bool is_status() const;  // +OK, +PONG
  bool is_integer() const;
  bool is_array() const;
  // The text of a string, status or error reply ("" otherwise).
  std::string_view text() const;
  long long integer() const;  // 0 unless is_integer()
  size_t size() const;        // elements of an array, else 0
  ReplyView operator[](size_t i) const;
  // True for a string/status reply equal to s.
  bool is(std::string_view s) const { return (is_string() || is_status()) && text() == s; }

 private:
  const redisReply* r_;
};

struct ReplyDeleter {
  void operator()(redisReply* r) const;
};

class Reply : public ReplyView {
 public:
  explicit Reply(redisReply* r) : ReplyView(r), owned_(r) {}

 private:
  std::unique_ptr<redisReply, ReplyDeleter> owned_;
};

}  // namespace omega::redis
