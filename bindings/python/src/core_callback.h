// The reload-callback trampoline: the C library calls it on a watcher thread;
// it takes the GIL and calls the Python function with (version, changed_keys).
// An exception from the function goes to sys.unraisablehook and never reaches
// the watcher.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>

#include "omega_config.h"

namespace omega_py {

// user_data for omega_cfg_on_reload; freed by destroy_callback (with the GIL).
void* new_callback(pybind11::function fn);
void destroy_callback(void* user_data);
void reload_trampoline(int64_t version, const char* const* changed_keys, size_t n_changed,
                       const omega_snapshot* snapshot, void* user_data);

// True while this thread is running a reload callback of ours.
bool on_callback_thread();

}  // namespace omega_py
