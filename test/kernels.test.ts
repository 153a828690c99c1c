/**
 * Dispatch by CPU features: info() lists every kernel compiled in with whether
 * it can run here and why not, caps never select what the CPU lacks, and a
 * kernel that fails its once-per-process self-check is disabled with the
 * reason while products stay exact on the fallback.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { info, ISAS, matmul, packWeights, setMaxIsa, tensor } from '../lib';
import { referenceMatmul } from './helpers/reference';

after(() => setMaxIsa('all'));

function randomInt8(n: number, seed: number): Int8Array {
  let s = seed;
  return Int8Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
}

describe('kernel registry', () => {
  it('lists every kernel with its features, layout and whether it runs here', () => {
    const i = info();
    const names = i.kernelList.map((k) => `${k.kind} ${k.name}`);
    assert.ok(names.includes('int8 scalar') && names.includes('float32 scalar') && names.includes('int8 direct scalar'));
    for (const k of i.kernelList) {
      assert.equal(typeof k.requires, 'string');
      assert.equal(k.runnable, k.reason === undefined, `${k.name}: a reason exactly when not runnable`);
      if (k.requires === 'none') assert.ok(k.runnable);
    }
    assert.equal(i.isas[0], 'scalar');
    assert.equal(i.bestIsa, i.isas[i.isas.length - 1]);
    // The kernels in use are runnable ones.
    const runnable = new Set(i.kernelList.filter((k) => k.runnable).map((k) => `${k.kind} ${k.name}`));
    assert.ok(runnable.has(`int8 ${i.kernels.int8}`) && runnable.has(`float32 ${i.kernels.float32}`));
  });

  it('every cap selects only kernels this CPU can run, and the cap is reported as the reason', () => {
    for (const cap of ISAS) {
      setMaxIsa(cap);
      const i = info();
      assert.equal(i.isaCap, cap);
      for (const k of i.kernelList.filter((x) => x.runnable)) {
        for (const feature of k.requires === 'none' ? [] : k.requires.split('+')) {
          const has = (i.cpu as Record<string, boolean>)[feature === 'amx_int8' ? 'amx_permitted' : feature];
          assert.ok(has, `cap ${cap}: ${k.name} needs ${feature}, which this CPU lacks`);
        }
      }
    }
    setMaxIsa('scalar');
    const capped = info();
    assert.equal(capped.kernels.int8, 'scalar');
    for (const k of capped.kernelList.filter((x) => x.requires !== 'none' && !x.reason?.includes('lacks'))) {
      assert.match(k.reason ?? '', /ISA cap \(scalar\) excludes/);
    }
    setMaxIsa('all');
  });

  it('each ISA of this CPU computes the same exact product through matmul and packed weights', () => {
    const [m, n, k] = [37, 45, 133];
    const a = tensor(Int8Array.from(randomInt8(m * k, 1)), [m, k]);
    const b = tensor(randomInt8(k * n, 2), [k, n]);
    const want = referenceMatmul({ a, b, transposeA: false, transposeB: false });
    for (const isa of info().isas) {
      setMaxIsa(isa);
      assert.deepEqual(matmul(a, b).data, want.data, `${isa} (B packed per call)`);
      assert.deepEqual(matmul(a, packWeights(b)).data, want.data, `${isa} (packed weights)`);
    }
  });
});

describe('self-check', () => {
  // A child process with QGEMM_SELF_CHECK_FAIL naming the kernels in use: their
  // self-check sees a wrong element and disables them.
  function childWithFailing(names: string[], variable = 'QGEMM_SELF_CHECK_FAIL'): { info: ReturnType<typeof info>; exact: boolean } {
    const script = `
      const { info, matmul, tensor } = require('./lib');
      const m = 20, n = 33, k = 70;
      const a = tensor(Int8Array.from({ length: m * k }, (_, i) => (i * 37) % 256 - 128), [m, k]);
      const b = tensor(Int8Array.from({ length: k * n }, (_, i) => (i * 91) % 256 - 128), [k, n]);
      const c = matmul(a, b).data;
      let exact = true;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a.data[i * k + p] * b.data[p * n + j];
        if (c[i * n + j] !== s) exact = false;
      }
      console.log(JSON.stringify({ info: info(), exact }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      env: { ...process.env, [variable]: names.join(',') },
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  }

  it('a kernel that fails its self-check is disabled, info() says why, and products stay exact', () => {
    const before = info();
    const best = before.kernels.int8;
    if (best === 'scalar') return; // nothing to disable on a scalar-only CPU
    const { info: after, exact } = childWithFailing([best]);
    const failed = after.kernelList.find((k) => k.kind === 'int8' && k.name === best)!;
    assert.equal(failed.runnable, false);
    assert.match(failed.reason ?? '', /self-check against the scalar reference failed: .*reference/);
    assert.notEqual(after.kernels.int8, best, 'dispatch fell back to another kernel');
    assert.ok(exact, 'the fallback computed the exact product');
  });

  // QGEMM_SELF_CHECK_FAULT makes the named kernel's self-check execute a
  // genuinely faulting instruction (ud2 / udf, a store to the zero page, a read
  // of a mapped page past a file's end) after its set-up (the AMX tile config).
  for (const signal of ['SIGILL', 'SIGSEGV', 'SIGBUS']) {
    it(`a kernel whose self-check faults (${signal}) is dropped, not the process; products stay exact`, () => {
      const before = info();
      const int8 = before.kernels.int8, f32 = before.kernels.float32;
      if (int8 === 'scalar') return; // no guarded kernel on a scalar-only CPU
      const names = [`${int8}:${signal}`, ...(f32 === 'scalar' ? [] : [`${f32}:${signal}`])];
      const { info: after, exact } = childWithFailing(names, 'QGEMM_SELF_CHECK_FAULT');
      const dropped = after.kernelList.find((k) => k.kind === 'int8' && k.name === int8)!;
      assert.equal(dropped.runnable, false);
      assert.equal(dropped.fault, signal);
      assert.match(dropped.reason ?? '', new RegExp(`self-check faulted with ${signal}`));
      assert.notEqual(after.kernels.int8, int8, 'dispatch took the next kernel');
      if (f32 !== 'scalar') assert.equal(after.kernelList.find((k) => k.kind === 'float32' && k.name === f32)!.fault, signal);
      assert.ok(exact, 'the next kernel computed the exact product');
    });
  }

  it('the scalar kernels are the reference and are never self-checked away', () => {
    const { info: after, exact } = childWithFailing(['scalar']);
    assert.ok(after.kernelList.filter((k) => k.name === 'scalar').every((k) => k.runnable));
    assert.ok(exact);
  });
});
