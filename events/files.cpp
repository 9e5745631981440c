#include "events/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tmo::files {

namespace {

// What a file that is not a regular one is, for the error.
const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "not a regular file";
}

struct fd_closer {
  int fd;
  ~fd_closer() { ::close(fd); }
};

}  // namespace

std::string size_text(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0)
    return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

result<std::string> read_text_file(const std::string& path, size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO with no writer must not hang; it is refused
  // below as not a regular file.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    return status::not_found(path + ": " + std::strerror(e) +
                             "; give a readable file");
  }
  fd_closer closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return status::io_error(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return status::invalid_argument(path + " is " + kind_of(st.st_mode) +
                                    ", not a regular file; give a file");
  auto too_large = [&] {
    return status::invalid_argument(path + " is larger than " +
                                    size_text(max_bytes) +
                                    " (the limit); give a shorter file");
  };
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
  std::string text;
  text.reserve(static_cast<size_t>(st.st_size));
  char buf[65536];
  // One byte past the limit tells a file that grew while it was read.
  while (text.size() <= max_bytes) {
    size_t want = std::min(sizeof buf, max_bytes + 1 - text.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      return status::io_error(path + ": " + std::strerror(errno));
    }
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
  }
  return too_large();
}

}  // namespace tmo::files
