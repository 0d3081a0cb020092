#include "testing/fault_vfs.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace longhaul::testing {

using store::sqlite::internal::AsWrapper;
using store::sqlite::internal::ForwardingIoMethods;
using store::sqlite::internal::Wrapped;

struct FaultVfsAccess {
  static int Decide(FaultVfs* owner, FaultVfs::Op op) { return owner->Decide(op); }
  static FaultVfs* Owner(sqlite3_vfs* vfs) {
    return static_cast<FaultVfs::Data*>(vfs->pAppData)->owner;
  }
  static bool ReadOnly(sqlite3_vfs* vfs) { return Owner(vfs)->read_only_.load(); }
};

namespace {

FaultVfs* Owner(sqlite3_file* f) { return static_cast<FaultVfs*>(AsWrapper(f)->state); }

int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  int rc = FaultVfsAccess::Decide(Owner(f), FaultVfs::Op::kWrite);
  return rc != SQLITE_OK ? rc : Wrapped(f)->pMethods->xWrite(Wrapped(f), buf, n, off);
}
int Sync(sqlite3_file* f, int flags) {
  int rc = FaultVfsAccess::Decide(Owner(f), FaultVfs::Op::kSync);
  return rc != SQLITE_OK ? rc : Wrapped(f)->pMethods->xSync(Wrapped(f), flags);
}

sqlite3_io_methods FaultMethods(int version) {
  sqlite3_io_methods m = ForwardingIoMethods(version);
  m.xWrite = Write;
  m.xSync = Sync;
  return m;
}

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if (FaultVfsAccess::ReadOnly(vfs) && (flags & SQLITE_OPEN_MAIN_DB) != 0) {
    flags = (flags & ~(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_READONLY;
  }
  int version = 0;
  int rc = store::sqlite::internal::OpenWrapped(vfs, name, file, flags, out_flags, &version);
  if (version == 0) return rc;
  static const sqlite3_io_methods kMethods[] = {FaultMethods(1), FaultMethods(2), FaultMethods(3)};
  AsWrapper(file)->state = FaultVfsAccess::Owner(vfs);
  file->pMethods = &kMethods[version - 1];
  return rc;
}

}  // namespace

FaultVfs::FaultVfs(std::string name) : name_(std::move(name)), vfs_(new sqlite3_vfs{}) {
  real_ = sqlite3_vfs_find(nullptr);
  if (real_ == nullptr) {
    std::fprintf(stderr, "FaultVfs: no default SQLite VFS\n");
    std::abort();
  }
  data_.real = real_;
  data_.owner = this;
  sqlite3_vfs& v = *vfs_;
  store::sqlite::internal::ForwardVfs(v, &data_);
  v.zName = name_.c_str();
  v.xOpen = Open;
  if (sqlite3_vfs_register(vfs_.get(), /*makeDflt=*/0) != SQLITE_OK) {
    std::fprintf(stderr, "FaultVfs: cannot register %s\n", name_.c_str());
    std::abort();
  }
}

FaultVfs::~FaultVfs() { (void)sqlite3_vfs_unregister(vfs_.get()); }

void FaultVfs::FailAfter(Op op, int skip, int rc, bool sticky) {
  std::lock_guard<std::mutex> lock(mu_);
  Rule& r = op == Op::kWrite ? write_rule_ : sync_rule_;
  r = Rule{true, skip, rc, sticky, false};
}

void FaultVfs::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  write_rule_ = Rule{};
  sync_rule_ = Rule{};
}

int FaultVfs::Decide(Op op) {
  (op == Op::kWrite ? writes_ : syncs_).fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  Rule& r = op == Op::kWrite ? write_rule_ : sync_rule_;
  if (!r.armed) {
    return SQLITE_OK;
  }
  if (r.fired && !r.sticky) {
    return SQLITE_OK;
  }
  if (!r.fired && r.skip > 0) {
    --r.skip;
    return SQLITE_OK;
  }
  r.fired = true;
  failures_.fetch_add(1);
  return r.rc;
}

}  // namespace longhaul::testing
