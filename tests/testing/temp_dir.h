// TempDir: a fresh directory under $TMPDIR for one test, removed with everything in it; and the
// file helpers tests use in it.
#pragma once

#include <string>

namespace longhaul::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The whole of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);
// Writes a small file at `path` (a gate a test opens for a waiting command).
void Touch(const std::string& path);

}  // namespace longhaul::testing
