// _core.AttrView: a base class whose attribute lookup tries the instance
// __dict__ first and, on a miss, calls self._missing(name); its get(key,
// default=None) does the same lookup and falls back to self._get_slow(...).
//
// ConfigManager keeps one version's settings in its __dict__. A Python-level
// __getattr__ would route every read through CPython's slow hook path (about
// 3x a plain attribute read on 3.11); this C-level tp_getattro makes a hit one
// dict lookup. Python subclasses inherit it as long as they define neither
// __getattr__ nor __getattribute__.
#pragma once

#include <pybind11/pybind11.h>

namespace omega_py {

void register_attr_view(pybind11::module_& m);

}  // namespace omega_py
