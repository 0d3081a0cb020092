#!/usr/bin/env bash
# Builds the server with clang and -Wthread-safety as an error (build-tsa/): every member marked
# LH_GUARDED_BY is only touched with its mutex held, every LH_REQUIRES function only called so
# (src/base/mutex.h, STYLE.md §9). No optimisation, no debug info: the check is the point.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || scripts/install-deps.sh  # clang
build_dir="${TSA_BUILD_DIR:-build-tsa}"
start=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DLONGHAUL_THREAD_SAFETY=ON -DLONGHAUL_WERROR=ON -DLONGHAUL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" --target longhaul
echo "check-thread-safety.sh: no findings ($(($(date +%s) - start)) s)"
