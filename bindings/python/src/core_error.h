// Status codes from the C library become one Python exception type,
// _core.Error(code, message); the pure-Python layer maps codes to the public
// exception classes.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <string>

#include "omega_config.h"

namespace omega_py {

struct CoreError : std::exception {
  int code;
  std::string message;
  CoreError(int c, std::string m) : code(c), message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

// Throws CoreError for a failed call. Must run on the thread that made the
// call: omega_last_error() is thread-local.
[[noreturn]] inline void throw_status(int code) {
  std::string detail = omega_last_error();
  if (detail.empty()) detail = omega_strerror(code);
  throw CoreError(code, std::move(detail));
}

inline void check(int code) {
  if (code != OMEGA_OK) throw_status(code);
}

void register_error(pybind11::module_& m);

}  // namespace omega_py
