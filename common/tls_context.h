// TLS to Redis (reader guarantee 13) with OpenSSL on our own socket: Debian 12's hiredis 0.14
// has no TLS, and hiredis stays the RESP codec only (redis_connection.h). TLS 1.2 or newer;
// the certificate chain and the host name are verified unless the settings say otherwise.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "redis_endpoint.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;

namespace omega::redis {

// A TLS setting that cannot work (a CA or key file that is missing or unreadable, a key that
// does not match its certificate); the message names the file.
class TlsConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class TlsContext {
 public:
  explicit TlsContext(const TlsSettings& settings);  // throws TlsConfigError
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

// Checks the settings and builds their context, once per endpoint (fills settings.context).
// A no-op for a plain endpoint. Throws TlsConfigError.
void prepare_tls(Endpoint* endpoint);

// One TLS session over a connected, non-blocking socket. Its errors are ConnError (from
// redis_connection.h) naming the cause: a certificate not accepted and why, a server that does
// not speak TLS, a handshake that timed out.
class TlsSession {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs the handshake before the deadline; wake_fd as in Connection (-1: none).
  TlsSession(const Endpoint& ep, int fd, int wake_fd, Clock::time_point deadline, const std::string& where);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Like recv/send on a non-blocking socket: >0 bytes, 0 = end of stream (read), -1 with
  // errno EAGAIN when it would block, other errors throw ConnError.
  long read(char* buf, size_t len);
  long write(const char* buf, size_t len);

 private:
  std::string failure_reason(int ssl_error);

  SSL* ssl_ = nullptr;
  std::string where_;
};

}  // namespace omega::redis
