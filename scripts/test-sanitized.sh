#!/usr/bin/env bash
# The whole test suite built with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/,
# LONGHAUL_SANITIZE): a memory error, a leak or undefined behaviour in longhaul, in a test or in
# a server an e2e test starts fails it (STYLE.md §12).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
BUILD_DIR=build-asan scripts/build.sh -DLONGHAUL_SANITIZE=ON
cd build-asan
# ASan holds freed memory back (256 MiB by default) to catch late uses; HostileE2E's check that
# memory stays bounded under a flood measures the server's RSS, so hold back less.
ASAN_OPTIONS="${ASAN_OPTIONS:-quarantine_size_mb=16}" ctest --output-on-failure --timeout 600 -j2
echo "test-sanitized.sh: done in $(($(date +%s) - start)) s"
