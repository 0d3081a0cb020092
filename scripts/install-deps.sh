#!/usr/bin/env bash
# Installs what longhaul needs to build and test on Debian 12, from Debian's packages only.
# Safe to run again; does nothing that is already done.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config git curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev   # Asio, Beast, JSON, URL
  libsqlite3-dev        # the embedded store
  libssl-dev            # HMAC for webhook signatures, TLS to https upstreams
  openssl               # tests: certificates for a local https upstream
  libyaml-cpp-dev       # longhaul.yaml
  libcli11-dev          # command line
  libjemalloc-dev       # malloc for the server binary (many small strings per request)
  libre2-dev            # the hooks' regex rules (Go's syntax, linear time)
  libgtest-dev libgmock-dev   # tests
  libtsan2              # ThreadSanitizer's runtime for g++ (scripts/test-tsan.sh)
  clang libclang-rt-14-dev llvm   # fuzz/run.sh (libFuzzer, sanitizers, llvm-symbolizer) and
                                  # scripts/check-thread-safety.sh (clang's -Wthread-safety)
  clang-format          # scripts/check-format.sh
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
