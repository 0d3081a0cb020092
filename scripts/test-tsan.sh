#!/usr/bin/env bash
# The test suite built with ThreadSanitizer (build-tsan/, LONGHAUL_TSAN): a data race in
# longhaul, in a test, or in a server an e2e test starts fails it (STYLE.md §12). The server
# binary links no jemalloc here: TSan brings its own allocator.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
BUILD_DIR=build-tsan scripts/build.sh -DLONGHAUL_TSAN=ON
cd build-tsan
# halt_on_error: the first race fails the process that has it (a test, or a server whose test
# then fails); second_deadlock_stack: both stacks of a lock-order inversion; the suppressions
# are false positives, each with its reason.
TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/../scripts/tsan-suppressions.txt}" \
  ctest --output-on-failure --timeout 600 -j2
echo "test-tsan.sh: done in $(($(date +%s) - start)) s"
