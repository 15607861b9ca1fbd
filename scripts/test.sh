#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test: first the normal build (warnings as errors), then the
# ASan + UBSan build. Set AIOPS_SANITIZE_RUN=0 to skip the sanitizer pass on a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc)

run_suite() {
  local dir=$1 repeat=$2; shift 2
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 300 $repeat)
}

echo "== build and test (warnings as errors) =="
run_suite build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo

if [ "${AIOPS_SANITIZE_RUN:-1}" != 0 ]; then
  echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer =="
  # Known issue: under GCC 12's ASan, a kubectl child forked while other threads run can, rarely, hang before
  # it execs (2 of 1,005 tests in one sanitizer run; never in the normal build, whose glibc malloc is
  # fork-safe). Until child processes are started with posix_spawn, a test that fails here gets one more run;
  # a real failure fails twice. The normal build above gets no second chance.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan "--repeat until-pass:2" -DCMAKE_BUILD_TYPE=Debug -DAIOPS_SANITIZE=ON
fi
