#include "store/sqlite/internal/data_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace longhaul::store::sqlite::internal {

base::Status MakePrivate(const std::string& db) {
  int fd = ::open(db.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return base::Unavailable("open " + db + ": " + base::ErrnoText(errno));
  const int rc = ::fchmod(fd, 0600);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return base::Unavailable("chmod 0600 " + db + ": " + base::ErrnoText(err));
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string file = db + suffix;
    if (::chmod(file.c_str(), 0600) != 0 && errno != ENOENT) {
      return base::Unavailable("chmod 0600 " + file + ": " + base::ErrnoText(errno));
    }
  }
  return base::Status::Ok();
}

base::Status MakeDirectories(const std::filesystem::path& dir) {
  if (dir.empty()) {
    return base::Status::Ok();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    return base::Status::Ok();
  }
  LH_RETURN_IF_ERROR(MakeDirectories(dir.parent_path()));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return base::Unavailable("create directory " + dir.string() + ": " + base::ErrnoText(errno));
  }
  std::filesystem::path parent = dir.parent_path();
  if (parent.empty()) {
    parent = ".";
  }
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return base::Unavailable("open directory " + parent.string() + ": " + base::ErrnoText(errno));
  }
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return base::Unavailable("fsync directory " + parent.string() + ": " + base::ErrnoText(err));
  }
  return base::Status::Ok();
}

}  // namespace longhaul::store::sqlite::internal
