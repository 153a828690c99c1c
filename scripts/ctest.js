#!/usr/bin/env node
// Builds the C++ core on its own (no Node headers) with its tests and runs
// them with ctest. QGEMM_WITH_ONEDNN=OFF builds without the oneDNN backend;
// QGEMM_SANITIZE=ON builds with ASan and UBSan.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const onednn = process.env.QGEMM_WITH_ONEDNN ?? 'ON';
const sanitize = process.env.QGEMM_SANITIZE ?? 'OFF';
const buildDir = path.join(root, `build-native-tests${onednn === 'OFF' ? '-noonednn' : ''}${sanitize === 'ON' ? '-asan' : ''}`);

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: 'inherit', cwd: root });
}

run('cmake', ['-S', root, '-B', buildDir, '-DQGEMM_BUILD_TESTS=ON', `-DQGEMM_WITH_ONEDNN=${onednn}`, `-DQGEMM_SANITIZE=${sanitize}`, '-DCMAKE_BUILD_TYPE=Release']);
run('cmake', ['--build', buildDir, '-j', String(require('node:os').availableParallelism?.() ?? 2)]);
run('ctest', ['--test-dir', buildDir, '--output-on-failure', '--no-tests=error']);
// The microkernels' hot loops keep their accumulators in registers (x86 builds with objdump).
if (process.arch === 'x64' && sanitize !== 'ON') {
  run('node', [path.join(__dirname, 'check-spills.js'), buildDir]);
  // Every LDTILECFG operand is stored whole (the AMX crash of GCC 12's intrinsic).
  run('node', [path.join(__dirname, 'check-tile-config.js'), buildDir]);
}
