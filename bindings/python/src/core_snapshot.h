// _core.Snapshot: one pinned, immutable omega_snapshot; released when the
// Python object is collected.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "omega_config.h"

namespace omega_py {

class Snapshot {
 public:
  explicit Snapshot(omega_snapshot* snap) : snap_(snap) {}
  ~Snapshot() { omega_snapshot_release(snap_); }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  int64_t version() const { return omega_snapshot_version(snap_); }
  std::string epoch() const { return omega_snapshot_epoch(snap_); }
  size_t count() const { return omega_snapshot_count(snap_); }

  // Each read returns None when the key is absent or null.
  pybind11::object get(const std::string& key) const;
  pybind11::object get_int64(const std::string& key) const;
  pybind11::object get_double(const std::string& key) const;
  pybind11::object get_bool(const std::string& key) const;
  pybind11::object type(const std::string& key) const;
  // [(key, text, omega_value_type), ...] in key order.
  pybind11::list entries() const;

 private:
  omega_snapshot* snap_;
};

void register_snapshot(pybind11::module_& m);

}  // namespace omega_py
