#include "store/sqlite/internal/wal_batch_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace longhaul::store::sqlite::internal {
namespace {

constexpr int kFrameHeader = 24;  // WAL frame header: page number, commit size, salts, checksums

// What a WAL file's handle keeps between writes.
struct WalBuffer {
  std::string bytes;           // frames not yet written, starting at `offset`
  sqlite3_int64 offset = 0;
  sqlite3_int64 next = -1;     // where the last write to the file ended; -1 before any
  sqlite3_int64 commit = -1;   // where a commit frame's page starts when its header came last
};

// Our part of a file, followed in the same allocation by the wrapped VFS's file object.
struct BatchFile {
  sqlite3_file base;
  sqlite3_file* real;
  WalBuffer* wal;  // null unless this is a WAL file
};
constexpr size_t kBatchFileSize = (sizeof(BatchFile) + 7) & ~size_t{7};

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }
BatchFile* File(sqlite3_file* f) { return reinterpret_cast<BatchFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return File(f)->real; }

// Whether a frame header marks its frame as a transaction's last: bytes 4-7 (big-endian) hold
// the database size in pages after the commit, and zero on every other frame.
bool CommitsTransaction(const void* header) {
  const auto* p = static_cast<const unsigned char*>(header);
  return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int WriteOut(sqlite3_file* f) {
  WalBuffer* w = File(f)->wal;
  if (w == nullptr || w->bytes.empty()) return SQLITE_OK;
  int rc = Real(f)->pMethods->xWrite(Real(f), w->bytes.data(), static_cast<int>(w->bytes.size()),
                                     w->offset);
  w->bytes.clear();
  return rc;
}

int Close(sqlite3_file* f) {
  // Only frames of a transaction that did not commit can be left here: written or not, SQLite
  // ignores them. Written, so the file is what SQLite believes it wrote.
  (void)WriteOut(f);
  delete File(f)->wal;
  File(f)->wal = nullptr;
  int rc = Real(f)->pMethods->xClose(Real(f));
  f->pMethods = nullptr;
  return rc;
}

int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  int rc = WriteOut(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}

int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  WalBuffer* w = File(f)->wal;
  if (w == nullptr) return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
  const bool commit_page = off == w->commit && n > kFrameHeader;
  w->commit = n == kFrameHeader && CommitsTransaction(buf) ? off + n : -1;
  const bool continues = off == w->next;
  w->next = off + n;
  const bool fits = w->bytes.size() + static_cast<size_t>(n) <= kMaxWalBuffer;
  if (!(continues && fits && !w->bytes.empty())) {
    int rc = WriteOut(f);
    if (rc != SQLITE_OK) return rc;
    if (!continues) return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
    w->offset = off;
  }
  w->bytes.append(static_cast<const char*>(buf), static_cast<size_t>(n));
  return commit_page ? WriteOut(f) : SQLITE_OK;
}

int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  int rc = WriteOut(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  int rc = WriteOut(f);
  if (rc != SQLITE_OK) return rc;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  int rc = WriteOut(f);
  if (rc != SQLITE_OK) return rc;
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

// Version 3 (shared memory, memory mapping) for files whose own methods have it, as the unix
// VFS's do; version 1 for the rest.
const sqlite3_io_methods kMethodsV3 = {
    3,         Close,     Read,   Write,      Truncate, Sync,       FileSize,
    Lock,      Unlock,    CheckReservedLock,  FileControl,          SectorSize,
    DeviceCharacteristics, ShmMap, ShmLock,   ShmBarrier, ShmUnmap, Fetch,
    Unfetch,
};
const sqlite3_io_methods kMethodsV1 = {
    1,         Close,     Read,    Write,      Truncate, Sync,    FileSize,
    Lock,      Unlock,    CheckReservedLock,   FileControl,       SectorSize,
    DeviceCharacteristics, nullptr, nullptr,   nullptr,  nullptr, nullptr,
    nullptr,
};

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* real_vfs = RealVfs(vfs);
  BatchFile* f = File(file);
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kBatchFileSize);
  f->real->pMethods = nullptr;
  f->wal = nullptr;
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // SQLite calls xClose on a file whose pMethods is set, even after a failed open.
  if (f->real->pMethods == nullptr) {
    f->base.pMethods = nullptr;
    return rc;
  }
  f->base.pMethods = f->real->pMethods->iVersion >= 3 ? &kMethodsV3 : &kMethodsV1;
  if ((flags & SQLITE_OPEN_WAL) != 0) f->wal = new WalBuffer();
  return rc;
}

int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return RealVfs(vfs)->xDelete(RealVfs(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return RealVfs(vfs)->xAccess(RealVfs(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return RealVfs(vfs)->xFullPathname(RealVfs(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  return RealVfs(vfs)->xDlOpen(RealVfs(vfs), name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) { RealVfs(vfs)->xDlError(RealVfs(vfs), n, out); }
void (*DlSym(sqlite3_vfs* vfs, void* h, const char* sym))(void) {
  return RealVfs(vfs)->xDlSym(RealVfs(vfs), h, sym);
}
void DlClose(sqlite3_vfs* vfs, void* h) { RealVfs(vfs)->xDlClose(RealVfs(vfs), h); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return RealVfs(vfs)->xRandomness(RealVfs(vfs), n, out);
}
int Sleep(sqlite3_vfs* vfs, int us) { return RealVfs(vfs)->xSleep(RealVfs(vfs), us); }
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return RealVfs(vfs)->xCurrentTime(RealVfs(vfs), out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return RealVfs(vfs)->xGetLastError(RealVfs(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return RealVfs(vfs)->xCurrentTimeInt64(RealVfs(vfs), out);
}

struct Registered {
  std::string name;
  sqlite3_vfs vfs{};
};

}  // namespace

base::Result<std::string> WalBatchVfsFor(const std::string& base) {
  sqlite3_vfs* real = sqlite3_vfs_find(base.empty() ? nullptr : base.c_str());
  if (real == nullptr) {
    return base::Unavailable("no SQLite VFS named \"" + base + "\"");
  }
  // One wrapper per wrapped VFS object, for the life of the process: connections may use it
  // until they close, and SQLite keeps a registered VFS's address.
  static std::mutex mu;
  static auto* wrappers = new std::map<sqlite3_vfs*, std::unique_ptr<Registered>>();
  std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<Registered>& r = (*wrappers)[real];
  if (r != nullptr) return r->name;
  r = std::make_unique<Registered>();
  r->name = "longhaul-wal-batch-" + std::to_string(wrappers->size()) + "-" + real->zName;
  sqlite3_vfs& v = r->vfs;
  v.iVersion = std::min(real->iVersion, 2);
  v.szOsFile = static_cast<int>(kBatchFileSize) + real->szOsFile;
  v.mxPathname = real->mxPathname;
  v.zName = r->name.c_str();
  v.pAppData = real;
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
  v.xCurrentTimeInt64 = v.iVersion >= 2 ? CurrentTimeInt64 : nullptr;
  if (int rc = sqlite3_vfs_register(&v, 0); rc != SQLITE_OK) {
    std::string name = r->name;
    r.reset();
    return base::Unavailable("register SQLite VFS " + name + ": " + sqlite3_errstr(rc));
  }
  return r->name;
}

}  // namespace longhaul::store::sqlite::internal
