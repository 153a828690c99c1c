/**
 * Throughput next to a busy neighbour: qgemm int8 GEMMs timed alone, then each
 * one right after an onnxruntime-node run whose intra-op threads spin after
 * it returns (ORT's default), sync and async. The ratio says how much of its
 * cores qgemm keeps under the thread policy in force (native/threads:
 * sync calls at normal priority, async jobs niced by QGEMM_COMPUTE_NICE).
 *
 *   node --import tsx bench/neighbour.ts [--size 512] [--calls 40] [--threads N]
 */
import * as os from 'node:os';
import { matmul, matmulAsync, packWeights, setNumThreads, tensor, zeros } from '../lib';
import { loadOrt, ortSession } from './contenders/ort';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function fill<T extends Int8Array | Uint8Array>(x: T, seed: number): T {
  let s = seed;
  for (let i = 0; i < x.length; i++) x[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 16;
  return x;
}

const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1];

void (async () => {
  const size = flag('size', 512), calls = flag('calls', 40), threads = flag('threads', os.availableParallelism());
  setNumThreads(threads);
  const a = tensor(fill(new Uint8Array(size * size), 1), [size, size]);
  const w = packWeights(tensor(fill(new Int8Array(size * size), 2), [size, size]));
  const out = zeros('int32', [size, size]); // reused: a fresh 1 MiB output would add its page faults
  const gops = (ms: number) => (2 * size ** 3) / (ms * 1e6);
  const ort = loadOrt();
  if (!ort) throw new Error('onnxruntime-node is not installed');
  const shape = { m: 256, n: 1024, k: 1024 };
  const session = await ortSession(ort, 'f32', shape, new Float32Array(shape.k * shape.n).fill(0.5), threads);
  const feeds = { A: new ort.Tensor('float32', new Float32Array(shape.m * shape.k).fill(1), [shape.m, shape.k]) };

  const sync = async () => { const t0 = performance.now(); matmul(a, w, { out }); return performance.now() - t0; };
  const async_ = async () => { const t0 = performance.now(); await matmulAsync(a, w, { out }); return performance.now() - t0; };
  const rows: string[] = [];
  for (const [label, call] of [['sync matmul', sync], ['matmulAsync', async_]] as const) {
    await call();
    const alone: number[] = [], after: number[] = [];
    for (let i = 0; i < calls; i++) {
      alone.push(await call());
      await session.run(feeds); // its threads spin on after it returns
      after.push(await call());
      await new Promise((r) => setTimeout(r, 20)); // let the spinning stop before the next "alone"
    }
    const g0 = gops(median(alone)), g1 = gops(median(after));
    rows.push(`| ${label} | ${g0.toFixed(1)} | ${g1.toFixed(1)} | ${(g1 / g0).toFixed(2)} |`);
  }
  await session.release();
  console.log(`\nqgemm u8s8 ${size}^3 (packed B), ${threads} threads, QGEMM_COMPUTE_NICE=${process.env.QGEMM_COMPUTE_NICE ?? '10 (default)'}; median of ${calls}\n`);
  console.log('| call | GOPS alone | GOPS right after an ORT run (spinning threads) | kept |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(r);
})();
