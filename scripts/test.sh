#!/usr/bin/env bash
# Installs the dependencies, builds, and runs every test: first the normal build (warnings as errors), then the
# ASan + UBSan build. Set AIOPS_SANITIZE_RUN=0 to skip the sanitizer pass on a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs=$(nproc)

run_suite() {
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" --timeout 300)
}

echo "== build and test (warnings as errors) =="
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo

if [ "${AIOPS_SANITIZE_RUN:-1}" != 0 ]; then
  echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer =="
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DAIOPS_SANITIZE=ON
fi
