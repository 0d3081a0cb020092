// Encodings of job fields in the job log: header lists as JSON text, and List() cursors.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/job.h"

namespace longhaul::store::sqlite::internal {

// Headers as a JSON array of [name, value] pairs, in order, duplicates kept:
// [["Content-Type","application/json"],["X-A","1"]]. Bytes that are not UTF-8 are written
// as they are (HTTP allows obs-text) and read back unchanged.
void EncodeHeaders(const Headers& headers, std::string& out);
std::string EncodeHeaders(const Headers& headers);
// kInternal when `json` is not such an array (a damaged row).
base::Status DecodeHeaders(std::string_view json, Headers& out);

// List() cursor for "rows older than seq". Callers treat it as opaque.
std::string EncodeCursor(int64_t seq);
// kInvalidArgument when `cursor` did not come from EncodeCursor().
base::Result<int64_t> DecodeCursor(std::string_view cursor);

}  // namespace longhaul::store::sqlite::internal
