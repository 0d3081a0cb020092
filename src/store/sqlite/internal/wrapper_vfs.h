// The skeleton of a SQLite VFS that wraps another: every call passes on to the wrapped VFS and
// its files unless the wrapper replaces it. Used by WalBatchVfs (wal_batch_vfs.h) and by the
// tests' FaultVfs (tests/testing/fault_vfs.h). Pattern: SQLite's own shims (ext/misc/vfstrace.c,
// src/test6.c).
//
// A wrapper fills its sqlite3_vfs with ForwardVfs(), sets zName and xOpen, and registers it. Its
// xOpen calls OpenWrapped() and, when that opened a file, points file->pMethods at its own
// methods: a copy of ForwardingIoMethods(version) with the calls it changes replaced.
#pragma once

#include <sqlite3.h>

#include <cstddef>

namespace longhaul::store::sqlite::internal {

// The head of a file opened through a wrapper VFS; the wrapped VFS's own file object follows in
// the same allocation (the wrapper's szOsFile is kWrapperFileSize + the wrapped VFS's).
struct WrapperFile {
  sqlite3_file base;
  sqlite3_file* real;  // the wrapped VFS's file object, right after this head
  void* state;         // the wrapper's own, per file; null until its xOpen sets it
};
inline constexpr size_t kWrapperFileSize = (sizeof(WrapperFile) + 7) & ~size_t{7};

inline WrapperFile* AsWrapper(sqlite3_file* f) { return reinterpret_cast<WrapperFile*>(f); }
inline sqlite3_file* Wrapped(sqlite3_file* f) { return AsWrapper(f)->real; }

// What a wrapper VFS's pAppData points to: a struct that starts with this.
struct WrapperVfsData {
  sqlite3_vfs* real;  // the wrapped VFS
};

// Fills every field of `vfs` but zName and xOpen, passing each call on to data->real (which
// must be set); pAppData = data.
void ForwardVfs(sqlite3_vfs& vfs, WrapperVfsData* data);

// For a wrapper's xOpen: opens the file through the wrapped VFS behind `file`. Returns the
// wrapped VFS's code; the version of the wrapped file's methods (1 to 3) goes to *version, or 0
// when no file was opened (file->pMethods is then null, so SQLite does not close it).
int OpenWrapped(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                int* out_flags, int* version);

// File methods of `version` (1 to 3: shared memory from 2, memory mapping from 3; the unix
// VFS's files have 3) that pass every call on to the wrapped file.
// xClose closes the wrapped file and clears pMethods.
sqlite3_io_methods ForwardingIoMethods(int version);

}  // namespace longhaul::store::sqlite::internal
