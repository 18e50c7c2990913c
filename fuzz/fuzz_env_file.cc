// libFuzzer target: the .env parser must never crash, and whatever it accepts must survive a
// render/parse round trip with every value changed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "model/env_file.h"

using omega::settingsd::EnvFile;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  EnvFile file;
  std::vector<omega::settingsd::EnvError> errors;
  if (!EnvFile::parse(text, &file, &errors)) {
    if (errors.empty()) abort();
    return 0;
  }
  // Untouched: byte-identical.
  if (file.render({}) != text) abort();
  // Every value replaced by an awkward one derived from the input, plus one new key.
  std::map<std::string, std::optional<std::string>> updates;
  std::string awkward = " '\"#\\\n\t$ ";
  for (const auto& entry : file.entries()) updates[entry.key] = entry.value.value_or("") + awkward;
  updates["FUZZ_NEW_KEY"] = awkward;
  std::string rendered = file.render(updates);
  EnvFile again;
  if (!EnvFile::parse(rendered, &again, &errors)) abort();
  auto values = again.values();
  for (const auto& [key, value] : updates) {
    if (values.at(key) != *value) abort();
  }
  return 0;
}
