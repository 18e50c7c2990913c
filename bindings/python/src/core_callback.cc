#include "core_callback.h"

namespace py = pybind11;

namespace omega_py {

namespace {

struct Callback {
  py::function fn;
};

thread_local int callback_depth = 0;

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

}  // namespace

void* new_callback(py::function fn) { return new Callback{std::move(fn)}; }

void destroy_callback(void* user_data) {
  auto* cb = static_cast<Callback*>(user_data);
  // Taking the GIL while the interpreter is gone would hang: leak instead.
  if (interpreter_finalizing()) return;
  py::gil_scoped_acquire gil;
  delete cb;
}

void reload_trampoline(int64_t version, const char* const* changed_keys, size_t n_changed,
                       const omega_snapshot* /*snapshot*/, void* user_data) {
  if (interpreter_finalizing()) return;
  py::gil_scoped_acquire gil;
  ++callback_depth;
  // Own a reference: the function may unregister itself (destroying user_data)
  // while it runs.
  py::function fn = static_cast<Callback*>(user_data)->fn;
  try {
    py::tuple changed(n_changed);
    for (size_t i = 0; i < n_changed; ++i) changed[i] = py::str(changed_keys[i]);
    fn(version, changed);
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable(fn);
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    PyErr_WriteUnraisable(fn.ptr());
  }
  --callback_depth;
}

bool on_callback_thread() { return callback_depth > 0; }

}  // namespace omega_py
