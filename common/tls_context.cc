#include "tls_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "redis_errors.h"
#include "socket_wait.h"

namespace omega::redis {
namespace {

// The newest OpenSSL error, as text ("" if none); clears the queue.
std::string openssl_error() {
  unsigned long code = ERR_get_error();
  std::string text;
  if (code) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(code);
    text = reason ? reason : buf;
  }
  ERR_clear_error();
  return text;
}

[[noreturn]] void config_error(const std::string& what, const std::string& file) {
  std::string why = openssl_error();
  throw TlsConfigError("TLS: cannot use " + what + " " + file + (why.empty() ? "" : ": " + why));
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

TlsContext::TlsContext(const TlsSettings& s) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (!ctx_) throw TlsConfigError("TLS: cannot create a context: " + openssl_error());
  try {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (!s.ca_file.empty() || !s.ca_dir.empty()) {
      if (SSL_CTX_load_verify_locations(ctx_, s.ca_file.empty() ? nullptr : s.ca_file.c_str(),
                                        s.ca_dir.empty() ? nullptr : s.ca_dir.c_str()) != 1)
        config_error(s.ca_file.empty() ? "the CA directory" : "the CA file", s.ca_file.empty() ? s.ca_dir : s.ca_file);
    } else if (SSL_CTX_set_default_verify_paths(ctx_) != 1) {
      throw TlsConfigError("TLS: cannot load the system's CA store: " + openssl_error());
    }
    if (s.cert_file.empty() != s.key_file.empty())
      throw TlsConfigError(
          "TLS: a client certificate needs its key and the other way round (ssl_certfile and ssl_keyfile)");
    if (!s.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(ctx_, s.cert_file.c_str()) != 1)
        config_error("the client certificate", s.cert_file);
      if (SSL_CTX_use_PrivateKey_file(ctx_, s.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        config_error("the client key", s.key_file);
      if (SSL_CTX_check_private_key(ctx_) != 1)
        config_error("the client key (it does not match the certificate)", s.key_file);
    }
    SSL_CTX_set_verify(ctx_, s.verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
  } catch (...) {
    SSL_CTX_free(ctx_);
    throw;
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

void prepare_tls(Endpoint* ep) {
  if (!ep->tls.enabled) {
    const TlsSettings& t = ep->tls;
    if (!t.ca_file.empty() || !t.ca_dir.empty() || !t.cert_file.empty() || !t.key_file.empty() ||
        !t.server_name.empty() || !t.verify_peer || !t.verify_hostname)
      throw TlsConfigError("TLS options need a rediss:// URL (the URL is plain redis://)");
    return;
  }
  ep->tls.context = std::make_shared<const TlsContext>(ep->tls);
}

TlsSession::TlsSession(const Endpoint& ep, int fd, int wake_fd, Clock::time_point deadline, const std::string& where)
    : where_(where) {
  std::shared_ptr<const TlsContext> context = ep.tls.context;
  if (!context) context = std::make_shared<const TlsContext>(ep.tls);
  ssl_ = SSL_new(context->get());
  if (!ssl_) throw ConnError("TLS: cannot create a session: " + openssl_error());
  const std::string name = ep.tls.server_name.empty() ? ep.host : ep.tls.server_name;
  SSL_set_fd(ssl_, fd);
  if (!is_ip_address(name)) SSL_set_tlsext_host_name(ssl_, name.c_str());  // SNI takes names only
  if (ep.tls.verify_peer && ep.tls.verify_hostname) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (is_ip_address(name))
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(ssl_);
    if (rc == 1) return;
    int err = SSL_get_error(ssl_, rc);
    try {
      if (err == SSL_ERROR_WANT_READ) {
        wait_fd(fd, wake_fd, POLLIN, deadline, where + " (TLS handshake)");
        continue;
      }
      if (err == SSL_ERROR_WANT_WRITE) {
        wait_fd(fd, wake_fd, POLLOUT, deadline, where + " (TLS handshake)");
        continue;
      }
    } catch (const ConnError& e) {
      SSL_free(ssl_);
      // A plain-text Redis reads a ClientHello as an unfinished command and waits for more.
      throw ConnError(std::string(e.what()) + " (a plain-text port? use redis:// for it)");
    } catch (...) {
      SSL_free(ssl_);
      throw;
    }
    long verify = SSL_get_verify_result(ssl_);
    std::string why = openssl_error();
    int saved = errno;
    SSL_free(ssl_);
    if (verify != X509_V_OK) {
      bool issuer = verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                    verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
                    verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                    verify == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
      throw ConnError("TLS: the certificate of " + where +
                      " was not accepted: " + X509_verify_cert_error_string(verify) +
                      (issuer ? " (its CA is not trusted: check ssl_ca_certs / tls_ca_file)" : ""));
    }
    if (why == "wrong version number" || why == "packet length too long" || why == "record layer failure")
      throw ConnError("TLS: " + where + " did not answer with TLS (" + why +
                      "): a plain-text port? use redis:// for it");
    if (why.empty())
      throw ConnError("TLS: " + where + " closed the connection during the handshake" +
                      (err == SSL_ERROR_SYSCALL && saved ? std::string(": ") + std::strerror(saved) : std::string()) +
                      " (not a TLS port, or it refused this client)");
    throw ConnError("TLS handshake with " + where + " failed: " + why);
  }
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

// After a failed read or write: the reason, or the alert the server sent before it closed
// (TLS 1.3 servers reject a client certificate, or its absence, only after the handshake).
std::string TlsSession::failure_reason(int err) {
  std::string why = openssl_error();
  if (why.empty() && err == SSL_ERROR_SYSCALL) {
    char ignored;
    SSL_read(ssl_, &ignored, 1);
    why = openssl_error();
    if (why.empty()) why = errno ? std::strerror(errno) : "the server closed the connection";
  }
  if (why.find("certificate required") != std::string::npos)
    why += " (the server wants a client certificate: tls_cert_file + tls_key_file, or ssl_certfile + ssl_keyfile)";
  return why;
}

long TlsSession::read(char* buf, size_t len) {
  ERR_clear_error();
  int n = SSL_read(ssl_, buf, static_cast<int>(len));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  if (err == SSL_ERROR_ZERO_RETURN) return 0;
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) return 0;  // closed without close_notify
  throw ConnError("TLS read from " + where_ + " failed: " + failure_reason(err));
}

long TlsSession::write(const char* buf, size_t len) {
  ERR_clear_error();
  int n = SSL_write(ssl_, buf, static_cast<int>(len));
  if (n > 0) return n;
  int err = SSL_get_error(ssl_, n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  throw ConnError("TLS write to " + where_ + " failed: " + failure_reason(err));
}

}  // namespace omega::redis
