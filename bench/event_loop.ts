/**
 * Responsiveness under load: event-loop delay (perf_hooks.monitorEventLoopDelay)
 * while large int8 GEMMs run, for qgemm's async calls, qgemm's sync calls and
 * onnxruntime-node's promise-returning run(); and the throughput of many
 * concurrent async calls against the same calls made one after another.
 *
 *   node --import tsx bench/event_loop.ts [--size 2048] [--jobs 6]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { matmul, matmulAsync, packWeights, tensor } from '../lib';
import { loadOrt, ortSession } from './contenders/ort';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function randomInts<T extends Int8Array | Uint8Array>(x: T, lo: number, hi: number): T {
  let s = 12345;
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = lo + (s % (hi - lo + 1));
  }
  return x;
}

interface DelayRow {
  label: string;
  seconds: number;
  samples: number;
  p50: number;
  p99: number;
  max: number;
  timerMaxGap: number;
}

/**
 * Runs `work` while perf_hooks samples event-loop delay, and a 1 ms timer
 * records the longest gap between its runs. The timer catches a loop blocked
 * for the whole run, where the histogram gets no sample at all.
 */
async function withDelay(label: string, work: () => Promise<unknown>): Promise<DelayRow> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now(), maxGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 1);
  h.enable();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  clearInterval(tick);
  maxGap = Math.max(maxGap, performance.now() - last);
  const ms = (ns: number) => ns / 1e6;
  return { label, seconds, samples: h.count, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), timerMaxGap: maxGap };
}

void (async () => {
  const size = flag('size', 2048), jobs = flag('jobs', 6);
  const a = tensor(randomInts(new Uint8Array(size * size), 0, 255), [size, size]);
  const b = tensor(randomInts(new Int8Array(size * size), -128, 127), [size, size]);
  const packed = packWeights(b);
  const rows: DelayRow[] = [];
  rows.push(await withDelay(`qgemm matmulAsync x${jobs}`, () => Promise.all(Array.from({ length: jobs }, () => matmulAsync(a, packed)))));
  rows.push(await withDelay(`qgemm matmul (sync) x${jobs}`, async () => {
    for (let i = 0; i < jobs; i++) {
      matmul(a, packed);
      await new Promise((r) => setImmediate(r)); // yield between calls, as a server would
    }
  }));
  const ort = loadOrt();
  if (ort) {
    const session = await ortSession(ort, 'u8s8', { m: size, n: size, k: size }, b.data, 2);
    const feeds = { A: new ort.Tensor('uint8', a.data, [size, size]) };
    rows.push(await withDelay(`onnxruntime-node session.run (promise) x${jobs}`, () => Promise.all(Array.from({ length: jobs }, () => session.run(feeds)))));
  }
  console.log(`\nEvent-loop delay while ${jobs} GEMMs of ${size}^3 (u8s8, packed B) run; a 1 ms timer is pending throughout\n`);
  console.log('| calls | wall time (s) | histogram samples | delay p50 (ms) | delay p99 (ms) | delay max (ms) | longest gap of a 1 ms timer (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.seconds.toFixed(2)} | ${r.samples} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.timerMaxGap.toFixed(1)} |`);
  }

  // Throughput: 64 concurrent async calls against 64 sync calls in a row.
  const m = 256, k = 1024, n = 1024;
  const x = tensor(randomInts(new Uint8Array(m * k), 0, 255), [m, k]);
  const w = packWeights(tensor(randomInts(new Int8Array(k * n), -128, 127), [k, n]));
  const calls = 64;
  const medians: { sync: number[]; async: number[] } = { sync: [], async: [] };
  for (let round = 0; round < 5; round++) {
    let t0 = performance.now();
    for (let i = 0; i < calls; i++) matmul(x, w);
    medians.sync.push(performance.now() - t0);
    t0 = performance.now();
    await Promise.all(Array.from({ length: calls }, () => matmulAsync(x, w)));
    medians.async.push(performance.now() - t0);
  }
  const median = (v: number[]) => v.sort((p, q) => p - q)[v.length >> 1];
  const gops = (ms: number) => ((2 * m * n * k * calls) / (ms / 1000) / 1e9).toFixed(1);
  console.log(`\n${calls} calls of ${m}x${n}x${k} (u8s8, packed B), median of 5 rounds\n`);
  console.log('| mode | total (ms) | GOPS |');
  console.log('|---|---|---|');
  console.log(`| one after another (sync) | ${median(medians.sync).toFixed(1)} | ${gops(median(medians.sync))} |`);
  console.log(`| ${calls} concurrent matmulAsync | ${median(medians.async).toFixed(1)} | ${gops(median(medians.async))} |`);
  console.log(`\nasync / sync throughput ratio: ${(median(medians.sync) / median(medians.async)).toFixed(2)}x`);
})();
