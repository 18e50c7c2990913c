// The Redis wire contract, in one place: key and channel names, the version number, the meta
// document and the channel message. docs/wire.md describes it; the reader core (fetch and
// checks) and the daemon (publication) both speak it through this file.
//
//   omega:config          the snapshot: flat JSON object of every setting
//   omega:config:version  decimal version, 1 .. kMaxVersion
//   omega:config:meta     {"version":N,"epoch":"…","sha256":"…","written_at":"…","writer":"…"
//                          [,"seal_key_id":"…"]}   (seal_key_id: common/sealing.h)
//   config_channel        {"event":"updated","version":"N","prev_version":"M","changed":[…]}
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omega::wire {

struct Names {
  std::string config = "omega:config";
  std::string version = "omega:config:version";
  std::string meta = "omega:config:meta";
  std::string channel = "config_channel";

  // "staging" -> "staging:omega:config", …; "" -> the defaults. A cluster deployment uses a
  // hash tag ("{omega}") so that the three keys share one slot.
  static Names with_prefix(std::string_view prefix);
};

// Largest version: 2^53 - 1, exact as a JSON number in every language.
constexpr uint64_t kMaxVersion = 9007199254740991ULL;

// Digits only (leading zeros allowed), at most kMaxVersion. The one number parser for
// versions, whatever carries them: Redis, meta, ETags, request bodies, the version mark file.
std::optional<uint64_t> parse_decimal(std::string_view s);
// A published version as Redis holds it: parse_decimal without a leading zero, at least 1.
std::optional<uint64_t> parse_version(std::string_view s);

// A meta document that is not what the contract says.
class MetaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Meta {
  std::optional<uint64_t> version;  // a JSON integer or a decimal string
  std::string epoch;                // "" when absent
  std::optional<std::string> sha256;
  std::string written_at;
  std::string writer;
  std::string seal_key_id;  // the key that sealed the snapshot's secrets; "" when absent
};

// Throws MetaError when text is not a strict JSON object, a known field has the wrong type,
// or the epoch or seal key id is not 1 to 64 bytes. Unknown fields are ignored (more may be
// added).
Meta decode_meta(std::string_view text);
// seal_key_id "" leaves the field out (the snapshot holds nothing sealed).
std::string encode_meta(uint64_t version, std::string_view epoch, std::string_view sha256, std::string_view written_at,
                        std::string_view writer, std::string_view seal_key_id = {});

// The pub/sub hint. Versions travel as decimal strings, as in the pattern document.
std::string encode_message(std::string_view event, uint64_t version, uint64_t prev_version,
                           const std::vector<std::string>& changed);

}  // namespace omega::wire
