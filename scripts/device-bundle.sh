#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for scripts/device-check.sh on a lent machine
# that has no Node, no npm registry and no oneDNN: this machine's node binary,
# libdnnl and the npm packages the checks load, plus the native test binaries
# and the AMX ceiling probe built here. Run after `npm run build` and
# `npm run test:native` (which builds build-native-tests/).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo '/.device/' >> "$(git rev-parse --git-common-dir)/info/exclude"
rm -rf .device && mkdir -p .device/bin .device/lib
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .device/node.xz
for lib in libdnnl.so.2 libgomp.so.1 libOpenCL.so.1; do
  cp -L "/usr/lib/x86_64-linux-gnu/$lib" .device/lib/ 2>/dev/null || true
done
xz -T0 -6 -f .device/lib/libdnnl.so.2
# The packages (with their dependencies) that the CLI, tsx and the tests load.
mods=$(node -e '
  const fs = require("fs"), path = require("path"), seen = new Set();
  const visit = (n) => { const d = path.join("node_modules", n); if (seen.has(n) || !fs.existsSync(d)) return; seen.add(n);
    const p = JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8"));
    Object.keys({ ...p.dependencies, ...p.optionalDependencies }).forEach(visit); };
  ["tinybench", "node-gyp-build", "onnx-proto", "tsx", "fast-check", "node-api-headers", "node-addon-api"].forEach(visit);
  console.log([...seen].map((n) => "node_modules/" + n).join(" "));')
# shellcheck disable=SC2086
tar -cJf .device/node_modules.tar.xz $mods
cp build-native-tests/isa_test build-native-tests/fault_guard_test build-native-tests/kernel_bench .device/bin/
gcc -O2 -mamx-tile -mamx-int8 ../shared/probes/amx_ceiling.c -o .device/bin/amx_ceiling
du -sh .device
