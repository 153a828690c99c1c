/**
 * A machine with no fitting binary gets one clear error (ERR_QGEMM_LOAD) that
 * names the platform, arch, libc and CPU and the command that builds from source.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCommand, loadAddon, packageRoot } from '../lib/native';

function emptyDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-empty-'));
}

function checkMessage(message: string, root: string): void {
  assert.match(message, new RegExp(`for ${process.platform}-${process.arch} `));
  if (process.platform === 'linux') assert.match(message, /\((glibc \d+\.\d+|musl or unknown libc), /);
  const cpu = os.cpus()[0]?.model?.trim();
  if (cpu) assert.ok(message.includes(cpu), `the CPU model ${cpu} is named`);
  assert.ok(message.includes(`Node ${process.version}`));
  assert.ok(message.includes(`    ${buildCommand(root)}\n`), 'the build command is on a line of its own');
  assert.match(message, /Cause: No native build was found for platform=/);
}

describe('load errors', () => {
  it('loadAddon on a folder with no binary throws ERR_QGEMM_LOAD naming the machine and the build command', () => {
    const dir = emptyDir();
    try {
      assert.throws(() => loadAddon(dir), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_QGEMM_LOAD');
        checkMessage(error.message, dir);
        assert.ok(error.message.includes(`cd ${dir} && npx cmake-js compile`));
        return true;
      });
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('the build command quotes a folder with spaces', () => {
    assert.equal(buildCommand('/a b/node_modules/qgemm'), 'cd "/a b/node_modules/qgemm" && npx cmake-js compile');
    assert.equal(buildCommand('/srv/app/node_modules/qgemm'), 'cd /srv/app/node_modules/qgemm && npx cmake-js compile');
  });

  const dist = path.join(packageRoot(), 'dist', 'lib', 'index.js');
  it('the package loads without the addon and throws at the first native call (QGEMM_PREBUILD=<empty>)', { skip: !fs.existsSync(dist) && 'dist/ not built' }, () => {
    const dir = emptyDir();
    try {
      const script =
        `const q = require(${JSON.stringify(dist)});` +
        `try { q.info(); console.log('loaded'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const out = execFileSync(process.execPath, ['-e', script], {
        env: { ...process.env, QGEMM_PREBUILD: dir, PREBUILDS_ONLY: '1' },
        encoding: 'utf8',
      });
      const result = JSON.parse(out) as { code: string; message: string };
      assert.equal(result.code, 'ERR_QGEMM_LOAD');
      checkMessage(result.message, packageRoot());
      assert.ok(result.message.includes(`loaded from: ${dir}`));
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
