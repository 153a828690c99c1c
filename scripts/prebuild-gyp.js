#!/usr/bin/env node
// prebuildify speaks node-gyp; qgemm builds with cmake-js. prebuildify runs
//   <this> rebuild --target=<node version> --devdir=<cache> --arch=<arch> --release|--debug
// and then takes build/Release/*.node (and any *.so/*.dylib/*.dll beside it:
// the oneDNN plugin). This maps the call to `cmake-js rebuild`:
//   --arch      passed on (cmake-js sets CMAKE_OSX_ARCHITECTURES / the MSVC platform);
//               linux-arm64 on another host adds cmake/aarch64-linux-gnu.cmake
//   --target    ignored: the addon is N-API 8 (node-api-headers), not per Node version
//   --debug     cmake-js --debug
// QGEMM_CMAKE_ARGS adds CMake definitions ("-DQGEMM_WITH_ONEDNN=OFF -DFOO=1").
'use strict';
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const option = (name) => {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};
if (argv[0] !== 'rebuild') {
  console.error(`prebuild-gyp: only "rebuild" is supported, got: ${argv.join(' ')}`);
  process.exit(2);
}

const arch = option('arch') ?? os.arch();
const args = [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--arch', arch, '--directory', root];
if (argv.includes('--debug')) args.push('--debug');
if (process.platform === 'linux' && arch !== os.arch()) {
  if (arch !== 'arm64') {
    console.error(`prebuild-gyp: no cross toolchain for linux-${arch} (only arm64: cmake/aarch64-linux-gnu.cmake)`);
    process.exit(2);
  }
  args.push(`--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`);
}
for (const def of (process.env.QGEMM_CMAKE_ARGS ?? '').split(/\s+/).filter(Boolean)) {
  args.push(`--CD${def.replace(/^-D/, '')}`);
}

console.error(`prebuild-gyp: ${path.basename(process.execPath)} ${args.map((a) => path.relative(root, a).startsWith('node_modules') ? path.relative(root, a) : a).join(' ')}`);
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
