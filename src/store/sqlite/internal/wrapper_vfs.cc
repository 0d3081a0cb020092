#include "store/sqlite/internal/wrapper_vfs.h"

#include <algorithm>

namespace longhaul::store::sqlite::internal {
namespace {

sqlite3_vfs* RealVfs(sqlite3_vfs* vfs) { return static_cast<WrapperVfsData*>(vfs->pAppData)->real; }

int Close(sqlite3_file* f) {
  int rc = Wrapped(f)->pMethods->xClose(Wrapped(f));
  f->pMethods = nullptr;
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Wrapped(f)->pMethods->xRead(Wrapped(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  return Wrapped(f)->pMethods->xWrite(Wrapped(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  return Wrapped(f)->pMethods->xTruncate(Wrapped(f), size);
}
int Sync(sqlite3_file* f, int flags) { return Wrapped(f)->pMethods->xSync(Wrapped(f), flags); }
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Wrapped(f)->pMethods->xFileSize(Wrapped(f), size);
}
int Lock(sqlite3_file* f, int level) { return Wrapped(f)->pMethods->xLock(Wrapped(f), level); }
int Unlock(sqlite3_file* f, int level) { return Wrapped(f)->pMethods->xUnlock(Wrapped(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Wrapped(f)->pMethods->xCheckReservedLock(Wrapped(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Wrapped(f)->pMethods->xFileControl(Wrapped(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Wrapped(f)->pMethods->xSectorSize(Wrapped(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Wrapped(f)->pMethods->xDeviceCharacteristics(Wrapped(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Wrapped(f)->pMethods->xShmMap(Wrapped(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Wrapped(f)->pMethods->xShmLock(Wrapped(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Wrapped(f)->pMethods->xShmBarrier(Wrapped(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Wrapped(f)->pMethods->xShmUnmap(Wrapped(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Wrapped(f)->pMethods->xFetch(Wrapped(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Wrapped(f)->pMethods->xUnfetch(Wrapped(f), off, p);
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

}  // namespace

void ForwardVfs(sqlite3_vfs& v, WrapperVfsData* data) {
  sqlite3_vfs* real = data->real;
  v.iVersion = std::min(real->iVersion, 2);  // version 3's system-call overrides are not passed
  v.szOsFile = static_cast<int>(kWrapperFileSize) + real->szOsFile;
  v.mxPathname = real->mxPathname;
  v.pAppData = data;
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
}

int OpenWrapped(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                int* out_flags, int* version) {
  sqlite3_vfs* real_vfs = RealVfs(vfs);
  WrapperFile* f = AsWrapper(file);
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kWrapperFileSize);
  f->real->pMethods = nullptr;
  f->state = nullptr;
  f->base.pMethods = nullptr;
  int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  // SQLite closes a file whose pMethods is set, even after a failed open.
  *version = f->real->pMethods == nullptr ? 0 : std::min(f->real->pMethods->iVersion, 3);
  return rc;
}

sqlite3_io_methods ForwardingIoMethods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = std::clamp(version, 1, 3);
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  if (m.iVersion >= 2) {
    m.xShmMap = ShmMap;
    m.xShmLock = ShmLock;
    m.xShmBarrier = ShmBarrier;
    m.xShmUnmap = ShmUnmap;
  }
  if (m.iVersion >= 3) {
    m.xFetch = Fetch;
    m.xUnfetch = Unfetch;
  }
  return m;
}

}  // namespace longhaul::store::sqlite::internal
