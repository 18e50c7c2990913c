#include "store/line_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "failpoint.h"

namespace omega::settingsd {

int open_line_file(const std::string& path, bool private_mode) {
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && private_mode) ::fchmod(fd, 0600);
  return fd;
}

long cut_torn_tail(int fd) {
  off_t size = ::lseek(fd, 0, SEEK_END);
  if (size <= 0) return size < 0 ? -1 : 0;
  off_t end = size;
  char buf[4096];
  while (end > 0) {
    off_t from = end > static_cast<off_t>(sizeof buf) ? end - static_cast<off_t>(sizeof buf) : 0;
    ssize_t n = ::pread(fd, buf, static_cast<size_t>(end - from), from);
    if (n != end - from) return -1;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (buf[i] != '\n') continue;
      off_t keep = from + i + 1;
      if (keep == size) return 0;
      return ::ftruncate(fd, keep) == 0 && ::fsync(fd) == 0 ? static_cast<long>(size - keep) : -1;
    }
    end = from;
  }
  return ::ftruncate(fd, 0) == 0 && ::fsync(fd) == 0 ? static_cast<long>(size) : -1;
}

bool append_line(int fd, const std::string& line, off_t* start, const std::string& torn_failpoint) {
  *start = ::lseek(fd, 0, SEEK_END);
  bool ok = *start >= 0;
  size_t done = 0;
  while (ok && done < line.size()) {
    size_t want = line.size() - done;
    bool torn = !torn_failpoint.empty() && failpoint_fails(torn_failpoint);
    if (torn) want = want / 2;  // a short write, then an error
    ssize_t n = ::write(fd, line.data() + done, want);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) done += static_cast<size_t>(n);
    if (n <= 0 || torn) {
      if (torn) errno = EIO;
      ok = false;  // EFBIG past `ulimit -f` (SIGXFSZ is ignored), ENOSPC, EIO
    }
  }
  if (ok && ::fsync(fd) != 0 && errno != EINVAL) ok = false;  // EINVAL: a device like /dev/null
  if (ok) return true;
  int saved = errno;
  // Leave no torn line: the next one must start on a line of its own. (On a device such as
  // /dev/full the ftruncate just fails: there is nothing to restore.)
  if (*start >= 0 && ::ftruncate(fd, *start) == 0) ::fsync(fd);
  errno = saved;
  return false;
}

}  // namespace omega::settingsd
