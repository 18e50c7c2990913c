#include "wire_format.h"

#include "json_reader.h"

namespace omega::wire {

Names Names::with_prefix(std::string_view prefix) {
  Names n;
  if (prefix.empty()) return n;
  std::string p = std::string(prefix) + ":";
  n.config = p + n.config;
  n.version = p + n.version;
  n.meta = p + n.meta;
  n.channel = p + n.channel;
  return n;
}

std::optional<uint64_t> parse_decimal(std::string_view s) {
  size_t first = s.find_first_not_of('0');
  if (s.empty() || (first != std::string_view::npos && s.size() - first > 16)) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > kMaxVersion) return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> parse_version(std::string_view s) {
  if (s.empty() || s[0] == '0') return std::nullopt;
  return parse_decimal(s);
}

Meta decode_meta(std::string_view text) {
  Meta meta;
  std::vector<json::Member> members;
  try {
    members = json::parse_object(text);
  } catch (const json::ParseError& e) {
    throw MetaError(e.what());
  }
  for (const auto& m : members) {
    if (m.key == "version") {
      if (m.kind == json::Kind::kInt && m.i >= 1)
        meta.version = parse_decimal(m.text);
      else if (m.kind == json::Kind::kString)
        meta.version = parse_version(m.text);
      if (!meta.version) throw MetaError("meta version must be an integer from 1 to 2^53-1");
    } else if (m.key == "epoch") {
      if (m.kind != json::Kind::kString || m.text.empty() || m.text.size() > 64)
        throw MetaError("meta epoch must be a string of 1 to 64 bytes");
      meta.epoch = m.text;
    } else if (m.key == "sha256") {
      if (m.kind != json::Kind::kString) throw MetaError("meta sha256 must be a string");
      meta.sha256 = m.text;
    } else if (m.key == "seal_key_id") {
      if (m.kind != json::Kind::kString || m.text.empty() || m.text.size() > 64)
        throw MetaError("meta seal_key_id must be a string of 1 to 64 bytes");
      meta.seal_key_id = m.text;
    } else if (m.key == "written_at" && m.kind == json::Kind::kString) {
      meta.written_at = m.text;
    } else if (m.key == "writer" && m.kind == json::Kind::kString) {
      meta.writer = m.text;
    }
  }
  return meta;
}

std::string encode_meta(uint64_t version, std::string_view epoch, std::string_view sha256, std::string_view written_at,
                        std::string_view writer, std::string_view seal_key_id) {
  std::string out = "{\"version\":" + std::to_string(version) + ",\"epoch\":";
  json::append_quoted(out, epoch);
  out += ",\"sha256\":";
  json::append_quoted(out, sha256);
  out += ",\"written_at\":";
  json::append_quoted(out, written_at);
  out += ",\"writer\":";
  json::append_quoted(out, writer);
  if (!seal_key_id.empty()) {
    out += ",\"seal_key_id\":";
    json::append_quoted(out, seal_key_id);
  }
  out += '}';
  return out;
}

std::string encode_message(std::string_view event, uint64_t version, uint64_t prev_version,
                           const std::vector<std::string>& changed) {
  std::string out = "{\"event\":";
  json::append_quoted(out, event);
  out += ",\"version\":\"" + std::to_string(version) + "\",\"prev_version\":\"" + std::to_string(prev_version) +
         "\",\"changed\":[";
  for (size_t i = 0; i < changed.size(); ++i) {
    if (i) out += ',';
    json::append_quoted(out, changed[i]);
  }
  out += "]}";
  return out;
}

}  // namespace omega::wire
