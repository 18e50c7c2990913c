// Any bytes as what a reader opens (common/sealing.h): a snapshot that may hold sealed values,
// one sealed value, a seal key file. Untrusted input (anyone who can write Redis, or a key file
// a reader is pointed at) must give a SealError or a result, never a crash. And for any JSON
// object, sealing every member and opening again gives back exactly the same bytes.
#include <sodium.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sealing.h"

namespace {

const omega::seal::Key& fuzz_key() {
  static const omega::seal::Key key = [] {
    if (sodium_init() < 0) std::abort();
    omega::seal::Key k;
    k.id = "fz";
    k.bytes.fill(0x42);
    return k;
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const omega::seal::Key& key = fuzz_key();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    omega::seal::open_object(text, key);
  } catch (const omega::seal::SealError&) {
  }
  try {
    omega::seal::open_value(text, "A", key);
  } catch (const omega::seal::SealError&) {
  }
  try {
    omega::seal::Keyring::parse(text, "fuzz input");
  } catch (const omega::seal::SealError&) {
  }
  omega::seal::sealed_members(text);

  std::string sealed;
  try {
    sealed = omega::seal::seal_object(
        text, [](std::string_view) { return true; }, key);
  } catch (const omega::seal::SealError&) {
    return 0;  // not a JSON object
  }
  if (omega::seal::open_object(sealed, key) != text) std::abort();
  return 0;
}
