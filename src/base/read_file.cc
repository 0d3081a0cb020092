#include "base/read_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace longhaul::base {

Result<std::string> ReadWholeFd(int fd, size_t max_bytes) {
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return InvalidArgument("cannot read: " + ErrnoText(errno));
    if (n == 0) return text;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > max_bytes) {
      return Status(Code::kPayloadTooLarge, "larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
}

Result<std::string> ReadWholeFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return NotFound("does not exist");
    return InvalidArgument("cannot open: " + ErrnoText(err));
  }
  Result<std::string> text = ReadWholeFd(fd, max_bytes);
  ::close(fd);
  return text;
}

}  // namespace longhaul::base
