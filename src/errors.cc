#include "errors.h"

#include <cstdio>

#include "omega_config.h"

namespace omega {
namespace {
// A plain array, not a std::string: a thread_local with a destructor would be
// freed before atexit handlers and TLS-key destructors that may still call us.
thread_local char tls_last_error[1024];
}  // namespace

void set_last_error(const char* message) { std::snprintf(tls_last_error, sizeof tls_last_error, "%s", message); }

const char* last_error() { return tls_last_error; }

const char* status_string(int code) {
  switch (code) {
    case OMEGA_OK: return "ok";
    case OMEGA_E_INVALID_ARG: return "invalid argument";
    case OMEGA_E_NOT_FOUND: return "key not found";
    case OMEGA_E_BUFFER_TOO_SMALL: return "buffer too small";
    case OMEGA_E_TYPE: return "value has another type";
    case OMEGA_E_MISSING_KEYS: return "required keys missing";
    case OMEGA_E_UNAVAILABLE: return "Redis unavailable and no last-known-good snapshot";
    case OMEGA_E_BAD_URL: return "invalid Redis URL";
    case OMEGA_E_NOMEM: return "out of memory";
    case OMEGA_E_INTERNAL: return "internal error";
    case OMEGA_E_BAD_SNAPSHOT: return "snapshot rejected";
    case OMEGA_E_NO_SUCH_TOKEN: return "no such callback token";
    case OMEGA_E_SEALED: return "sealed secret: no seal key to open it";
    default: return "unknown status code";
  }
}

}  // namespace omega
