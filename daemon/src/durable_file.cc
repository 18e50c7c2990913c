// Durable file replacement and stale temp cleanup (see durable_file.h).
#include "durable_file.h"

#include "failpoints.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace omega::settingsd {
namespace {

std::string dir_of(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_of(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool fail(std::string *error, const std::string &what) {
  if (error) *error = what + ": " + std::strerror(errno);
  return false;
}

[[maybe_unused]] std::string step(const char *prefix, const char *name) { return std::string(prefix) + "." + name; }

}  // namespace

bool prepare_temp(const std::string &path, const std::string &content, unsigned mode, const char *failpoint_prefix,
                  std::string *tmp_path, std::string *error) {
  (void)failpoint_prefix;  // unused when failpoints are compiled out
  static std::atomic<unsigned> counter{0};
  struct stat st;
  if (stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return fail(error, "cannot create " + tmp);
  fchmod(fd, mode);  // umask must not widen or narrow the target's mode
  // Written in two halves so a crash test can stop with half a temp file on disk.
  size_t half = content.size() / 2;
  size_t done = 0;
  while (done < content.size()) {
    size_t want = (done < half ? half : content.size()) - done;
    ssize_t n = write(fd, content.data() + done, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      unlink(tmp.c_str());
      errno = saved;
      return fail(error, "cannot write " + tmp);
    }
    done += size_t(n);
    if (done == half && half > 0) OMEGA_FAILPOINT(step(failpoint_prefix, "partial_temp").c_str());
  }
  if (fsync(fd) != 0) {
    int saved = errno;
    close(fd);
    unlink(tmp.c_str());
    errno = saved;
    return fail(error, "cannot fsync " + tmp);
  }
  close(fd);
  OMEGA_FAILPOINT(step(failpoint_prefix, "temp_synced").c_str());
  *tmp_path = tmp;
  return true;
}

bool commit_temp(const std::string &tmp, const std::string &path, const char *failpoint_prefix, std::string *error,
                 bool *renamed) {
  (void)failpoint_prefix;
  if (renamed) *renamed = false;
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    unlink(tmp.c_str());
    errno = saved;
    return fail(error, "cannot rename onto " + path);
  }
  if (renamed) *renamed = true;
  OMEGA_FAILPOINT(step(failpoint_prefix, "renamed").c_str());
  // One retry: a transient error (EINTR-like, a busy device) should not fail the write.
  int rc = -1;
  for (int attempt = 0; attempt < 2 && rc != 0; ++attempt) {
    int dfd = open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) continue;
    rc = fsync(dfd);
    int saved = errno;
    close(dfd);
    if (rc == 0 && OMEGA_FAILPOINT_FAILS(step(failpoint_prefix, "dir_fsync").c_str())) {
      rc = -1;
      saved = EIO;
    }
    errno = saved;
  }
  if (rc != 0) return fail(error, "cannot fsync directory of " + path + " (tried twice)");
  OMEGA_FAILPOINT(step(failpoint_prefix, "dir_synced").c_str());
  return true;
}

void discard_temp(const std::string &tmp) {
  if (!tmp.empty()) unlink(tmp.c_str());
}

bool write_file_durably(const std::string &path, const std::string &content, unsigned mode,
                        const char *failpoint_prefix, std::string *error) {
  std::string tmp;
  return prepare_temp(path, content, mode, failpoint_prefix, &tmp, error) &&
         commit_temp(tmp, path, failpoint_prefix, error);
}

int remove_stale_temp_files(const std::string &path) {
  std::string prefix = base_of(path) + ".tmp-";
  DIR *d = opendir(dir_of(path).c_str());
  if (!d) return 0;
  int removed = 0;
  while (struct dirent *e = readdir(d)) {
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) {
      std::string victim = dir_of(path) + "/" + e->d_name;
      if (unlink(victim.c_str()) == 0) ++removed;
    }
  }
  closedir(d);
  return removed;
}

bool read_whole_file(const std::string &path, std::string *out, std::string *error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error, "cannot open " + path);
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      close(fd);
      errno = saved;
      return fail(error, "cannot read " + path);
    }
    if (n == 0) break;
    out->append(buf, size_t(n));
  }
  close(fd);
  return true;
}

}  // namespace omega::settingsd
