#include "testing/fault_vfs.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace longhaul::testing {

// The wrapped file: our header, then the real VFS's file object in the same allocation.
struct FaultFile {
  sqlite3_file base;
  FaultVfs* owner;
  sqlite3_file* real;
};

struct FaultVfsAccess {
  static FaultVfs* Owner(sqlite3_vfs* vfs) { return static_cast<FaultVfs*>(vfs->pAppData); }
  static sqlite3_vfs* Real(sqlite3_vfs* vfs) { return Owner(vfs)->real_; }
  static int Decide(FaultVfs* owner, FaultVfs::Op op) { return owner->Decide(op); }
};

namespace {

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }
FaultVfs* Owner(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->owner; }

int Close(sqlite3_file* f) {
  sqlite3_file* real = Real(f);
  int rc = real->pMethods->xClose(real);
  f->pMethods = nullptr;
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  int rc = FaultVfsAccess::Decide(Owner(f), FaultVfs::Op::kWrite);
  if (rc != SQLITE_OK) {
    return rc;
  }
  return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  int rc = FaultVfsAccess::Decide(Owner(f), FaultVfs::Op::kSync);
  if (rc != SQLITE_OK) {
    return rc;
  }
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

// Version 3 methods; used only for files whose real methods are version 3 (the unix VFS).
const sqlite3_io_methods kMethodsV3 = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};
// Version 1 methods for files (e.g. temp files of other VFSes) without shm/mmap support.
const sqlite3_io_methods kMethodsV1 = {
    1,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* real_vfs = FaultVfsAccess::Real(vfs);
  auto* f = reinterpret_cast<FaultFile*>(file);
  f->owner = FaultVfsAccess::Owner(vfs);
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + sizeof(FaultFile));
  f->real->pMethods = nullptr;
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  if (f->real->pMethods == nullptr) {
    f->base.pMethods = nullptr;
  } else {
    f->base.pMethods = f->real->pMethods->iVersion >= 3 ? &kMethodsV3 : &kMethodsV1;
  }
  return rc;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xDelete(r, name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xAccess(r, name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xFullPathname(r, name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xDlOpen(r, name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  r->xDlError(r, n, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* h, const char* sym))(void) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xDlSym(r, h, sym);
}
void DlClose(sqlite3_vfs* vfs, void* h) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  r->xDlClose(r, h);
}
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xRandomness(r, n, out);
}
int Sleep(sqlite3_vfs* vfs, int us) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xSleep(r, us);
}
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xCurrentTime(r, out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xGetLastError(r, n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  sqlite3_vfs* r = FaultVfsAccess::Real(vfs);
  return r->xCurrentTimeInt64(r, out);
}

}  // namespace

FaultVfs::FaultVfs(std::string name) : name_(std::move(name)), vfs_(new sqlite3_vfs{}) {
  real_ = sqlite3_vfs_find(nullptr);
  if (real_ == nullptr) {
    std::fprintf(stderr, "FaultVfs: no default SQLite VFS\n");
    std::abort();
  }
  sqlite3_vfs& v = *vfs_;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(sizeof(FaultFile)) + real_->szOsFile;
  v.mxPathname = real_->mxPathname;
  v.zName = name_.c_str();
  v.pAppData = this;
  v.xOpen = Open;
  v.xDelete = Delete;
  v.xAccess = Access;
  v.xFullPathname = FullPathname;
  v.xDlOpen = DlOpen;
  v.xDlError = DlError;
  v.xDlSym = DlSym;
  v.xDlClose = DlClose;
  v.xRandomness = Randomness;
  v.xSleep = Sleep;
  v.xCurrentTime = CurrentTime;
  v.xGetLastError = GetLastError;
  v.xCurrentTimeInt64 = CurrentTimeInt64;
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
