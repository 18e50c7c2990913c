#include "atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "failpoint.h"

namespace omega::fs {
namespace {

std::string base_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Leaves errno = err, so callers can tell ENOENT from the rest.
bool fail(std::string* error, const std::string& what, int err) {
  if (error) *error = what + ": " + std::strerror(err);
  errno = err;
  return false;
}

// Closes fd and removes tmp, keeping errno for the message.
bool abandon(int fd, const std::string& tmp, std::string* error, const std::string& what) {
  int saved = errno;
  close(fd);
  unlink(tmp.c_str());
  return fail(error, what, saved);
}

}  // namespace

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

bool sync_dir_of(const std::string& path) {
  int dfd = open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return false;
  int rc = fsync(dfd);
  int saved = errno;
  close(dfd);
  errno = saved;
  return rc == 0;
}

bool prepare_temp(const std::string& path, const std::string& content, const WriteOptions& opts, std::string* tmp_path,
                  std::string* error) {
  static std::atomic<unsigned> counter{0};
  unsigned mode = opts.mode;
  struct stat st;
  if (opts.keep_existing_mode && stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
  std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  // A test build can make the create fail as an unwritable directory would (root ignores modes).
  if (failpoint_fails(opts.step_prefix + ".create")) return fail(error, "cannot create " + tmp, EACCES);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return fail(error, "cannot create " + tmp, errno);
  if (fchmod(fd, mode) != 0) return abandon(fd, tmp, error, "cannot chmod " + tmp);  // umask must not change it
  // Written in two halves so a crash test can stop with half a temp file on disk.
  size_t half = content.size() / 2, done = 0;
  while (done < content.size()) {
    size_t want = (done < half ? half : content.size()) - done;
    ssize_t n = write(fd, content.data() + done, want);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon(fd, tmp, error, "cannot write " + tmp);
    done += static_cast<size_t>(n);
    if (done == half && half > 0) failpoint(opts.step_prefix + ".partial_temp");
  }
  if (fsync(fd) != 0) return abandon(fd, tmp, error, "cannot fsync " + tmp);
  close(fd);
  failpoint(opts.step_prefix + ".temp_synced");
  *tmp_path = tmp;
  return true;
}

bool commit_temp(const std::string& tmp, const std::string& path, const std::string& step_prefix, std::string* error,
                 bool* renamed) {
  if (renamed) *renamed = false;
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    unlink(tmp.c_str());
    return fail(error, "cannot rename onto " + path, saved);
  }
  if (renamed) *renamed = true;
  failpoint(step_prefix + ".renamed");
  // One retry: a transient error should not fail the write.
  bool synced = false;
  int err = 0;
  for (int attempt = 0; attempt < 2 && !synced; ++attempt) {
    synced = sync_dir_of(path);
    err = errno;
    if (synced && failpoint_fails(step_prefix + ".dir_fsync")) synced = false, err = EIO;
  }
  if (!synced) return fail(error, "cannot fsync the directory of " + path + " (tried twice)", err);
  failpoint(step_prefix + ".dir_synced");
  return true;
}

void discard_temp(const std::string& tmp) {
  if (!tmp.empty()) unlink(tmp.c_str());
}

bool write_atomically(const std::string& path, const std::string& content, const WriteOptions& opts,
                      std::string* error) {
  std::string tmp;
  return prepare_temp(path, content, opts, &tmp, error) && commit_temp(tmp, path, opts.step_prefix, error);
}

int remove_stale_temp_files(const std::string& path) {
  std::string prefix = base_of(path) + ".tmp-";
  DIR* d = opendir(dir_of(path).c_str());
  if (!d) return 0;
  int removed = 0;
  while (struct dirent* e = readdir(d)) {
    if (std::strncmp(e->d_name, prefix.c_str(), prefix.size()) == 0) {
      std::string victim = dir_of(path) + "/" + e->d_name;
      if (unlink(victim.c_str()) == 0) ++removed;
    }
  }
  closedir(d);
  return removed;
}

bool read_file(const std::string& path, std::string* out, std::string* error, size_t max_bytes) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error, "cannot open " + path, errno);
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      close(fd);
      return fail(error, "cannot read " + path, saved);
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
    if (out->size() > max_bytes) {
      close(fd);
      return fail(error, "cannot read " + path, EFBIG);
    }
  }
  close(fd);
  return true;
}

}  // namespace omega::fs
