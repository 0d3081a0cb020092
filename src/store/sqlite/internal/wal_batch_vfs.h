// WalBatchVfs: a SQLite VFS that forwards everything to another VFS, except that it gathers the
// frames a transaction appends to its WAL file in memory and writes them with one write when
// the transaction's commit frame arrives, instead of two writes per frame (header, then page).
//
// Why: SQLite writes each WAL frame's 24-byte header and its page separately. A group commit of
// 30 appends is ~70 frames: 140 pwrites, ~140 µs on this project's machine against ~15 µs for
// the same bytes in one write (three here, kMaxWalBuffer below), and the fdatasync after them
// is faster too (bench/RESULTS.md).
//
// Safety: nothing SQLite relies on is moved past the point where it relies on it.
// - The commit frame is the last frame of every transaction (sqlite3WalFrames never overwrites
//   it in place), and a frame's header is always written just before its page. The buffer is
//   written out when that page arrives, so every frame of a transaction is in the file (in the
//   OS page cache, as before) before SQLite publishes the commit in the wal-index, synced or
//   not, and a failed write fails that xWrite: the commit fails as it did unbatched.
// - Writes are buffered only while they continue the frames being appended; any other write to
//   the WAL (the WAL header at a restart, a frame overwritten in place, a checksum rewritten)
//   first writes out the buffer, then goes through at once, so the file sees every write in
//   the order SQLite made them.
// - Anything that reads or measures the file (xRead, xFileSize, xTruncate, xSync, xClose)
//   writes out the buffer first. Only the connection that appends (the store's one writer)
//   ever has a buffer; other connections' reads only reach frames already published.
// - A transaction larger than kMaxWalBuffer is written out in pieces.
// Files other than WAL files pass straight through.
//
// Thread-safety: WalBatchVfsFor may be called from any thread. A file is used by one
// connection, which SQLite (SQLITE_OPEN_NOMUTEX, one thread at a time) never enters twice.
#pragma once

#include <cstddef>
#include <string>

#include "base/status.h"

namespace longhaul::store::sqlite::internal {

// Bytes of frames buffered at most before they are written out mid-transaction: the most the
// unix VFS writes in one call (its seekAndWriteFd keeps only the low 17 bits of the length, and
// a write it cut short comes back as SQLITE_FULL). 31 frames of 4 KiB pages.
inline constexpr size_t kMaxWalBuffer = 0x1ffff;

// The name of the batching VFS over the VFS named `base` (empty = SQLite's default), registered
// on first use (never as the default) and kept for the life of the process, as SQLite's own
// registry of VFSes is. kUnavailable when `base` is not a registered VFS.
base::Result<std::string> WalBatchVfsFor(const std::string& base);

}  // namespace longhaul::store::sqlite::internal
