#!/usr/bin/env node
// `npm run test:isa`: proves every kernel exact on this machine, native where
// the CPU has its ISA, emulated (SIMDe, the AMX emulator) or under
// qemu-aarch64 -cpu max where it does not. Runs test/native/isa_test.cc in
// three builds and prints one line per kernel:
//   isa <name> <native|emulated|qemu> <checks> checks exact (<kind>)
// Exits non-zero on any mismatch, or if a required ISA was not covered.
//
//   QGEMM_ISA_ARM64=0   skip the arm64 build (no cross compiler or qemu)
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jobs = String(os.availableParallelism?.() ?? 2);
const required = ['scalar', 'avx2', 'avx_vnni', 'avx512_vnni', 'amx_int8', 'neon_dotprod', 'neon_i8mm'];

function build(dir, extra) {
  execFileSync('cmake', ['-S', root, '-B', dir, '-DQGEMM_BUILD_TESTS=ON', '-DQGEMM_WITH_ONEDNN=OFF',
    '-DCMAKE_BUILD_TYPE=Release', ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('cmake', ['--build', dir, '-j', jobs, '--target', 'isa_test', ...(extra.length ? [] : ['isa_test_emulated'])],
    { stdio: ['ignore', 'ignore', 'inherit'] });
}

// Runs one isa_test binary; returns its "isa ..." lines (and echoes failures).
function run(label, cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('isa '));
  if (r.status !== 0) {
    process.stderr.write(`${label}: exit ${r.status}\n${r.stderr}`);
  }
  return { lines, ok: r.status === 0 };
}

const results = [];
let ok = true;
const native = path.join(root, 'build-isa-native');
build(native, []);
for (const [label, bin, mode] of [['native', 'isa_test', 'native'], ['emulated', 'isa_test_emulated', 'emulated']]) {
  const r = run(label, path.join(native, bin), ['--mode', mode]);
  results.push(...r.lines);
  ok = ok && r.ok;
}

const arm = process.env.QGEMM_ISA_ARM64 !== '0' && process.arch === 'x64';
if (arm) {
  const dir = path.join(root, 'build-isa-arm64');
  build(dir, [`-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake/aarch64-linux-gnu.cmake')}`]);
  const r = run('qemu', 'qemu-aarch64-static', ['-cpu', 'max', '-L', '/usr/aarch64-linux-gnu',
    path.join(dir, 'isa_test'), '--mode', 'qemu']);
  results.push(...r.lines);
  ok = ok && r.ok;
}

// One line per kernel (name and kind): native beats emulated beats qemu.
const rank = { native: 0, emulated: 1, qemu: 2 };
const best = new Map();
for (const line of results) {
  const m = /^isa (\S+) (\S+) (?:(\d+) checks exact|MISMATCH) \((.*)\)$/.exec(line);
  if (!m) continue;  // "skipped" lines
  const [, name, mode, checks, kind] = m;
  if (checks === undefined) ok = false;
  const key = `${name} ${kind}`;
  const prev = best.get(key);
  if (!prev || checks === undefined || (prev.checks !== undefined && rank[mode] < rank[prev.mode])) {
    best.set(key, { name, mode, checks, kind, line });
  }
}
for (const r of best.values()) console.log(r.line);
const covered = new Set([...best.values()].filter((r) => r.checks !== undefined && r.kind === 'int8').map((r) => r.name));
const missing = required.filter((isa) => !covered.has(isa) && (arm || !isa.startsWith('neon')));
if (missing.length) {
  console.log(`test:isa: not covered: ${missing.join(', ')}`);
  ok = false;
}
console.log(ok ? 'test:isa: every kernel exact' : 'test:isa: FAILED');
process.exit(ok ? 0 : 1);
