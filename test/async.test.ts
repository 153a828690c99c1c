/**
 * The compute queue: async results equal sync ones, jobs settle in order,
 * inputs are snapshotted, cancellation, and no thread oversubscription.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';

import { info, matmul, matmulAsync, packWeights, packWeightsAsync, tensor, zeros } from '../lib';
import { randomFloats, randomInts, rng } from './helpers/reference';

const rand = rng(99);
const int8 = (shape: number[]) => tensor(randomInts(Int8Array, shape.reduce((x, y) => x * y), -128, 127, rand), shape);
const uint8 = (shape: number[]) => tensor(randomInts(Uint8Array, shape.reduce((x, y) => x * y), 0, 255, rand), shape);

function threadCount(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^Threads:\s+(\d+)/m.exec(status)![1]);
}

describe('matmulAsync', () => {
  it('matches matmul for int8, uint8, float32, batched and packed', async () => {
    const a = uint8([3, 17, 40]), b = int8([40, 23]);
    assert.deepEqual(await matmulAsync(a, b), matmul(a, b));
    const s = int8([9, 65]), w = int8([33, 65]);
    assert.deepEqual(await matmulAsync(s, w, { transposeB: true }), matmul(s, w, { transposeB: true }));
    const packed = packWeights(w, { transpose: true });
    assert.deepEqual(await matmulAsync(s, packed), matmul(s, packed));
    const fa = tensor(randomFloats(12 * 30, rand), [12, 30]), fb = tensor(randomFloats(30 * 7, rand), [30, 7]);
    assert.deepEqual(await matmulAsync(fa, fb), matmul(fa, fb));
  });

  it('writes into out when the job ends', async () => {
    const a = int8([4, 8]), b = int8([8, 5]);
    const out = zeros('int32', [4, 5]);
    const result = await matmulAsync(a, b, { out });
    assert.equal(result, out);
    assert.deepEqual(out.data, matmul(a, b).data);
  });

  it('settles in submission order', async () => {
    const order: number[] = [];
    const a = int8([64, 256]), b = int8([256, 256]);
    await Promise.all(Array.from({ length: 16 }, (_, i) => matmulAsync(a, b).then(() => order.push(i))));
    assert.deepEqual(order, Array.from({ length: 16 }, (_, i) => i));
  });

  it('snapshots its inputs: changing or transferring them afterwards has no effect', async () => {
    const a = int8([32, 64]), b = int8([64, 48]);
    const want = matmul(a, b);
    const pending = matmulAsync(a, b);
    a.data.fill(1);
    structuredClone(b.data.buffer, { transfer: [b.data.buffer] }); // b is now detached
    assert.deepEqual(await pending, want);
  });

  it('rejects cleanly when out is detached while the job runs', async () => {
    const a = int8([8, 8]), b = int8([8, 8]);
    const out = zeros('int32', [8, 8]);
    const pending = matmulAsync(a, b, { out });
    structuredClone(out.data.buffer, { transfer: [out.data.buffer] });
    await assert.rejects(pending, { code: 'ERR_QGEMM_DETACHED' });
  });

  it('rejects bad input with the same codes as matmul', async () => {
    await assert.rejects(matmulAsync(int8([2, 3]), int8([4, 2])), { code: 'ERR_QGEMM_SHAPE', name: 'RangeError' });
    await assert.rejects(matmulAsync(int8([2, 3]), int8([3, 2]), { signal: 'no' as never }), { code: 'ERR_QGEMM_OPTION' });
    const w = packWeights(int8([3, 2]));
    w.dispose();
    await assert.rejects(matmulAsync(int8([2, 3]), w), { code: 'ERR_QGEMM_DISPOSED' });
  });

  it('an AbortSignal cancels a queued job; an aborted signal rejects at once', async () => {
    const big = uint8([512, 512]), bigB = int8([512, 512]);
    const first = matmulAsync(big, bigB); // occupies the queue
    const controller = new AbortController();
    const second = matmulAsync(big, bigB, { signal: controller.signal });
    controller.abort();
    await assert.rejects(second, { name: 'AbortError', code: 'ABORT_ERR' }); // as Node's own (not DOMException's code 20)
    await first;
    await assert.rejects(matmulAsync(big, bigB, { signal: AbortSignal.abort() }), { name: 'AbortError', code: 'ABORT_ERR' });
  });

  it('64 concurrent calls add no threads beyond the pool and the queue', async () => {
    const before = threadCount();
    const a = uint8([64, 512]), b = packWeights(int8([512, 512]));
    const want = matmul(a, b);
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, threadCount())), 1);
    const results = await Promise.all(Array.from({ length: 64 }, () => matmulAsync(a, b)));
    clearInterval(timer);
    peak = Math.max(peak, threadCount());
    for (const r of results) assert.deepEqual(r, want);
    // The two teams of workers (threads - 1 each: foreground for the sync call,
    // background for the async ones) and the queue thread may start now; nothing else.
    assert.ok(peak <= before + 2 * (info().threads - 1) + 1, `threads went from ${before} to ${peak}`);
  });
});

describe('packWeightsAsync', () => {
  it('packs on the queue and gives the same products', async () => {
    const b = int8([70, 30]), a = uint8([5, 70]);
    const packed = await packWeightsAsync(b);
    assert.deepEqual(matmul(a, packed), matmul(a, b));
    assert.equal(packed.shape[0], 70);
    packed.dispose();
    const f = tensor(randomFloats(20 * 10, rand), [10, 20]);
    const fp = await packWeightsAsync(f, { transpose: true });
    assert.deepEqual(fp.shape, [20, 10]);
  });
});
