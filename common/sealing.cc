#include "sealing.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "json_reader.h"

namespace omega::seal {
namespace {

constexpr std::string_view kAdLabel = "omega:sealed:v1";
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kMaxKeyFileBytes = 64 * 1024;
constexpr const char* kKeyFileShape =
    "one `ID:KEY` per line, KEY from `openssl rand -base64 32`; the first line seals, the others still open";

static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES, "a seal key is an XChaCha20 key");

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// The associated data: binds a sealed value to its key id and its setting.
std::string associated_data(std::string_view key_id, std::string_view setting) {
  std::string ad(kAdLabel);
  ad += '\0';
  ad += key_id;
  ad += '\0';
  ad += setting;
  return ad;
}

// A setting's name as messages may show it: names come from Redis, which a reader does not trust.
std::string describe_setting(std::string_view name) {
  bool printable = !name.empty() && name.size() <= 64;
  for (unsigned char c : name) printable = printable && c >= 0x20 && c < 0x7F;
  return printable ? std::string(name) : std::string("a setting with an unprintable or overlong name");
}

// Strict standard base64: the whole text, padded, canonical. False if it is not.
bool decode_base64(std::string_view b64, std::string* out) {
  out->assign(b64.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(out->data()), out->size(), b64.data(), b64.size(),
                             nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL);
  if (rc != 0 || end != b64.data() + b64.size()) {
    sodium_memzero(out->data(), out->size());
    return false;
  }
  out->resize(len);
  return true;
}

std::string encode_base64(const unsigned char* bin, size_t len) {
  std::string out(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), bin, len, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the NUL
  return out;
}

// Replaces the values of some members of a flat JSON object and keeps every other byte.
// replacement(member) returns the new JSON text of its value, or nullptr to keep it.
template <typename Replace>
std::string splice(std::string_view text, const std::vector<json::Member>& members, Replace replacement) {
  std::string out;
  out.reserve(text.size() + text.size() / 2);
  size_t copied = 0;
  for (const auto& m : members) {
    std::string value;
    if (!replacement(m, &value)) continue;
    out.append(text.substr(copied, m.value_begin - copied));
    out += value;
    copied = m.value_end;
  }
  out.append(text.substr(copied));
  return out;
}

std::vector<json::Member> members_of(std::string_view text, const char* what) {
  try {
    return json::parse_object(text);
  } catch (const json::ParseError& e) {
    throw SealError(std::string(what) + ": " + e.what());
  }
}

}  // namespace

// ---- key files ----------------------------------------------------------------

Keyring::~Keyring() {
  for (Key& k : keys_) sodium_memzero(k.bytes.data(), k.bytes.size());
}

const Key* Keyring::find(std::string_view id) const {
  for (const Key& k : keys_)
    if (k.id == id) return &k;
  return nullptr;
}

std::string Keyring::ids() const {
  std::string out;
  for (const Key& k : keys_) out += (out.empty() ? "" : ", ") + k.id;
  return out;
}

bool valid_key_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxKeyIdBytes) return false;
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

Keyring Keyring::parse(std::string_view text, const std::string& source) {
  Keyring ring;
  ring.source_ = source;
  std::vector<std::string> problems;
  size_t line_no = 0;
  for (size_t start = 0; start <= text.size();) {
    size_t nl = text.find('\n', start);
    std::string_view raw = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    const std::string at = "line " + std::to_string(line_no);
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      problems.push_back(at + ": not `ID:KEY`");
      sodium_memzero(line.data(), line.size());
      continue;
    }
    Key key;
    key.id = trim(std::string_view(line).substr(0, colon));
    std::string b64 = trim(std::string_view(line).substr(colon + 1));
    sodium_memzero(line.data(), line.size());
    std::string bin;
    if (!valid_key_id(key.id)) {
      problems.push_back(at + ": the key id must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    } else if (ring.find(key.id)) {
      problems.push_back(at + ": key id '" + key.id + "' is listed twice");
    } else if (!decode_base64(b64, &bin)) {
      problems.push_back(at + " (key '" + key.id + "'): the key is not standard base64");
    } else if (bin.size() != kKeyBytes) {
      problems.push_back(at + " (key '" + key.id + "'): the key is " + std::to_string(bin.size()) +
                         " bytes; a seal key is exactly 32");
    } else {
      std::memcpy(key.bytes.data(), bin.data(), kKeyBytes);
      ring.keys_.push_back(key);
    }
    sodium_memzero(b64.data(), b64.size());
    sodium_memzero(bin.data(), bin.size());
    sodium_memzero(key.bytes.data(), key.bytes.size());
  }
  if (problems.empty() && ring.keys_.empty()) problems.push_back("it holds no key");
  if (!problems.empty()) {
    std::string message = source + " is not a valid seal key file: ";
    for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
    throw SealError(message + " (" + kKeyFileShape + ")");
  }
  return ring;
}

