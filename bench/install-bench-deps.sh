#!/usr/bin/env bash
# Installs what bench/run.sh needs on Debian 12, from Debian's packages only: the peers it
# measures longhaul against (nginx, adnanh's webhook), the load tool (wrk), the profilers
# (valgrind's callgrind, perf) and Google Benchmark for the micro-benchmarks. Safe to run again;
# installs only what is missing.
set -euo pipefail

packages=(
  wrk            # closed-loop HTTP load with Lua scripts
  nginx-light    # the upper bound: a static `return 202`
  webhook        # adnanh/webhook: the peer that runs a command per request
  valgrind       # callgrind: instructions per request
  linux-perf     # perf record -g on a missed target
  procps         # ps, uptime
  libbenchmark-dev   # Google Benchmark: the micro-benchmarks (bench/<module>/*_bench.cc)
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
