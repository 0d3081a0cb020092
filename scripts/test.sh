#!/usr/bin/env bash
# One command: install everything the tests need, build, and run all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/check-format.sh  # every C++ file as .clang-format says; --fix formats them
# Node.js, aws-lambda-ric and the AWS SDK for tests/node; without them (e.g. no registry
# access) those tests are reported as skipped and the rest still runs.
scripts/install-node-deps.sh || echo "test.sh: Node test dependencies not installed; tests/node is skipped" >&2
BUILD_DIR="${BUILD_DIR:-build}" scripts/build.sh -DLONGHAUL_WERROR=ON  # no warning goes unseen
cd "${BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 -j2

# The same tests built with ASan and UBSan (build-asan/).
cd - >/dev/null  # back to the repository root
scripts/test-sanitized.sh

# Thread-safety analysis: the server built with clang, -Wthread-safety as an error (build-tsa/):
# every member marked LH_GUARDED_BY is touched only with its mutex held (src/base/mutex.h).
scripts/check-thread-safety.sh

# Benchmark harness smoke: every part of bench/run.sh for about a second with tiny counts, on
# this build. No thresholds: it fails only when the harness itself breaks, never on a figure.
BENCH_BUILD_DIR="${BUILD_DIR:-build}" BENCH_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  bench/run.sh --smoke

# Fuzz smoke: build the libFuzzer targets with clang (build-fuzz/, only the fuzzers and the
# modules they link) and run each for FUZZ_SECONDS (15) on its corpus; any finding fails.
fuzz/run.sh "${FUZZ_SECONDS:-15}"
