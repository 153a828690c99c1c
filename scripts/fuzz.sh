#!/usr/bin/env bash
# Builds the libFuzzer targets of the C++ core (clang, ASan + UBSan) and runs
# each for a bounded time over its corpus in test/fuzz/corpus/<target>.
#
#   scripts/fuzz.sh [seconds per target]      run (default 60 s each); the repo corpus is read, not written
#   FUZZ_TARGETS="gemm" scripts/fuzz.sh 30    only some targets (default: gemm epilogue kernels)
#   scripts/fuzz.sh --merge [seconds]         fuzz, then minimize the new inputs into the repo corpus
#
# Targets: test/native/fuzz_<target>.cc. Build output: build-fuzz/ (ignored).
# A crash leaves its input as build-fuzz/crash-* and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

merge=0
if [[ "${1:-}" == "--merge" ]]; then merge=1; shift; fi
seconds=${1:-60}
targets=${FUZZ_TARGETS:-gemm epilogue kernels}
out=$root/build-fuzz
mkdir -p "$out"

CXX=${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++ || true)}
if [[ -z "$CXX" ]]; then
  echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

# CMake builds the targets (QGEMM_FUZZ: clang, ASan + UBSan, libFuzzer) against
# the emulated core, so fuzz_kernels reaches every x86 kernel on any x86 CPU.
cmake -S "$root" -B "$out" -DQGEMM_FUZZ=ON -DQGEMM_WITH_ONEDNN=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX" >"$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }

status=0
for t in $targets; do
  src=test/native/fuzz_$t.cc
  bin=$out/fuzz_$t
  echo "=== fuzz_$t: build"
  [[ -f $src ]] || { echo "fuzz.sh: no $src" >&2; exit 1; }
  cmake --build "$out" -j "$(nproc)" --target "fuzz_$t" >"$out/build-$t.log" 2>&1 || { tail -30 "$out/build-$t.log"; exit 1; }
  corpus=$root/test/fuzz/corpus/$t
  mkdir -p "$corpus"
  fresh=$out/new-$t
  rm -rf "$fresh" && mkdir -p "$fresh"
  echo "=== fuzz_$t: ${seconds}s over $(find "$corpus" -type f | wc -l) corpus inputs"
  # New inputs go to $fresh (first directory); the committed corpus is only read.
  if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 "$fresh" "$corpus" 2>&1 | tee "$out/fuzz-$t.log" | grep -E '^(#[0-9]+ +(INITED|DONE)|stat::|==[0-9]+==ERROR|SUMMARY|fuzz_)' ); then
    :
  fi
  if grep -qE '==[0-9]+==ERROR|^fuzz_[a-z]+: |deadly signal|Test unit written' "$out/fuzz-$t.log"; then
    echo "fuzz_$t: FAILED (see $out/fuzz-$t.log and $out/crash-*)" >&2
    status=1
    continue
  fi
  if ((merge)); then
    echo "=== fuzz_$t: minimizing into $corpus"
    merged=$out/merged-$t
    rm -rf "$merged" && mkdir -p "$merged"
    (cd "$out" && "$bin" -merge=1 -max_len=4096 "$merged" "$corpus" "$fresh" 2>&1 | tail -2)
    rm -rf "$corpus" && mv "$merged" "$corpus"
    echo "fuzz_$t: corpus now $(find "$corpus" -type f | wc -l) files, $(du -sb "$corpus" | cut -f1) bytes"
  fi
done
exit $status
