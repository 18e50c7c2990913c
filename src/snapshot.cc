#include "snapshot.h"

#include <strings.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "errors.h"
#include "json_reader.h"
#include "sealing.h"

namespace omega {
namespace {

constexpr size_t kStackKey = 256;
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHigh = 0x8080808080808080ULL;

// Upper-cases the ASCII letters of 8 bytes at once (SWAR): hashing and
// comparing a 20-byte key costs a few word operations, not 20 branches.
inline uint64_t fold_word(uint64_t x) {
  uint64_t low7 = x & ~kHigh;
  uint64_t ge_a = low7 + kOnes * (0x80 - 'a');
  uint64_t gt_z = low7 + kOnes * (0x80 - 'z' - 1);
  uint64_t lower = ge_a & ~gt_z & ~x & kHigh;
  return x ^ (lower >> 2);
}

inline uint64_t mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 29);
}

// Folds `len` bytes of key into out (which has room for len rounded up to 8)
// and returns their hash.
uint32_t fold_and_hash(const char* key, size_t len, char* out) {
  uint64_t h = len;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, key + i, 8);
    w = fold_word(w);
    std::memcpy(out + i, &w, 8);
    h = mix(h, w);
  }
  if (i < len) {
    uint64_t w = 0;
    if (len >= 8) {
      // The last 8 bytes, shifted to drop what the loop already hashed: one
      // load instead of a byte loop or a variable-length memcpy call.
      std::memcpy(&w, key + len - 8, 8);
      w >>= 8 * (8 - (len - i));
    } else {
      for (size_t k = 0; k < len; ++k) w |= static_cast<uint64_t>(static_cast<unsigned char>(key[k])) << (8 * k);
    }
    w = fold_word(w);
    std::memcpy(out + i, &w, 8);
    h = mix(h, w);
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

// Equal folded keys, compared a word at a time; both buffers are zero-padded
// to a multiple of 8 bytes.
inline bool same_words(const char* a, const char* b, size_t len) {
  for (size_t i = 0; i < len; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if (x != y) return false;
  }
  return true;
}

// A key in a message: itself when short and printable, so a message never carries binary junk.
std::string shown(std::string_view key) {
  bool printable = key.size() <= 64;
  for (unsigned char c : key) printable = printable && c >= 0x20 && c < 0x7F;
  return printable ? std::string(key) : "(a key of " + std::to_string(key.size()) + " bytes, not shown)";
}

// Key order: case-insensitive first, so iteration and diffs read naturally.
bool entry_less(const Entry& a, const Entry& b) {
  int c = a.folded.compare(b.folded);
  return c < 0 || (c == 0 && a.key < b.key);
}

[[noreturn]] void type_error(const Entry& e, const char* wanted) {
  throw Error(
      OMEGA_E_TYPE,
      std::string(e.key) + " holds " + (e.type == ValueType::kString ? "a string that is not " : "") +
          (e.type == ValueType::kString ? std::string(wanted) : std::string(type_name(e.type)) + ", not " + wanted));
}

}  // namespace

const char* type_name(ValueType t) {
  switch (t) {
    case ValueType::kString: return "a string";
    case ValueType::kInt: return "an integer";
    case ValueType::kDouble: return "a number";
    case ValueType::kBool: return "a boolean";
    case ValueType::kNull: return "null";
    case ValueType::kJson: return "a JSON array or object";
  }
  return "an unknown type";
}

char* Snapshot::Storage::allocate(size_t n) {
  n = (n + 7) & ~size_t{7};
  if (n > left_) {
    size_t size = std::max(n, next_block_);
    blocks_.push_back(std::unique_ptr<char[]>(new char[size]));
    at_ = blocks_.back().get();
    left_ = size;
    next_block_ = std::max<size_t>(size, 4096);
  }
  char* p = at_;
  at_ += n;
  left_ -= n;
  return p;
}

