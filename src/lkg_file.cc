#include "lkg_file.h"

#include <cerrno>

#include "atomic_file.h"
#include "digest.h"
#include "errors.h"
#include "fetch.h"
#include "json_reader.h"

namespace omega {

void write_lkg(const std::string& path, const Snapshot& s) {
  std::string doc = "{\"format\":\"omega-lkg-1\",\"version\":" + std::to_string(s.version()) + ",\"epoch\":";
  json::append_quoted(doc, s.epoch());
  if (!s.seal_key_id().empty()) {
    doc += ",\"seal_key_id\":";
    json::append_quoted(doc, s.seal_key_id());
  }
  doc += ",\"sha256\":\"" + sha256_hex(s.raw()) + "\",\"config\":";
  json::append_quoted(doc, s.raw());
  doc += "}\n";
  // Mode 0600 whatever the file had: it may hold secrets.
  fs::WriteOptions opts{0600, false, "lkg"};
  std::string error;
  if (!fs::write_atomically(path, doc, opts, &error))
    throw Error(OMEGA_E_INTERNAL, "last-known-good file " + path + ": " + error);
}

std::shared_ptr<const Snapshot> read_lkg(const std::string& path, size_t max_bytes, Unsealer& unsealer) {
  const std::string bad = "last-known-good file " + path + " is unusable: ";
  std::string doc, error;
  if (!fs::read_file(path, &doc, &error, 2 * max_bytes + 4096)) {  // escaping can double the size
    if (errno == ENOENT) return nullptr;
    throw Error(OMEGA_E_BAD_SNAPSHOT, errno == EFBIG ? bad + "too large" : "last-known-good file: " + error);
  }
  std::string version, epoch, sha, config, format, seal_key_id;
  bool has_config = false;
  try {
    for (const auto& m : json::parse_object(doc)) {
      if (m.key == "format")
        format = m.text;
      else if (m.key == "version" && m.kind == json::Kind::kInt)
        version = m.text;
      else if (m.key == "epoch")
        epoch = m.text;
      else if (m.key == "seal_key_id")
        seal_key_id = m.text;
      else if (m.key == "sha256")
        sha = m.text;
      else if (m.key == "config" && m.kind == json::Kind::kString)
        config = m.text, has_config = true;
    }
  } catch (const json::ParseError& e) {
    throw Error(OMEGA_E_BAD_SNAPSHOT, bad + e.what());
  }
  if (format != "omega-lkg-1" || !has_config || sha != sha256_hex(config))
    throw Error(OMEGA_E_BAD_SNAPSHOT, bad + "wrong format or checksum");
  Published p;
  p.raw = std::move(config);
  std::string meta = "{\"version\":" + version + ",\"sha256\":\"" + sha + "\"}";
  check_published(&p, version, &meta, max_bytes);
  if (!p.error.empty()) throw Error(OMEGA_E_BAD_SNAPSHOT, bad + p.error);
  try {
    return unsealer.snapshot(std::move(p.raw), p.version, epoch, seal_key_id);
  } catch (const Error& e) {
    throw Error(OMEGA_E_BAD_SNAPSHOT, bad + e.what());
  }
}

}  // namespace omega
