#!/usr/bin/env bash
# The addon and the C++ core under AddressSanitizer + UndefinedBehaviorSanitizer:
#  1. a throwaway git worktree of HEAD (or of the working tree with ASAN_FROM_WORKTREE=1)
#     in /tmp, sharing node_modules, builds the addon with -DQGEMM_SANITIZE=ON (no oneDNN)
#     into its own build/Release, where the loader (node-gyp-build) finds it;
#  2. runs the whole node:test suite there with the ASan runtime preloaded (V8 leaks
#     by design: detect_leaks=0; any ASan or UBSan report fails the run);
#  3. runs the C++ core tests (ctest) built with QGEMM_SANITIZE=ON.
# Usage: scripts/asan-test.sh [test files, default test/*.test.ts]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${ASAN_DIR:-/tmp/qgemm-asan}
mkdir -p "$root/build-asan"
log=$root/build-asan/asan.log
: >"$log"

cleanup() { git -C "$root" worktree remove --force "$dir" >/dev/null 2>&1 || rm -rf "$dir"; }
cleanup
git worktree add --detach "$dir" HEAD >/dev/null
trap cleanup EXIT
if [[ "${ASAN_FROM_WORKTREE:-0}" == 1 ]]; then
  # Test uncommitted work too: copy tracked changes and untracked files over.
  git ls-files -m -o --exclude-standard -z | (cd "$root" && xargs -0 -r cp --parents -t "$dir")
fi
ln -s "$root/node_modules" "$dir/node_modules"

echo "=== ASan/UBSan addon build in $dir"
# dist/ too: the README examples run against the built package.
(cd "$dir" && npm run build:ts >>"$log" 2>&1) || { tail -30 "$log"; exit 1; }
(cd "$dir" && npx cmake-js compile --CDQGEMM_SANITIZE=ON --CDQGEMM_WITH_ONEDNN=OFF >>"$log" 2>&1) || {
  tail -30 "$log"; exit 1; }

libasan=$(gcc -print-file-name=libasan.so)
libubsan=$(gcc -print-file-name=libubsan.so)
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
files=("$@")
if ((${#files[@]} == 0)); then files=(test/*.test.ts); fi

echo "=== node:test suite under ASan/UBSan (${#files[@]} files)"
set +e
(cd "$dir" && LD_PRELOAD="$libasan $libubsan" QGEMM_SANITIZED=1 QGEMM_PROPERTY_SCALE=${QGEMM_PROPERTY_SCALE:-0.5} \
  node --import tsx --test --test-reporter=spec "${files[@]}" >>"$log" 2>&1)
js=$?
set -e
grep -E "^(ℹ (tests|pass|fail|skipped|duration_ms)|✖)" "$log" | head -40
findings=$(grep -cE '^==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" || true)

echo "=== C++ core tests (ctest) with QGEMM_SANITIZE=ON"
set +e
(cd "$dir" && QGEMM_SANITIZE=ON QGEMM_WITH_ONEDNN=OFF node scripts/ctest.js >>"$log" 2>&1)
native=$?
set -e
tail -6 "$log"
findings=$(grep -cE '^==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log" || true)

echo "asan-test: node suite rc=$js, ctest rc=$native, sanitizer findings: $findings (log: $log)"
[[ $js == 0 && $native == 0 && $findings == 0 ]]
