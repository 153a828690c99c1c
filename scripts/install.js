#!/usr/bin/env node
// qgemm's install script (package.json "install"). When a binary that loads on
// this machine is already there (a prebuild in prebuilds/, or a build in
// build/), it does nothing and prints nothing. Otherwise it builds from source
// with cmake-js: one line when it starts, the compiler's output in a log file,
// and one line at the end saying it worked, or why not and what to do.
//
// npm shows a dependency's install output only when the script fails, so the
// start line also goes to the terminal (/dev/tty) when there is one: a two
// minute build should not look like a hang.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const logFile = path.join(root, 'build', 'install.log');

// Loads the binary node-gyp-build would pick, in a child: a binary that cannot
// load here (wrong glibc, wrong CPU) must not take this process down with it.
function binaryLoads() {
  const probe = `require(require.resolve('node-gyp-build', { paths: [${JSON.stringify(root)}] }))(${JSON.stringify(root)})`;
  return spawnSync(process.execPath, ['-e', probe], { cwd: root, stdio: 'ignore' }).status === 0;
}

function say(line) {
  process.stdout.write(`${line}\n`);
  if (process.stdout.isTTY) return;
  try {
    fs.writeFileSync('/dev/tty', `${line}\n`);
  } catch {
    // No terminal (CI, a service): the line is in npm's log if the install fails.
  }
}

function onPath(command) {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
}

// What is missing, in the words a user can act on; undefined when the tools are there.
function missingTools() {
  const missing = [];
  if (!onPath('cmake')) missing.push('cmake (>= 3.18)');
  const compilers = [process.env.CXX, 'c++', 'g++', 'clang++'].filter(Boolean);
  if (!compilers.some(onPath)) missing.push('a C++17 compiler');
  return missing.length > 0 ? missing.join(' and ') : undefined;
}

function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function main() {
  if (binaryLoads()) return 0;
  const target = `${process.platform}-${process.arch}`;
  say(`qgemm: no prebuilt binary loads on ${target}; building the native addon from source with cmake-js (about 2 minutes; log: ${logFile})`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'w');
  const started = Date.now();
  let build;
  try {
    const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
    build = spawnSync(process.execPath, [cmakeJs, 'compile'], { cwd: root, stdio: ['ignore', log, log] });
  } catch (error) {
    fs.writeSync(log, `cmake-js, a dependency of qgemm, is not installed: ${error.message}\n`);
    build = { status: 'cmake-js not installed' };
  }
  fs.closeSync(log);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (build.status === 0 && binaryLoads()) {
    say(`qgemm: built the native addon from source in ${seconds} s`);
    return 0;
  }
  const missing = missingTools();
  const why = missing !== undefined
    ? `${missing} ${missing.includes(' and ') ? 'were' : 'was'} not found on PATH`
    : `the build failed (exit ${build.status ?? build.signal}); the end of its log:\n${tail(logFile, 25)}`;
  process.stderr.write(
    `qgemm: could not build the native addon for ${target} from source: ${why}\n` +
      `qgemm needs cmake >= 3.18 and a C++17 compiler to build (Debian/Ubuntu: apt install cmake g++; ` +
      `macOS: xcode-select --install && brew install cmake), then:\n` +
      `    cd ${root} && npx cmake-js compile\n` +
      `Full log: ${logFile} (${os.cpus()[0]?.model?.trim() ?? 'unknown CPU'}, Node ${process.version})\n`,
  );
  return 1;
}

process.exitCode = main();
