#include "core_snapshot.h"

#include "core_error.h"

namespace py = pybind11;

namespace omega_py {

namespace {
// NOT_FOUND is an ordinary answer (None); every other failure raises.
bool found(int rc) {
  if (rc == OMEGA_E_NOT_FOUND) return false;
  check(rc);
  return true;
}
}  // namespace

py::object Snapshot::get(const std::string& key) const {
  const char* value = nullptr;
  size_t len = 0;
  if (!found(omega_snapshot_get(snap_, key.c_str(), &value, &len))) return py::none();
  return py::str(value, len);
}

py::object Snapshot::get_int64(const std::string& key) const {
  int64_t v = 0;
  if (!found(omega_snapshot_get_int64(snap_, key.c_str(), &v))) return py::none();
  return py::int_(v);
}

py::object Snapshot::get_double(const std::string& key) const {
  double v = 0;
  if (!found(omega_snapshot_get_double(snap_, key.c_str(), &v))) return py::none();
  return py::float_(v);
}

py::object Snapshot::get_bool(const std::string& key) const {
  int v = 0;
  if (!found(omega_snapshot_get_bool(snap_, key.c_str(), &v))) return py::none();
  return py::bool_(v != 0);
}

py::object Snapshot::type(const std::string& key) const {
  omega_value_type t = OMEGA_TYPE_NULL;
  if (!found(omega_snapshot_type(snap_, key.c_str(), &t))) return py::none();
  return py::int_(static_cast<int>(t));
}

py::list Snapshot::entries() const {
  py::list out;
  size_t n = omega_snapshot_count(snap_);
  for (size_t i = 0; i < n; ++i) {
    const char* key = nullptr;
    const char* value = nullptr;
    omega_value_type t = OMEGA_TYPE_NULL;
    int rc = omega_snapshot_entry(snap_, i, &key, &value, &t);
    if (rc == OMEGA_E_SEALED) {
      // A sealed secret this handle cannot open: listed by name, its value None, never the text.
      out.append(py::make_tuple(py::str(key), py::none(), static_cast<int>(OMEGA_TYPE_STRING)));
      continue;
    }
    check(rc);
    out.append(py::make_tuple(py::str(key), py::str(value ? value : ""), static_cast<int>(t)));
  }
  return out;
}

void register_snapshot(py::module_& m) {
  py::class_<Snapshot>(m, "Snapshot", "One pinned, immutable version of the settings.")
      .def_property_readonly("version", &Snapshot::version)
      .def_property_readonly("epoch", &Snapshot::epoch)
      .def("__len__", &Snapshot::count)
      .def("get", &Snapshot::get, py::arg("key"))
      .def("get_int64", &Snapshot::get_int64, py::arg("key"))
      .def("get_double", &Snapshot::get_double, py::arg("key"))
      .def("get_bool", &Snapshot::get_bool, py::arg("key"))
      .def("type", &Snapshot::type, py::arg("key"))
      .def("entries", &Snapshot::entries);
}

}  // namespace omega_py
