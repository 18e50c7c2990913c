#include "lkg_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "errors.h"
#include "json_reader.h"
#include "wire.h"

namespace omega {
namespace {

[[noreturn]] void io_error(const std::string& what, const std::string& path) {
  throw Error(OMEGA_E_INTERNAL, "last-known-good file " + path + ": " + what + ": " + std::strerror(errno));
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

void write_lkg(const std::string& path, const Snapshot& s) {
  std::string doc = "{\"format\":\"omega-lkg-1\",\"version\":" + std::to_string(s.version()) + ",\"epoch\":";
  json::append_quoted(doc, s.epoch());
  doc += ",\"sha256\":\"" + sha256_hex(s.raw()) + "\",\"config\":";
  json::append_quoted(doc, s.raw());
  doc += "}\n";

  // Unique per process and per write (two handles may share a path), created
  // exclusively and never through a planted symlink.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter.fetch_add(1));
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) io_error("create " + tmp, path);
  bool ok = fchmod(fd, 0600) == 0;
  for (size_t off = 0; ok && off < doc.size();) {
    ssize_t n = write(fd, doc.data() + off, doc.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    off += n > 0 ? static_cast<size_t>(n) : 0;
  }
  ok = ok && fsync(fd) == 0;
  int saved = errno;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    saved = ok ? errno : saved;
    unlink(tmp.c_str());
    errno = saved;
    io_error("write", path);
  }
  int dir = open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
}

std::shared_ptr<const Snapshot> read_lkg(const std::string& path, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw Error(OMEGA_E_BAD_SNAPSHOT, "cannot open last-known-good file " + path + ": " + std::strerror(errno));
  }
  std::string doc;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    doc.append(buf, n);
    if (doc.size() > 2 * max_bytes + 4096) break;  // escaping can double the size
  }
  close(fd);
  const std::string bad = "last-known-good file " + path + " is unusable: ";
  if (doc.size() > 2 * max_bytes + 4096) throw Error(OMEGA_E_BAD_SNAPSHOT, bad + "too large");
  std::string version, epoch, sha, config, format;
  bool has_config = false;
  try {
    for (const auto& m : json::parse_object(doc, OMEGA_E_BAD_SNAPSHOT)) {
      if (m.key == "format") format = m.text;
      else if (m.key == "version" && m.kind == json::Kind::Int) version = m.text;
      else if (m.key == "epoch") epoch = m.text;
      else if (m.key == "sha256") sha = m.text;
      else if (m.key == "config" && m.kind == json::Kind::String) { config = m.text; has_config = true; }
    }
  } catch (const Error& e) {
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
    return Snapshot::parse(std::move(p.raw), p.version, epoch);
  } catch (const Error& e) {
    throw Error(OMEGA_E_BAD_SNAPSHOT, bad + e.what());
  }
}

}  // namespace omega
