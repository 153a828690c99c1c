#!/usr/bin/env node
// Builds the prebuilt binaries npm users get: prebuilds/<platform>-<arch>/
//   qgemm.napi.node          the addon (N-API 8: every Node >= 18.17 of that platform)
//   libqgemm_onednn.so       the oneDNN plugin, when this machine has libdnnl-dev
//                            (links libdnnl.so.2, which is NOT shipped: see docs/PACKAGING.md)
// prebuildify (--napi --strip) drives cmake-js through scripts/prebuild-gyp.js.
//
//   node scripts/prebuild.js                 this machine's platform and arch
//   node scripts/prebuild.js --arch arm64    linux-arm64, cross-compiled (g++-aarch64-linux-gnu)
//
// Like `node-gyp rebuild`, it rebuilds build/ and moves the addon out of
// build/Release: run `npx cmake-js compile` afterwards for a development build.
'use strict';
const os = require('node:os');
const path = require('node:path');
const prebuildify = require('prebuildify');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const archAt = argv.indexOf('--arch');
const arch = archAt >= 0 ? argv[archAt + 1] : os.arch();
const cross = process.platform === 'linux' && arch !== os.arch();

prebuildify(
  {
    cwd: root,
    napi: true,
    strip: !argv.includes('--no-strip'),
    stripBin: cross && arch === 'arm64' ? 'aarch64-linux-gnu-strip' : 'strip',
    arch,
    // A command line, run through the shell on every platform (Windows cannot
    // spawn a .js file directly).
    nodeGyp: `"${process.execPath}" "${path.join(__dirname, 'prebuild-gyp.js')}"`,
    shell: true,
    targets: [],
  },
  (err) => {
    if (err) {
      console.error(`prebuild: ${err.message ?? err}`);
      process.exit(1);
    }
    console.log(`prebuild: wrote ${path.join('prebuilds', `${process.platform}-${arch}`)}`);
  },
);
