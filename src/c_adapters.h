// Conversions between the C ABI's types and the core's, so that only the facade (c_api.cc and
// this file) knows omega_config.h's structs and function pointers.
#pragma once
#include "callbacks.h"
#include "omega_config.h"
#include "options.h"
#include "reader.h"

// What the opaque C handles hold (LevelDB c.cc style): C++ stays behind them.
struct omega_cfg {
  std::unique_ptr<omega::Reader> rep;
};

struct omega_snapshot {
  std::shared_ptr<const omega::Snapshot> rep;
};

namespace omega {

// Checks every field (opts may be NULL: all defaults). Throws Error.
Options options_from_c(const omega_cfg_options* opts);
// Bytes of omega_cfg_options as of struct_version (1 .. OMEGA_CFG_OPTIONS_VERSION), else 0.
size_t options_size(unsigned struct_version);
// Fills the fields of out that its struct_version has.
void status_to_c(const ReaderStatus& status, omega_cfg_status* out);
// A core callback that calls fn with C arguments.
Callbacks::Fn reload_fn_from_c(omega_reload_fn fn, void* user_data);
omega_value_type value_type_to_c(ValueType t);

}  // namespace omega
