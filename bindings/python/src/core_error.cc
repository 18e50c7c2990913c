#include "core_error.h"

namespace py = pybind11;

namespace omega_py {

void register_error(py::module_& m) {
  // Keep the type alive for the translator (module attributes are enough).
  static py::handle error_type = [&] {
    py::object t =
        py::reinterpret_steal<py::object>(PyErr_NewException("omega_config._core.Error", PyExc_RuntimeError, nullptr));
    m.attr("Error") = t;
    return t.release();
  }();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const CoreError& e) {
      py::tuple args = py::make_tuple(e.code, e.message);
      PyErr_SetObject(error_type.ptr(), args.ptr());
    }
  });
}

}  // namespace omega_py