// One allocation from storage: folded (zero-padded to a whole word) | key NUL | text NUL.
Entry Snapshot::make_entry(std::string_view key, std::string_view text) {
  size_t padded = (key.size() + 7) & ~size_t{7};
  char* p = storage_.allocate(padded + key.size() + 1 + text.size() + 1);
  Entry e;
  e.hash = fold_and_hash(key.data(), key.size(), p);  // writes whole words: the padding is zero
  e.folded = std::string_view(p, key.size());
  char* k = p + padded;
  std::memcpy(k, key.data(), key.size());
  k[key.size()] = '\0';
  e.key = std::string_view(k, key.size());
  char* t = k + key.size() + 1;
  std::memcpy(t, text.data(), text.size());
  t[text.size()] = '\0';
  e.text = std::string_view(t, text.size());
  return e;
}

std::shared_ptr<const Snapshot> Snapshot::empty() {
  auto s = std::make_shared<Snapshot>();
  s->raw_ = "{}";
  s->build_index();
  return s;
}

std::shared_ptr<const Snapshot> Snapshot::parse(std::string raw, int64_t version, std::string epoch,
                                                std::string seal_key_id, const std::string* opened) {
  const std::string& doc = opened ? *opened : raw;
  auto s = std::make_shared<Snapshot>();
  // Keys and texts take at most the document's bytes, plus a NUL and a word of padding each.
  s->storage_ = Storage(doc.size() + doc.size() / 2 + 64);
  try {
    json::parse_object_into(doc, [&](const json::MemberView& m) {
      if (m.key.empty()) throw Error(OMEGA_E_BAD_SNAPSHOT, "snapshot has an empty key");
      Entry e = s->make_entry(m.key, m.text);
      e.i = m.i;
      e.d = m.d;
      e.b = m.b;
      switch (m.kind) {
        case json::Kind::kString:
          e.type = ValueType::kString;
          e.sealed = seal::is_sealed(e.text);
          break;
        case json::Kind::kInt: e.type = ValueType::kInt; break;
        case json::Kind::kDouble: e.type = ValueType::kDouble; break;
        case json::Kind::kBool: e.type = ValueType::kBool; break;
        case json::Kind::kNull: e.type = ValueType::kNull; break;
        case json::Kind::kNested: e.type = ValueType::kJson; break;
      }
      s->entries_.push_back(e);
    });
  } catch (const json::ParseError& e) {
    throw Error(OMEGA_E_BAD_SNAPSHOT, e.what());
  }
  // omega-settingsd publishes keys in order: then there is nothing to sort.
  if (!std::is_sorted(s->entries_.begin(), s->entries_.end(), entry_less))
    std::sort(s->entries_.begin(), s->entries_.end(), entry_less);
  // Sorted, equal keys (and keys equal but for case) are neighbours: no hash set needed.
  for (size_t i = 1; i < s->entries_.size(); ++i) {
    const Entry &a = s->entries_[i - 1], &b = s->entries_[i];
    if (a.folded != b.folded) continue;
    if (a.key == b.key) throw Error(OMEGA_E_BAD_SNAPSHOT, "invalid JSON: duplicate key " + shown(a.key));
    throw Error(OMEGA_E_BAD_SNAPSHOT,
                "snapshot keys " + shown(a.key) + " and " + shown(b.key) + " differ only in case");
  }
  s->version_ = version;
  s->epoch_ = std::move(epoch);
  s->raw_ = std::move(raw);
  s->seal_key_id_ = std::move(seal_key_id);
  s->build_index();
  return s;
}

void Snapshot::build_index() {
  size_t cap = 8;
  while (cap < entries_.size() * 2) cap *= 2;
  slots_.assign(cap, Slot{});
  mask_ = static_cast<uint32_t>(cap - 1);
  for (size_t i = 0; i < entries_.size(); ++i) {
    uint32_t h = entries_[i].hash;
    uint32_t at = h & mask_;
    while (slots_[at].index_plus_one != 0) at = (at + 1) & mask_;
    slots_[at] = Slot{h, static_cast<uint32_t>(i + 1)};
  }
}

