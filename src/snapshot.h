// One immutable version of the settings, built once by the watcher and then
// shared read-only by every reader thread. Lookups ignore ASCII case.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace omega {

// The JSON type of a value (the C facade maps it to omega_value_type, same order).
enum class ValueType { kString, kInt, kDouble, kBool, kNull, kJson };

// One setting. The views point into its snapshot's storage and live as long as the snapshot.
struct Entry {
  std::string_view key;     // as published; NUL-terminated
  std::string_view folded;  // upper-cased, for sorting, diffs and lookups; zero bytes follow it
                            // up to a whole 8-byte word, so lookups compare it a word at a time
  std::string_view text;    // value text handed to callers (strings unquoted); NUL-terminated
  uint32_t hash = 0;        // of folded: the index's
  ValueType type = ValueType::kNull;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  // A sealed secret this handle could not open (it has no seal key): every read of it fails
  // with OMEGA_E_SEALED. text then holds the sealed string, for diffs only, never for callers.
  bool sealed = false;
};

class Snapshot {
 public:
  // Parses the omega:config JSON; throws Error(OMEGA_E_BAD_SNAPSHOT) naming
  // what is wrong. raw (the bytes as published, sealed values still sealed)
  // and seal_key_id (from the meta) are kept for the last-known-good file.
  // opened: raw with its sealed values opened (src/unsealer.h), parsed
  // instead of raw when given; without it, sealed values are marked sealed.
  static std::shared_ptr<const Snapshot> parse(std::string raw, int64_t version, std::string epoch,
                                               std::string seal_key_id = {}, const std::string* opened = nullptr);
  // Version 0, no keys.
  static std::shared_ptr<const Snapshot> empty();

  // nullptr when absent. Never allocates for keys up to 256 bytes.
  const Entry* find(const char* key) const;
  // Sorted by key.
  const std::vector<Entry>& entries() const { return entries_; }
  int64_t version() const { return version_; }
  const std::string& epoch() const { return epoch_; }
  const std::string& raw() const { return raw_; }
  const std::string& seal_key_id() const { return seal_key_id_; }

  // Keys added, removed or modified since `before`, sorted.
  std::vector<std::string> changed_since(const Snapshot& before) const;

 private:
  struct Slot {
    uint32_t hash = 0;
    uint32_t index_plus_one = 0;  // 0 = empty slot
  };
  // Where the entries' strings live: a few large blocks, so a snapshot costs a handful of
  // allocations however many settings it has (a cJSON tree costs three per member).
  class Storage {
   public:
    explicit Storage(size_t first_block = 0) : next_block_(first_block) {}
    char* allocate(size_t n);  // 8-byte aligned; stays put until the snapshot is freed

   private:
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* at_ = nullptr;
    size_t left_ = 0;
    size_t next_block_;
  };
  Entry make_entry(std::string_view key, std::string_view text);
  void build_index();

  Storage storage_;
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  uint32_t mask_ = 0;
  int64_t version_ = 0;
  std::string epoch_;
  std::string raw_;
  std::string seal_key_id_;
};

// Typed reads shared by omega_cfg_get_* and omega_snapshot_get_*; each throws
// Error(OMEGA_E_TYPE) naming the key and both types, never echoing the value.
int64_t entry_as_int64(const Entry& e);
double entry_as_double(const Entry& e);
bool entry_as_bool(const Entry& e);
const char* type_name(ValueType t);

}  // namespace omega
