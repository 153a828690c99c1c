/**
 * scripts/install.js, the package's install script, in a scratch copy of the
 * package whose cmake-js is a stand-in (a real source build takes minutes):
 * silent when a binary loads; one line before and one after a source build,
 * the compiler's output in a log and no stack trace; a clear message naming
 * what is missing when the build cannot run.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { native } from '../lib/native';

const repo = path.join(__dirname, '..');
let scratch: string;
let builtAddon: string;

/** A package folder holding scripts/install.js, node-gyp-build and a stand-in cmake-js. */
function makePackage(cmakeJs: 'succeeds' | 'fails'): string {
  const pkg = fs.mkdtempSync(path.join(scratch, 'pkg-'));
  fs.mkdirSync(path.join(pkg, 'scripts'));
  fs.copyFileSync(path.join(repo, 'scripts', 'install.js'), path.join(pkg, 'scripts', 'install.js'));
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'qgemm' }));
  const modules = path.join(pkg, 'node_modules');
  fs.mkdirSync(path.join(modules, 'cmake-js', 'bin'), { recursive: true });
  fs.symlinkSync(path.join(repo, 'node_modules', 'node-gyp-build'), path.join(modules, 'node-gyp-build'));
  // Like cmake-js: pages of compiler output, then a binary in build/Release (or an error).
  fs.writeFileSync(
    path.join(modules, 'cmake-js', 'bin', 'cmake-js'),
    `const fs = require('fs');
     fs.writeFileSync('ran-cmake-js', process.argv.slice(2).join(' '));
     for (let i = 0; i < 300; i++) console.log('[' + i + '/300] Building CXX object native/gemm/kernel_' + i + '.cc.o');
     console.error('warning: something the user need not read');
     if (${JSON.stringify(cmakeJs)} === 'fails') { console.error('CMake Error at CMakeLists.txt:1 (project): the stand-in fails'); process.exit(1); }
     fs.mkdirSync('build/Release', { recursive: true });
     fs.copyFileSync(${JSON.stringify(builtAddon)}, 'build/Release/qgemm.node');`,
  );
  return pkg;
}

/** Runs the install script in its own session (no terminal: /dev/tty is not there). */
function install(pkg: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, ['scripts/install.js'], { cwd: pkg, env, encoding: 'utf8', detached: true, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ranBuild: fs.existsSync(path.join(pkg, 'ran-cmake-js')) };
}

describe('scripts/install.js', () => {
  before(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-install-'));
    native(); // the addon this checkout built: the stand-in "builds" it
    builtAddon = require('node-gyp-build').path(repo) as string;
  });
  after(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('says nothing and builds nothing when a binary loads', () => {
    const pkg = makePackage('succeeds');
    fs.mkdirSync(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true });
    fs.copyFileSync(builtAddon, path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'qgemm.napi.node'));
    const r = install(pkg);
    assert.deepEqual(r, { status: 0, stdout: '', stderr: '', ranBuild: false });
  });

  it('builds from source with one line before and one after, the compiler output in a log, no stack trace', () => {
    const pkg = makePackage('succeeds');
    const r = install(pkg);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.ranBuild);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], new RegExp(`^qgemm: no prebuilt binary loads on ${process.platform}-${process.arch}; building the native addon from source with cmake-js \\(about 2 minutes; log: .*install\\.log\\)$`));
    assert.match(lines[1], /^qgemm: built the native addon from source in \d+ s$/);
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, /Error|\n\s+at /);
    const log = fs.readFileSync(path.join(pkg, 'build', 'install.log'), 'utf8');
    assert.match(log, /\[299\/300\] Building CXX object/);
    // The next install finds the build and stays quiet.
    fs.rmSync(path.join(pkg, 'ran-cmake-js'));
    assert.deepEqual(install(pkg), { status: 0, stdout: '', stderr: '', ranBuild: false });
  });

  it('without cmake and a compiler: exit 1 and a message naming them and the command to run', () => {
    const pkg = makePackage('fails');
    const bin = fs.mkdtempSync(path.join(scratch, 'bin-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = install(pkg, { ...process.env, PATH: bin, CXX: '' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^qgemm: could not build the native addon for \S+ from source: cmake \(>= 3\.18\) and a C\+\+17 compiler were not found on PATH\n/);
    assert.match(r.stderr, /apt install cmake g\+\+/);
    assert.ok(r.stderr.includes(`    cd ${pkg} && npx cmake-js compile\n`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('when the build itself fails: exit 1 with the end of its log', () => {
    const pkg = makePackage('fails');
    const r = install(pkg);
    assert.equal(r.status, 1);
    if (/were not found|was not found/.test(r.stderr)) return; // this machine has no cmake or compiler: the case above
    assert.match(r.stderr, /the build failed \(exit 1\); the end of its log:\n[\s\S]*CMake Error at CMakeLists\.txt:1 \(project\): the stand-in fails/);
    assert.doesNotMatch(r.stderr, /\[1\/300\]/, 'only the end of the log');
  });
});
