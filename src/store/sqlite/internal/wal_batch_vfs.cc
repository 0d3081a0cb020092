#include "store/sqlite/internal/wal_batch_vfs.h"

#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "base/mutex.h"
#include "store/sqlite/internal/wrapper_vfs.h"

namespace longhaul::store::sqlite::internal {
namespace {

constexpr int kFrameHeader = 24;  // WAL frame header: page number, commit size, salts, checksums

// What a WAL file's handle keeps between writes.
struct WalBuffer {
  std::string bytes;  // frames not yet written, starting at `offset`
  sqlite3_int64 offset = 0;
  sqlite3_int64 next = -1;    // where the last write to the file ended; -1 before any
  sqlite3_int64 commit = -1;  // where a commit frame's page starts when its header came last
};

WalBuffer* Buffer(sqlite3_file* f) { return static_cast<WalBuffer*>(AsWrapper(f)->state); }

// Whether a frame header marks its frame as a transaction's last: bytes 4-7 (big-endian) hold
// the database size in pages after the commit, and zero on every other frame.
bool CommitsTransaction(const void* header) {
  const auto* p = static_cast<const unsigned char*>(header);
  return (p[4] | p[5] | p[6] | p[7]) != 0;
}

int WriteOut(sqlite3_file* f) {
  WalBuffer* w = Buffer(f);
  if (w->bytes.empty()) return SQLITE_OK;
  int rc = Wrapped(f)->pMethods->xWrite(Wrapped(f), w->bytes.data(),
                                        static_cast<int>(w->bytes.size()), w->offset);
  w->bytes.clear();
  return rc;
}

int Close(sqlite3_file* f) {
  // Only frames of a transaction that did not commit can be left here: written or not, SQLite
  // ignores them. Written, so the file is what SQLite believes it wrote.
  (void)WriteOut(f);
  delete Buffer(f);
  AsWrapper(f)->state = nullptr;
  return ForwardingIoMethods(1).xClose(f);
}

int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  WalBuffer* w = Buffer(f);
  const bool commit_page = off == w->commit && n > kFrameHeader;
  w->commit = n == kFrameHeader && CommitsTransaction(buf) ? off + n : -1;
  const bool continues = off == w->next;
  w->next = off + n;
  const bool fits = w->bytes.size() + static_cast<size_t>(n) <= kMaxWalBuffer;
  if (!(continues && fits && !w->bytes.empty())) {
    int rc = WriteOut(f);
    if (rc != SQLITE_OK) return rc;
    if (!continues) return Wrapped(f)->pMethods->xWrite(Wrapped(f), buf, n, off);
    w->offset = off;
  }
  w->bytes.append(static_cast<const char*>(buf), static_cast<size_t>(n));
  return commit_page ? WriteOut(f) : SQLITE_OK;
}

// The calls that read or measure the file see what SQLite wrote.
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  int rc = WriteOut(f);
  return rc != SQLITE_OK ? rc : Wrapped(f)->pMethods->xRead(Wrapped(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  int rc = WriteOut(f);
  return rc != SQLITE_OK ? rc : Wrapped(f)->pMethods->xTruncate(Wrapped(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  int rc = WriteOut(f);
  return rc != SQLITE_OK ? rc : Wrapped(f)->pMethods->xSync(Wrapped(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  int rc = WriteOut(f);
  return rc != SQLITE_OK ? rc : Wrapped(f)->pMethods->xFileSize(Wrapped(f), size);
}

sqlite3_io_methods WalMethods(int version) {
  sqlite3_io_methods m = ForwardingIoMethods(version);
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  return m;
}

// A WAL file gets a buffer and WalMethods; any other file passes every call on.
int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  int version = 0;
  int rc = OpenWrapped(vfs, name, file, flags, out_flags, &version);
  if (version == 0) return rc;
  static const sqlite3_io_methods kMethods[] = {WalMethods(1), WalMethods(2), WalMethods(3)};
  static const sqlite3_io_methods kPlain[] = {ForwardingIoMethods(1), ForwardingIoMethods(2),
                                              ForwardingIoMethods(3)};
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    AsWrapper(file)->state = new WalBuffer();
    file->pMethods = &kMethods[version - 1];
  } else {
    file->pMethods = &kPlain[version - 1];
  }
  return rc;
}

struct Registered {
  WrapperVfsData data;
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
  static base::Mutex mu;
  static auto* wrappers = new std::map<sqlite3_vfs*, std::unique_ptr<Registered>>();
  base::MutexLock lock(mu);
  std::unique_ptr<Registered>& r = (*wrappers)[real];
  if (r != nullptr) return r->name;
  r = std::make_unique<Registered>();
  r->name = "longhaul-wal-batch-" + std::to_string(wrappers->size()) + "-" + real->zName;
  r->data.real = real;
  sqlite3_vfs& v = r->vfs;
  ForwardVfs(v, &r->data);
  v.zName = r->name.c_str();
  v.xOpen = Open;
  if (int rc = sqlite3_vfs_register(&v, 0); rc != SQLITE_OK) {
    std::string name = r->name;
    r.reset();
    return base::Unavailable("register SQLite VFS " + name + ": " + sqlite3_errstr(rc));
  }
  return r->name;
}

}  // namespace longhaul::store::sqlite::internal
