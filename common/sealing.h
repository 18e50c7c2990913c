// Sealed secrets (reader guarantee 14, docs/wire.md): the one implementation of the format, for
// the writer that seals and for every reader that opens. A sealed value is the JSON string
//
//   "omega:sealed:v1:" + base64(nonce ‖ ciphertext)
//
// where ciphertext is XChaCha20-Poly1305 (libsodium's _ietf construction, 16-byte tag appended)
// of the setting's value as JSON text, under a random 24-byte nonce and the associated data
// "omega:sealed:v1" NUL key-id NUL setting-name. A sealed value therefore opens only under the
// key id the meta names (omega:config:meta "seal_key_id") and only as the setting it was sealed
// for: it cannot be moved to another setting (one that gets logged, say). Any JSON type can be
// sealed and opens to exactly the value that was sealed.
//
// Key files: one key per line, `ID:BASE64`, the standard padded base64 of 32 random bytes;
// blank lines and `#` comments allowed. The first key seals; every key listed opens (rotation).
// The file must be a regular file that no one but its owner can access (0600 or 0400).
//
// Messages never hold a value, a sealed value or key material: file names, line numbers, setting
// names and key ids only. Call sodium_init() first.
#pragma once
#include <array>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omega::seal {

// What a sealed value of this format begins with...
inline constexpr std::string_view kPrefix = "omega:sealed:v1:";
// ... and what marks a sealed value of any format version: a reader never hands out a value that
// begins with it, and the writer never publishes one in clear.
inline constexpr std::string_view kReservedPrefix = "omega:sealed:";
inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kMaxKeyIdBytes = 64;

class SealError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Key {
  std::string id;
  std::array<unsigned char, kKeyBytes> bytes{};
};

// The keys of one key file. Wipes them when destroyed.
class Keyring {
 public:
  // Parses key file text; source names it in messages. Throws SealError naming every bad line
  // and the fix.
  static Keyring parse(std::string_view text, const std::string& source);
  // Reads and parses the key file at path: a regular file, mode without group or other bits,
  // at most 64 KiB. Throws SealError naming the file, what is wrong and the fix.
  static Keyring load(const std::string& path);

  Keyring() = default;
  Keyring(const Keyring&) = default;
  Keyring(Keyring&&) noexcept = default;
  Keyring& operator=(const Keyring&) = default;
  Keyring& operator=(Keyring&&) noexcept = default;
  ~Keyring();

  bool empty() const { return keys_.empty(); }
  // The key that seals: the file's first.
  const Key& sealing_key() const { return keys_.front(); }
  // nullptr when the file does not list id.
  const Key* find(std::string_view id) const;
  // "k2, k1": for messages.
  std::string ids() const;
  // "seal key file /etc/omega/seal.keys": for messages.
  const std::string& source() const { return source_; }

 private:
  std::vector<Key> keys_;
  std::string source_;
};

// 1 to 64 bytes of A-Z a-z 0-9 . _ -
bool valid_key_id(std::string_view id);
// Begins with kReservedPrefix.
bool is_sealed(std::string_view value);

// Seals one setting's value, given as JSON text (a string keeps its quotes).
std::string seal_value(std::string_view value_json, std::string_view setting, const Key& key);
// The JSON text that was sealed. Throws SealError saying why not (another format version, not
// base64, too short, or it does not open: tampered, another key, another setting); the message
// has no subject, so callers put the setting's name in front.
std::string open_value(std::string_view sealed, std::string_view setting, const Key& key);

// Whole snapshots: the flat JSON object omega:config holds. Every byte that is not a sealed (or
// sealed-to-be) value is kept as it is, so open_object(seal_object(x)) == x exactly.
//
// Seals each member whose name is_secret and whose value is not null. A member whose sealed value
// in reuse_from opens with key to the same JSON text keeps those bytes: a republished snapshot
// whose secrets did not change is then byte-identical. Throws SealError if plain is not a JSON
// object.
std::string seal_object(std::string_view plain, const std::function<bool(std::string_view)>& is_secret, const Key& key,
                        std::string_view reuse_from = {});
// Opens every sealed member with key. Throws SealError naming the setting and why: it does not
// open, or what it opens to is not one JSON value.
std::string open_object(std::string_view sealed, const Key& key);
// Names of the top-level members whose value is a sealed string; empty if text is not a JSON
// object.
std::vector<std::string> sealed_members(std::string_view text);

}  // namespace omega::seal
