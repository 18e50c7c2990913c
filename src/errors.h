// Status codes as exceptions inside the core, and the thread-local message
// the C facade hands out through omega_last_error().
#pragma once
#include <stdexcept>
#include <string>

#include "omega_config.h"  // the status codes: the one error vocabulary

namespace omega {

// Thrown inside the core; c_api.cc turns it into its status code.
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

void set_last_error(const char* message);  // never allocates
const char* last_error();
const char* status_string(int code);

}  // namespace omega
