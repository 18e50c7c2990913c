// omega_config._core: the private compiled module. It binds the public C
// header include/omega_config.h and nothing else; the Python package on top
// (omega_config/*.py) is the public surface.
#include <pybind11/pybind11.h>

#include "core_attr_view.h"
#include "core_error.h"
#include "core_handle.h"
#include "core_snapshot.h"
#include "omega_config.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "Private binding of include/omega_config.h; use the omega_config package.";
  omega_py::register_error(m);
  omega_py::register_snapshot(m);
  omega_py::register_handle(m);
  omega_py::register_attr_view(m);

  m.def("version_string", [] { return std::string(omega_version_string()); });
  m.def("version_number", [] { return omega_version_number(); });
  m.def(
      "strerror", [](int status) { return std::string(omega_strerror(status)); }, py::arg("status"));
  m.def(
      "state_name", [](int state) { return std::string(omega_state_name(state)); }, py::arg("state"));
  m.def("close_all", &omega_py::close_all, "Closes every open handle; registered with atexit at import.");

  m.attr("HEADER_VERSION_NUMBER") = OMEGA_CONFIG_VERSION_NUMBER;
  m.attr("E_INVALID_ARG") = static_cast<int>(OMEGA_E_INVALID_ARG);
  m.attr("E_NOT_FOUND") = static_cast<int>(OMEGA_E_NOT_FOUND);
  m.attr("E_BUFFER_TOO_SMALL") = static_cast<int>(OMEGA_E_BUFFER_TOO_SMALL);
  m.attr("E_TYPE") = static_cast<int>(OMEGA_E_TYPE);
  m.attr("E_MISSING_KEYS") = static_cast<int>(OMEGA_E_MISSING_KEYS);
  m.attr("E_UNAVAILABLE") = static_cast<int>(OMEGA_E_UNAVAILABLE);
  m.attr("E_BAD_URL") = static_cast<int>(OMEGA_E_BAD_URL);
  m.attr("E_NOMEM") = static_cast<int>(OMEGA_E_NOMEM);
  m.attr("E_INTERNAL") = static_cast<int>(OMEGA_E_INTERNAL);
  m.attr("E_BAD_SNAPSHOT") = static_cast<int>(OMEGA_E_BAD_SNAPSHOT);
  m.attr("E_NO_SUCH_TOKEN") = static_cast<int>(OMEGA_E_NO_SUCH_TOKEN);
  m.attr("E_SEALED") = static_cast<int>(OMEGA_E_SEALED);
  m.attr("TYPE_STRING") = static_cast<int>(OMEGA_TYPE_STRING);
  m.attr("TYPE_INT") = static_cast<int>(OMEGA_TYPE_INT);
  m.attr("TYPE_DOUBLE") = static_cast<int>(OMEGA_TYPE_DOUBLE);
  m.attr("TYPE_BOOL") = static_cast<int>(OMEGA_TYPE_BOOL);
  m.attr("TYPE_NULL") = static_cast<int>(OMEGA_TYPE_NULL);
  m.attr("TYPE_JSON") = static_cast<int>(OMEGA_TYPE_JSON);

  // Watchers must stop before the interpreter finalizes: a watcher thread
  // that takes the GIL during shutdown hangs.
  py::module_::import("atexit").attr("register")(m.attr("close_all"));
  omega_py::install_fork_handlers();
}
