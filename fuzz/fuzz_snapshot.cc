// Any bytes as an omega:config snapshot: either a clear rejection, or a
// snapshot in which every key is found again, in any case, as itself.
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "errors.h"
#include "snapshot.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  std::shared_ptr<const omega::Snapshot> s;
  try {
    s = omega::Snapshot::parse(raw, 1, "");
  } catch (const omega::Error& e) {
    if (e.code() != OMEGA_E_BAD_SNAPSHOT || std::string(e.what()).empty()) std::abort();
    return 0;
  }
  for (const omega::Entry& e : s->entries()) {
    std::string key(e.key);
    std::string lower = key;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (s->find(key.c_str()) != &e || s->find(lower.c_str()) != &e) std::abort();
  }
  if (!s->changed_since(*s).empty()) std::abort();
  return 0;
}
