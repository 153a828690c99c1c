/**
 * Quantization throughput: quantizeLinear / dequantizeLinear in GB/s of
 * float32 (native SIMD path against the TypeScript loop), and
 * HistogramObserver.observe on 1M-element batches against PyTorch 1.13's
 * HistogramObserver on the same data (Debian python3-torch, run in the same
 * bench, one thread each), with both observers' qparams.
 *
 *   node --import tsx bench/quantize.ts
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { dequantizeLinear, HistogramObserver, quantizeLinear } from '../lib';
import { setNativeQuantize } from '../lib/quant/native_path';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function timeMs(fn: () => void, reps: number): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return x;
}

const n = 1 << 24;
const x = gaussian(n, 1);
const zp = new Uint8Array([128]);
const gb = (ms: number) => ((n * 4) / (ms / 1000) / 1e9).toFixed(2);
console.log(`\nquantize / dequantize of ${n} float32 values (${(n * 4) / 2 ** 20} MiB), median of 7, one thread\n`);
console.log('| operation | path | ms | GB/s of float32 |');
console.log('|---|---|---|---|');
for (const nativePath of [true, false]) {
  setNativeQuantize(nativePath);
  const label = nativePath ? 'native (AVX2)' : 'TypeScript';
  const q = quantizeLinear(x, 0.02, zp);
  const tq = timeMs(() => quantizeLinear(x, 0.02, zp), nativePath ? 7 : 3);
  const td = timeMs(() => dequantizeLinear(q, 0.02, zp), nativePath ? 7 : 3);
  console.log(`| quantizeLinear (uint8) | ${label} | ${tq.toFixed(1)} | ${gb(tq)} |`);
  console.log(`| dequantizeLinear (uint8) | ${label} | ${td.toFixed(1)} | ${gb(td)} |`);
}
setNativeQuantize(true);

// HistogramObserver: 10 batches of 1M, the range growing (heavier tails later).
const batch = 1 << 20, batches = 10;
const data = new Float32Array(batch * batches);
for (let b = 0; b < batches; b++) {
  const g = gaussian(batch, 100 + b);
  for (let i = 0; i < batch; i++) data[b * batch + i] = g[i] * (1 + b * 0.3);
}
const obs = new HistogramObserver({ dtype: 'uint8' });
const ours: number[] = [];
for (let b = 0; b < batches; b++) {
  const slice = data.subarray(b * batch, (b + 1) * batch);
  const t0 = performance.now();
  obs.observe(slice);
  ours.push(performance.now() - t0);
}
let t0 = performance.now();
const qp = obs.calculateQParams();
const ourQparamsMs = performance.now() - t0;

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-hist-')), 'data.f32');
fs.writeFileSync(file, Buffer.from(data.buffer));
let torch: { observe_ms: number[]; qparams_ms: number; scale: number; zero_point: number; torch: string } | undefined;
try {
  const out = execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'scripts', 'torch_histogram_bench.py'), file, String(batch), '1'], { encoding: 'utf8' });
  torch = JSON.parse(out.trim().split('\n').pop()!);
} catch (error) {
  console.log(`(PyTorch not available: ${(error as Error).message.split('\n')[0]})`);
}
fs.rmSync(path.dirname(file), { recursive: true });

console.log(`\nHistogramObserver.observe, ${batches} batches of ${batch} float32 (range growing), one thread\n`);
console.log('| observer | observe median (ms) | calculateQParams (ms) | scale | zero point |');
console.log('|---|---|---|---|---|');
console.log(`| qgemm HistogramObserver | ${median(ours).toFixed(1)} | ${ourQparamsMs.toFixed(1)} | ${qp.scale} | ${qp.zeroPoint} |`);
if (torch) {
  console.log(`| PyTorch ${torch.torch} HistogramObserver | ${median(torch.observe_ms).toFixed(1)} | ${torch.qparams_ms.toFixed(1)} | ${Math.fround(torch.scale)} | ${torch.zero_point} |`);
  console.log(`\nobserve speed-up: ${(median(torch.observe_ms) / median(ours)).toFixed(2)}x; qparams equal: ${Math.fround(torch.scale) === qp.scale && torch.zero_point === qp.zeroPoint}`);
}
t0 = 0;
