#include "core_attr_view.h"

namespace py = pybind11;

namespace omega_py {

namespace {

PyObject* missing_name = nullptr;   // interned "_missing"
PyObject* get_slow_name = nullptr;  // interned "_get_slow"

PyObject* attr_view_getattro(PyObject* self, PyObject* name) {
  PyObject* dict = PyObject_GenericGetDict(self, nullptr);  // new reference
  if (dict == nullptr) return nullptr;
  PyObject* value = PyDict_GetItemWithError(dict, name);  // borrowed
  Py_XINCREF(value);
  Py_DECREF(dict);
  if (value != nullptr || PyErr_Occurred()) return value;
  // Not a setting of this version: methods, slots, properties, dunders...
  value = PyObject_GenericGetAttr(self, name);
  if (value != nullptr || !PyErr_ExceptionMatches(PyExc_AttributeError)) return value;
  PyErr_Clear();
  // ...or a missing setting: the subclass raises its own error (or finds the
  // name in another case).
  return PyObject_CallMethodOneArg(self, missing_name, name);
}

// Parses (key, default=None) from a vectorcall; false with an error set on misuse.
bool parse_get_args(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames, PyObject** key, PyObject** fallback) {
  *key = nargs >= 1 ? args[0] : nullptr;
  *fallback = nargs == 2 ? args[1] : Py_None;
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; ++i) {
    PyObject* kw = PyTuple_GET_ITEM(kwnames, i);
    if (PyUnicode_CompareWithASCIIString(kw, "key") == 0 && *key == nullptr) {
      *key = args[nargs + i];
    } else if (PyUnicode_CompareWithASCIIString(kw, "default") == 0 && nargs < 2) {
      *fallback = args[nargs + i];
    } else {
      PyErr_Format(PyExc_TypeError, "get() got an unexpected keyword argument '%U'", kw);
      return false;
    }
  }
  if (*key == nullptr || nargs > 2) {
    PyErr_SetString(PyExc_TypeError, "get(key, default=None)");
    return false;
  }
  return true;
}

// A str key found in dict: a new reference. Otherwise nullptr (error set or not).
PyObject* lookup_str(PyObject* dict, PyObject* key) {
  if (!PyUnicode_Check(key)) return nullptr;
  PyObject* value = PyDict_GetItemWithError(dict, key);
  Py_XINCREF(value);
  return value;
}

// AttrView.get(key, default=None): the instance __dict__ for a str key, else
// self._get_slow(key, default) (other cases, reserved names, misses).
PyObject* attr_view_get(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject *key, *fallback;
  if (!parse_get_args(args, nargs, kwnames, &key, &fallback)) return nullptr;
  PyObject* dict = PyObject_GenericGetDict(self, nullptr);
  if (dict == nullptr) return nullptr;
  PyObject* value = lookup_str(dict, key);
  Py_DECREF(dict);
  if (value != nullptr || PyErr_Occurred()) return value;
  return PyObject_CallMethodObjArgs(self, get_slow_name, key, fallback, nullptr);
}

// bind_get(lookup, slow): a builtin function get(key, default=None) that
// answers from the dict `lookup`, else returns slow(key, default). Bound to a
// (lookup, slow) tuple: calling it allocates nothing.
PyObject* bound_get(PyObject* state, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject *key, *fallback;
  if (!parse_get_args(args, nargs, kwnames, &key, &fallback)) return nullptr;
  PyObject* value = lookup_str(PyTuple_GET_ITEM(state, 0), key);
  if (value != nullptr || PyErr_Occurred()) return value;
  PyObject* slow_args[2] = {key, fallback};
  return PyObject_Vectorcall(PyTuple_GET_ITEM(state, 1), slow_args, 2, nullptr);
}

PyMethodDef bound_get_def = {"get", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(bound_get)),
                             METH_FASTCALL | METH_KEYWORDS,
                             "get(key, default=None): the value, or default when the key is absent."};

}  // namespace

void register_attr_view(py::module_& m) {
  missing_name = PyUnicode_InternFromString("_missing");
  get_slow_name = PyUnicode_InternFromString("_get_slow");
  if (missing_name == nullptr || get_slow_name == nullptr) throw py::error_already_set();
  static PyMethodDef methods[] = {
      {"get", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)(void)>(attr_view_get)),
       METH_FASTCALL | METH_KEYWORDS, "get(key, default=None): the value, or default when the key is absent."},
      {nullptr, nullptr, 0, nullptr}};
  static PyType_Slot slots[] = {
      {Py_tp_getattro, reinterpret_cast<void*>(attr_view_getattro)},
      {Py_tp_methods, methods},
      {Py_tp_doc, const_cast<char*>("Base class: attribute reads look in the instance __dict__ "
                                    "first; a miss calls self._missing(name). get() likewise, "
                                    "falling back to self._get_slow(key, default).")},
      {0, nullptr}};
  static PyType_Spec spec = {"omega_config._core.AttrView", static_cast<int>(sizeof(PyObject)), 0,
                             Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
  PyObject* type = PyType_FromSpec(&spec);
  if (type == nullptr) throw py::error_already_set();
  m.attr("AttrView") = py::reinterpret_steal<py::object>(type);

  m.def(
      "bind_get",
      [](py::dict lookup, py::object slow) {
        py::tuple state = py::make_tuple(lookup, slow);
        PyObject* fn = PyCFunction_NewEx(&bound_get_def, state.ptr(), nullptr);
        if (fn == nullptr) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(fn);
      },
      py::arg("lookup"), py::arg("slow"), "A get(key, default=None) answering from `lookup`, else slow(key, default).");
}

}  // namespace omega_py
