// Reads and durably writes the version high-water mark file (see version_store.h).
#include "version_store.h"

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable_file.h"
#include "failpoints.h"

namespace omega::settingsd {
namespace {
std::string dir_of(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace


bool VersionStore::load(uint64_t *out, std::string *error) const {
  struct stat st;
  if (stat(path_.c_str(), &st) != 0 && errno == ENOENT) {
    *out = 0;
    return true;
  }
  std::string text;
  if (!read_whole_file(path_, &text, error)) return false;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  uint64_t v = 0;
  if (text.empty() || text.size() > 19) {
    *error = path_ + " does not hold a version number";
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      *error = path_ + " does not hold a version number";
      return false;
    }
    v = v * 10 + uint64_t(c - '0');
  }
  *out = v;
  return true;
}

bool VersionStore::store(uint64_t version, std::string *error, const char *failpoint_prefix) const {
  // Fixed-width overwrite in place + fdatasync: the file never changes size, so the sync
  // needs no journal commit for metadata (about 5x cheaper than temp + rename here), and a
  // 20-byte write inside one sector is not torn. Only the first creation syncs the directory.
  (void)failpoint_prefix;
  bool created = false;
  int fd = open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    fd = open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    created = true;
  }
  if (fd < 0) {
    *error = "cannot open " + path_ + ": " + std::strerror(errno);
    return false;
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%019llu\n", (unsigned long long)version);
  bool ok = pwrite(fd, buf, size_t(n), 0) == n;
  if (ok) OMEGA_FAILPOINT((std::string(failpoint_prefix) + ".written").c_str());
  ok = ok && fdatasync(fd) == 0;
  int saved = errno;
  close(fd);
  if (ok && created) {
    int dfd = open(dir_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = dfd >= 0 && fsync(dfd) == 0;
    saved = errno;
    if (dfd >= 0) close(dfd);
  }
  if (!ok) {
    *error = "cannot write " + path_ + ": " + std::strerror(saved);
    return false;
  }
  OMEGA_FAILPOINT((std::string(failpoint_prefix) + ".synced").c_str());
  return true;
}

}  // namespace omega::settingsd
