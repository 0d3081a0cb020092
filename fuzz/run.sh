#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each on its corpus.
#   fuzz/run.sh [seconds-per-target] [target...]     (default: 20 s, every target)
# The committed seeds (fuzz/corpus/<target>/) are only read; what the fuzzer finds goes to
# build-fuzz/corpus/<target>/, so later runs start from it. A crash, a sanitizer report, a leak,
# a slow input (-timeout) or running out of memory (-rss_limit_mb) fails the run; the input is
# kept in build-fuzz/artifacts/ and the report in build-fuzz/logs/<target>.log. Reproduce with
#   build-fuzz/fuzz/<target>_fuzz build-fuzz/artifacts/<file>
# Exits 0 when every target ran its time without a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
if [ $# -gt 0 ]; then shift; fi
all_targets=(http_request config keys signature hooks_rules)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"

# Inputs longer than this are not generated: enough for a request over the fuzzers' limits
# (http_request uses 1 KiB headers and 4 KiB bodies) and for deeply nested JSON.
declare -A max_len=([http_request]=16384 [config]=8192 [keys]=16384 [signature]=4096
                    [hooks_rules]=16384)

if ! command -v clang++ >/dev/null ||
   ! [ -f "$(clang++ -print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-x86_64.a" ]; then
  scripts/install-deps.sh  # clang and libclang-rt-14-dev
fi

start=$(date +%s)
# -O1 with line tables: fast enough to fuzz, stack traces with file:line. Only the fuzzers and
# the modules they link are built, not the server or the tests.
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DLONGHAUL_BUILD_FUZZERS=ON -DLONGHAUL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build_dir" --target $(printf '%s_fuzz ' "${targets[@]}")
built=$(date +%s)
echo "fuzz/run.sh: built ${targets[*]} in $((built - start)) s"

mkdir -p "$build_dir/artifacts" "$build_dir/logs"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$build_dir/corpus/$t"
  log="$build_dir/logs/$t.log"
  # The outer timeout only guards against libFuzzer itself hanging (e.g. while it reports an
  # out-of-memory); -timeout is the per-input limit, generous for a loaded machine.
  if timeout -s KILL $((seconds + 180)) "$build_dir/fuzz/${t}_fuzz" \
      -max_total_time="$seconds" -max_len="${max_len[$t]}" -rss_limit_mb=2048 -timeout=25 \
      -artifact_prefix="$build_dir/artifacts/$t-" -print_final_stats=1 \
      "$build_dir/corpus/$t" "fuzz/corpus/$t" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    echo "fuzz/run.sh: $t: ${runs:-?} runs in ${seconds} s, ${cov:-cov: ?}, no findings"
  else
    echo "fuzz/run.sh: $t FAILED; the end of $log:" >&2
    grep -v '^#[0-9]' "$log" | tail -60 >&2
    failed+=("$t")
  fi
done
echo "fuzz/run.sh: done in $(( $(date +%s) - start )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz/run.sh: findings in: ${failed[*]} (inputs in $build_dir/artifacts/)" >&2
  exit 1
fi
