// hiredis 0.14 connection: URL parsing, connect + AUTH + SELECT, pipelined argv commands.
#include "redis_link.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include <hiredis/hiredis.h>

namespace omega::settingsd {

void ReplyDeleter::operator()(redisReply *r) const {
  if (r) freeReplyObject(r);
}

void free_replies(std::vector<redisReply *> *replies) {
  for (redisReply *r : *replies)
    if (r) freeReplyObject(r);
  replies->clear();
}

namespace {

std::string percent_decode(const std::string &s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit((unsigned char)s[i + 1]) &&
        std::isxdigit((unsigned char)s[i + 2])) {
      out += char(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

bool parse_redis_url(const std::string &url, RedisAddress *out, std::string *error) {
  RedisAddress a;
  if (url.rfind("unix://", 0) == 0) {
    std::string rest = url.substr(7);
    size_t q = rest.find('?');
    a.unix_path = rest.substr(0, q);
    if (q != std::string::npos && rest.compare(q, 4, "?db=") == 0) a.db = std::atoi(rest.c_str() + q + 4);
    if (a.unix_path.empty()) {
      *error = "unix:// URL needs a socket path";
      return false;
    }
    *out = a;
    return true;
  }
  if (url.rfind("redis://", 0) != 0) {
    *error = "Redis URL must start with redis:// or unix://";
    return false;
  }
  std::string rest = url.substr(8);
  size_t slash = rest.find('/');
  std::string hostpart = rest.substr(0, slash);
  if (slash != std::string::npos) {
    std::string db = rest.substr(slash + 1);
    if (!db.empty()) {
      char *end;
      long v = std::strtol(db.c_str(), &end, 10);
      if (*end || v < 0 || v > 1000) {
        *error = "Redis URL database must be a number";
        return false;
      }
      a.db = int(v);
    }
  }
  size_t at = hostpart.rfind('@');
  if (at != std::string::npos) {
    std::string cred = hostpart.substr(0, at);
    hostpart = hostpart.substr(at + 1);
    size_t colon = cred.find(':');
    if (colon == std::string::npos) {
      a.password = percent_decode(cred);
    } else {
      a.user = percent_decode(cred.substr(0, colon));
      a.password = percent_decode(cred.substr(colon + 1));
    }
  }
  size_t bracket = hostpart.find(']');
  size_t colon = hostpart.find(':', bracket == std::string::npos ? 0 : bracket);
  if (colon != std::string::npos) {
    char *end;
    long p = std::strtol(hostpart.c_str() + colon + 1, &end, 10);
    if (*end || p <= 0 || p > 65535) {
      *error = "Redis URL port must be 1-65535";
      return false;
    }
    a.port = int(p);
    hostpart.resize(colon);
  }
  if (hostpart.size() > 2 && hostpart.front() == '[') hostpart = hostpart.substr(1, hostpart.size() - 2);
  if (!hostpart.empty()) a.host = hostpart;
  *out = a;
  return true;
}

RedisLink::RedisLink(RedisAddress addr, int timeout_ms) : addr_(std::move(addr)), timeout_ms_(timeout_ms) {}

RedisLink::~RedisLink() { drop(); }

void RedisLink::drop() {
  if (ctx_) redisFree(ctx_);
  ctx_ = nullptr;
}

bool RedisLink::ensure() {
  if (ctx_) return true;
  struct timeval tv = {timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
  redisContext *c = addr_.unix_path.empty() ? redisConnectWithTimeout(addr_.host.c_str(), addr_.port, tv)
                                            : redisConnectUnixWithTimeout(addr_.unix_path.c_str(), tv);
  if (!c || c->err) {
    error_ = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return false;
  }
  redisSetTimeout(c, tv);
  redisEnableKeepAlive(c);
  ctx_ = c;
  std::vector<std::vector<std::string>> setup;
  if (!addr_.password.empty()) {
    if (addr_.user.empty())
      setup.push_back({"AUTH", addr_.password});
    else
      setup.push_back({"AUTH", addr_.user, addr_.password});
  }
  if (addr_.db != 0) setup.push_back({"SELECT", std::to_string(addr_.db)});
  if (setup.empty()) return true;
  std::vector<redisReply *> replies;
  if (!pipeline(setup, &replies)) return false;
  for (redisReply *r : replies) {
    if (r->type == REDIS_REPLY_ERROR) {
      // The server's text may name the user; it never contains the password.
      error_ = std::string("Redis refused AUTH/SELECT: ") + r->str;
      free_replies(&replies);
      drop();
      return false;
    }
  }
  free_replies(&replies);
  return true;
}

bool RedisLink::pipeline(const std::vector<std::vector<std::string>> &commands, std::vector<redisReply *> *replies) {
  replies->clear();
  if (!ensure()) return false;
  for (const auto &cmd : commands) {
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    for (const auto &a : cmd) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, int(argv.size()), argv.data(), lens.data()) != REDIS_OK) {
      error_ = ctx_->errstr;
      drop();
      return false;
    }
  }
  for (size_t i = 0; i < commands.size(); ++i) {
    void *reply = nullptr;
    if (redisGetReply(ctx_, &reply) != REDIS_OK || !reply) {
      error_ = ctx_->err ? ctx_->errstr : "no reply";
      free_replies(replies);
      drop();
      return false;
    }
    replies->push_back(static_cast<redisReply *>(reply));
  }
  return true;
}

}  // namespace omega::settingsd
