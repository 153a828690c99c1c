/**
 * The addon is context-aware: it loads in several worker threads at once and
 * gives correct results concurrently, sync and async.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';

const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
require('tsx/cjs');
const q = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
const { seed } = workerData;
const a = new Int8Array(48 * 96), b = new Int8Array(96 * 40);
for (let i = 0; i < a.length; i++) a[i] = ((i * 31 + seed * 7) % 256) - 128;
for (let i = 0; i < b.length; i++) b[i] = ((i * 17 + seed * 3) % 256) - 128;
(async () => {
  const sums = [];
  for (let r = 0; r < 20; r++) {
    const c = r % 2 ? await q.matmulAsync(q.tensor(a, [48, 96]), q.tensor(b, [96, 40]))
                    : q.matmul(q.tensor(a, [48, 96]), q.tensor(b, [96, 40]));
    let s = 0; for (const x of c.data) s = (s + x) | 0; sums.push(s);
  }
  parentPort.postMessage(sums);
})();
`;

function expectedSum(seed: number): number {
  const a = new Int8Array(48 * 96), b = new Int8Array(96 * 40);
  for (let i = 0; i < a.length; i++) a[i] = ((i * 31 + seed * 7) % 256) - 128;
  for (let i = 0; i < b.length; i++) b[i] = ((i * 17 + seed * 3) % 256) - 128;
  let s = 0;
  for (let i = 0; i < 48; i++) for (let j = 0; j < 40; j++) {
    let acc = 0;
    for (let p = 0; p < 96; p++) acc += a[i * 96 + p] * b[p * 40 + j];
    s = (s + acc) | 0;
  }
  return s;
}

it('four workers multiply concurrently and agree with a JS reference', async () => {
  const seeds = [1, 2, 3, 4];
  const results = await Promise.all(
    seeds.map(
      (seed) =>
        new Promise<number[]>((resolve, reject) => {
          const worker = new Worker(workerSource, { eval: true, workerData: { seed } });
          worker.once('message', (sums: number[]) => {
            resolve(sums);
            void worker.terminate();
          });
          worker.once('error', reject);
        }),
    ),
  );
  results.forEach((sums, i) => {
    const want = expectedSum(seeds[i]);
    assert.deepEqual(sums, new Array(20).fill(want));
  });
});

it('a worker terminated with jobs in flight does not crash the process', async () => {
  const source = `
    require('tsx/cjs');
    const q = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
    const a = q.zeros('uint8', [256, 512]), b = q.zeros('int8', [512, 512]);
    for (let i = 0; i < 8; i++) q.matmulAsync(a, b);
    require('node:worker_threads').parentPort.postMessage('queued');
  `;
  const worker = new Worker(source, { eval: true });
  await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();
  // The process is still alive and the queue still works.
  const q = await import('../lib');
  const c = await q.matmulAsync(q.tensor(new Int8Array([2]), [1, 1]), q.tensor(new Int8Array([3]), [1, 1]));
  assert.equal(c.data[0], 6);
});