const Entry* Snapshot::find(const char* key) const {
  size_t len = std::strlen(key);
  char stack_buf[kStackKey + 8];
  std::string heap_buf;
  char* folded = stack_buf;
  if (len > kStackKey) {
    heap_buf.resize(len + 8);
    folded = heap_buf.data();
  }
  uint32_t h = fold_and_hash(key, len, folded);
  for (uint32_t at = h & mask_;; at = (at + 1) & mask_) {
    const Slot& slot = slots_[at];
    if (slot.index_plus_one == 0) return nullptr;
    if (slot.hash != h) continue;
    const Entry& e = entries_[slot.index_plus_one - 1];
    if (e.folded.size() == len && same_words(e.folded.data(), folded, len)) return &e;
  }
}

std::vector<std::string> Snapshot::changed_since(const Snapshot& before) const {
  std::vector<std::string> changed;
  const auto& a = before.entries_;
  const auto& b = entries_;
  // Both sorted: one merge walk, one comparison per step (mostly the same key on both sides).
  auto order = [](const Entry& x, const Entry& y) {
    if (x.key == y.key) return 0;
    int c = x.folded.compare(y.folded);
    return c != 0 ? c : x.key.compare(y.key);
  };
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    int c = i == a.size() ? 1 : j == b.size() ? -1 : order(a[i], b[j]);
    if (c < 0) {
      changed.emplace_back(a[i++].key);
    } else if (c > 0) {
      changed.emplace_back(b[j++].key);
    } else {
      if (a[i].type != b[j].type || a[i].text != b[j].text) changed.emplace_back(b[j].key);
      ++i;
      ++j;
    }
  }
  std::sort(changed.begin(), changed.end());
  return changed;
}

int64_t entry_as_int64(const Entry& e) {
  switch (e.type) {
    case ValueType::kInt: return e.i;
    case ValueType::kDouble:
      // 30.0 or 3e1 is 30; an integer token stored as a double overflowed int64.
      if (e.text.find_first_of(".eE") != std::string::npos && std::trunc(e.d) == e.d && e.d >= -9223372036854775808.0 &&
          e.d < 9223372036854775808.0)
        return static_cast<int64_t>(e.d);
      type_error(e, "an integer");
    case ValueType::kString: {
      std::string_view t = e.text;
      size_t start = (!t.empty() && t[0] == '-') ? 1 : 0;
      bool ok = t.size() > start && t.size() - start <= 19 &&
                std::all_of(t.begin() + start, t.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (ok) {
        errno = 0;
        long long v = std::strtoll(t.data(), nullptr, 10);  // NUL-terminated
        if (errno != ERANGE) return v;
      }
      type_error(e, "an integer");
    }
    default: type_error(e, "an integer");
  }
}

double entry_as_double(const Entry& e) {
  switch (e.type) {
    case ValueType::kInt:
    case ValueType::kDouble: return e.d;
    case ValueType::kString: {
      // Exactly one JSON number: no spaces, no "nan", "inf" or hex.
      try {
        auto m = json::parse_object("{\"v\":" + std::string(e.text) + "}");
        if (m.size() == 1 && (m[0].kind == json::Kind::kInt || m[0].kind == json::Kind::kDouble) &&
            e.text.find_first_of(" \t\r\n") == std::string::npos)
          return m[0].d;
      } catch (const json::ParseError&) {
      }
      type_error(e, "a number");
    }
    default: type_error(e, "a number");
  }
}

bool entry_as_bool(const Entry& e) {
  if (e.type == ValueType::kBool) return e.b;
  if (e.type == ValueType::kString) {
    static const char* const kTrue[] = {"true", "1", "yes", "on"};
    static const char* const kFalse[] = {"false", "0", "no", "off"};
    for (const char* w : kTrue)
      if (strcasecmp(e.text.data(), w) == 0) return true;
    for (const char* w : kFalse)
      if (strcasecmp(e.text.data(), w) == 0) return false;
    type_error(e, "a boolean");
  }
  type_error(e, "a boolean");
}

}  // namespace omega