Keyring Keyring::load(const std::string& path) {
  const std::string source = "seal key file " + path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    throw SealError(source + " cannot be read: " + std::strerror(errno) +
                    " (it must exist and be readable by this process's user, and by no one else: chmod 600 " + path +
                    ")");
  struct stat st {};
  std::string text;
  std::string problem;
  if (fstat(fd, &st) != 0) {
    problem = std::string("cannot be examined: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "is not a regular file";
  } else if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    problem = std::string("can be accessed by group or others (mode ") + mode +
              "); it holds secret keys, so only its owner may read it: chmod 600 " + path;
  } else if (static_cast<size_t>(st.st_size) > kMaxKeyFileBytes) {
    problem = "is larger than 64 KiB: not a seal key file";
  } else {
    text.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < text.size()) {
      ssize_t n = ::read(fd, text.data() + got, text.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        problem = std::string("cannot be read: ") + (n < 0 ? std::strerror(errno) : "it shrank while being read");
        break;
      }
      got += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  if (!problem.empty()) {
    sodium_memzero(text.data(), text.size());
    throw SealError(source + " " + problem);
  }
  try {
    Keyring ring = parse(text, source);
    sodium_memzero(text.data(), text.size());
    return ring;
  } catch (...) {
    sodium_memzero(text.data(), text.size());
    throw;
  }
}

// ---- one value ------------------------------------------------------------------

bool is_sealed(std::string_view value) { return starts_with(value, kReservedPrefix); }

std::string seal_value(std::string_view value_json, std::string_view setting, const Key& key) {
  const std::string ad = associated_data(key.id, setting);
  std::string box(kNonceBytes + value_json.size() + kTagBytes, '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(box.data());
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long cipher_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      nonce + kNonceBytes, &cipher_len, reinterpret_cast<const unsigned char*>(value_json.data()), value_json.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce, key.bytes.data());
  return std::string(kPrefix) + encode_base64(nonce, kNonceBytes + static_cast<size_t>(cipher_len));
}

std::string open_value(std::string_view sealed, std::string_view setting, const Key& key) {
  if (!starts_with(sealed, kPrefix))
    throw SealError(is_sealed(sealed) ? "is sealed in a format this library does not know (only omega:sealed:v1:)"
                                      : "is not a sealed value");
  std::string box;
  if (!decode_base64(sealed.substr(kPrefix.size()), &box)) throw SealError("is not valid base64 after its prefix");
  if (box.size() < kNonceBytes + kTagBytes) throw SealError("is too short to be a sealed value");
  const std::string ad = associated_data(key.id, setting);
  const auto* nonce = reinterpret_cast<const unsigned char*>(box.data());
  std::string plain(box.size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr,
                                                 nonce + kNonceBytes, box.size() - kNonceBytes,
                                                 reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce,
                                                 key.bytes.data()) != 0)
    throw SealError("does not open with key '" + key.id +
                    "' (altered, sealed with another key under that id, or sealed for another setting)");
  plain.resize(static_cast<size_t>(plain_len));
  return plain;
}

// ---- whole snapshots ----------------------------------------------------------------

std::string seal_object(std::string_view plain, const std::function<bool(std::string_view)>& is_secret, const Key& key,
                        std::string_view reuse_from) {
  std::vector<json::Member> members = members_of(plain, "the snapshot to seal");
  std::map<std::string, std::string, std::less<>> previous;
  if (!reuse_from.empty()) {
    try {
      for (auto& m : json::parse_object(reuse_from))
        if (m.kind == json::Kind::kString && is_sealed(m.text)) previous.emplace(m.key, std::move(m.text));
    } catch (const json::ParseError&) {
      // Nothing to reuse.
    }
  }
  return splice(plain, members, [&](const json::Member& m, std::string* out) {
    if (m.kind == json::Kind::kNull || !is_secret(m.key)) return false;
    std::string_view value_json = plain.substr(m.value_begin, m.value_end - m.value_begin);
    auto before = previous.find(m.key);
    if (before != previous.end()) {
      try {
        if (open_value(before->second, m.key, key) == value_json) return *out = json::quoted(before->second), true;
      } catch (const SealError&) {
        // Sealed with another key, or not by us: seal afresh.
      }
    }
    *out = json::quoted(seal_value(value_json, m.key, key));
    return true;
  });
}

std::string open_object(std::string_view sealed, const Key& key) {
  std::vector<json::Member> members = members_of(sealed, "the snapshot");
  return splice(sealed, members, [&](const json::Member& m, std::string* out) {
    if (m.kind != json::Kind::kString || !is_sealed(m.text)) return false;
    try {
      *out = open_value(m.text, m.key, key);
    } catch (const SealError& e) {
      throw SealError("the sealed value of " + describe_setting(m.key) + " " + e.what());
    }
    try {
      // Nested one level below the snapshot object, so at most one level less deep.
      json::check(*out, json::kDefaultMaxDepth - 1);
    } catch (const json::ParseError&) {
      throw SealError("the sealed value of " + describe_setting(m.key) +
                      " opens to something that is not one JSON value");
    }
    return true;
  });
}

std::vector<std::string> sealed_members(std::string_view text) {
  std::vector<std::string> names;
  try {
    for (auto& m : json::parse_object(text))
      if (m.kind == json::Kind::kString && is_sealed(m.text)) names.push_back(std::move(m.key));
  } catch (const json::ParseError&) {
  }
  return names;
}

}  // namespace omega::seal
