#!/usr/bin/env node
// `npm pack` / `npm publish` run this (package.json "prepack"), so that every
// tarball carries the prebuilt binaries it promises: prebuilds/ for this
// platform and arch, and linux-arm64 when this is linux-x64 with the cross
// compiler (g++-aarch64-linux-gnu) installed. A failed build fails the pack:
// no tarball goes out that would need a compiler where it says it does not.
//
// The builds run in a scratch copy of the sources (scripts/prebuild.js
// rebuilds build/ and moves the addon out of it, and a cross build would leave
// an arm64 CMake cache there): the developer's build/ is never touched.
//
// QGEMM_PREBUILDS=keep builds nothing and only checks that prebuilds/ holds
// this platform's binary (the release workflow downloads every platform's
// prebuilds, built on older systems, before packing).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SOURCES = ['package.json', 'CMakeLists.txt', 'cmake', 'native', 'binding', 'scripts/prebuild.js', 'scripts/prebuild-gyp.js'];

function fail(message) {
  process.stderr.write(`prepack: ${message}\n`);
  process.exit(1);
}

function hasBinary(dir) {
  try {
    return fs.readdirSync(dir).some((f) => f.endsWith('.node'));
  } catch {
    return false;
  }
}

function onPath(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The targets this machine builds: its own, plus linux-arm64 from linux-x64 with the cross compiler. */
function targets() {
  const list = [os.arch()];
  if (process.platform === 'linux' && os.arch() === 'x64' && onPath('aarch64-linux-gnu-g++')) list.push('arm64');
  return list;
}

function main() {
  const own = path.join(root, 'prebuilds', `${process.platform}-${os.arch()}`);
  if (process.env.QGEMM_PREBUILDS === 'keep') {
    if (!hasBinary(own)) fail(`QGEMM_PREBUILDS=keep, but ${path.relative(root, own)} holds no .node`);
    process.stdout.write(`prepack: keeping the prebuilds in prebuilds/ (${fs.readdirSync(path.join(root, 'prebuilds')).join(', ')})\n`);
    return;
  }
  // Exactly what this run builds goes into the tarball: no binary left from an older pack.
  fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-prebuild-'));
  try {
    for (const entry of SOURCES) fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'junction');
    for (const arch of targets()) {
      const name = `${process.platform}-${arch}`;
      const log = path.join(stage, `prebuild-${name}.log`);
      process.stdout.write(`prepack: building prebuilds/${name} (log: ${path.join(root, 'build', `prebuild-${name}.log`)})\n`);
      const fd = fs.openSync(log, 'w');
      const r = spawnSync(process.execPath, [path.join(stage, 'scripts', 'prebuild.js'), '--arch', arch], { cwd: stage, stdio: ['ignore', fd, fd] });
      fs.closeSync(fd);
      fs.mkdirSync(path.join(root, 'build'), { recursive: true });
      fs.copyFileSync(log, path.join(root, 'build', `prebuild-${name}.log`));
      if (r.status !== 0) fail(`the ${name} prebuild failed; the end of its log:\n${fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-30).join('\n')}`);
      const dest = path.join(root, 'prebuilds', name);
      fs.rmSync(dest, { recursive: true, force: true });
      fs.cpSync(path.join(stage, 'prebuilds', name), dest, { recursive: true });
      process.stdout.write(`prepack: prebuilds/${name}: ${fs.readdirSync(dest).join(', ')}\n`);
    }
    if (!targets().includes('arm64') && process.platform === 'linux' && os.arch() === 'x64') {
      process.stdout.write('prepack: no linux-arm64 prebuild (g++-aarch64-linux-gnu is not installed)\n');
    }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

main();
