#!/usr/bin/env bash
# Builds every benchmark in a Release tree (default build-bench/, or $BENCH_BUILD_DIR) and runs each one,
# printing their Markdown tables. Extra arguments go to every bench, so pass only flags they all accept.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-bench}"
jobs="${BENCH_JOBS:-2}"

# GCC 12 at -O3 reports -Wrestrict falsely on `"literal" + std::string` (GCC bug 105329); in this tree
# only Release builds meet it, so it stays a warning here rather than failing the benchmark build.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS=-Wno-error=restrict \
  >/dev/null
cmake --build "$build" --target benches -j"$jobs"

# The benches are whatever `benches` depends on: ask ninja rather than globbing bin/ (stale binaries). The
# Ninja generator makes `benches` a phony alias of `bench/benches`, whose inputs are the executables.
inputs() { ninja -C "$build" -t query "$1" | awk '/^  input:/ {f=1; next} /^  outputs:/ {f=0} f {print $1}'; }
mapfile -t benches < <(for alias in $(inputs benches); do inputs "$alias"; done | grep -E '_bench$' | sort -u)
if [[ ${#benches[@]} -eq 0 ]]; then
  echo "run.sh: no benchmarks found in the 'benches' target" >&2
  exit 1
fi

status=0
for bench in "${benches[@]}"; do
  binary="$build/bin/$(basename "$bench")"
  echo
  if ! "$binary" "$@"; then
    echo "run.sh: $(basename "$bench") failed" >&2
    status=1
  fi
done
exit $status
