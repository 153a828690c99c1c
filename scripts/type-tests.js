// The type tests (test/types) under every TypeScript a user may have: the oldest
// supported (5.0), one in between (5.4) and the newest (the devDependency), each
// with and without skipLibCheck, and a check that the public declarations pull
// in no dependency's types (protobufjs's needed @types/node versions of their own).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const COMPILERS = ['typescript-5.0', 'typescript-5.4', 'typescript'];
const LEAKS = /node_modules\/(protobufjs|onnx-proto|long|@types\/long)\//;

function tsc(compiler, args) {
  const bin = path.join(root, 'node_modules', compiler, 'bin', 'tsc');
  return spawnSync(process.execPath, [bin, '-p', path.join(root, 'test', 'types'), ...args], { encoding: 'utf8' });
}

let failed = false;
for (const compiler of COMPILERS) {
  const version = require(path.join(root, 'node_modules', compiler, 'package.json')).version;
  for (const skipLibCheck of ['false', 'true']) {
    const r = tsc(compiler, ['--skipLibCheck', skipLibCheck, ]);
    const ok = r.status === 0;
    failed ||= !ok;
    console.log(`${ok ? 'ok' : 'FAILED'}: TypeScript ${version}, skipLibCheck ${skipLibCheck}`);
    if (!ok) console.log(r.stdout + r.stderr);
  }
}
const files = tsc('typescript', ['--listFilesOnly']).stdout.split('\n').filter((f) => LEAKS.test(f));
if (files.length > 0) {
  failed = true;
  console.log(`FAILED: the public declarations reach a dependency's types:\n${files.join('\n')}`);
}
process.exitCode = failed ? 1 : 0;
