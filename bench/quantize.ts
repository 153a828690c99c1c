/**
 * Quantization throughput: quantizeLinear / dequantizeLinear / dynamicQuantizeLinear
 * in GB/s of float32, through the public API (a fresh array per call, and with
 * `out`) against the native kernel called directly and the TypeScript loop; and
 * HistogramObserver (observe, calculateQParams) on 1M-element batches against
 * PyTorch 1.13's on the same data (Debian python3-torch, run in the same bench,
 * one thread each), with both observers' qparams.
 *
 *   node --import tsx bench/quantize.ts
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { dequantizeLinear, dynamicQuantizeLinear, HistogramObserver, quantizeLinear } from '../lib';
import { native } from '../lib/native';
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
const q = quantizeLinear(x, 0.02, zp);
const qOut = new Uint8Array(n);
const fOut = new Float32Array(n);
const gb = (ms: number) => ((n * 4) / (ms / 1000) / 1e9).toFixed(2);
const reps = 9;
console.log(`\nquantize / dequantize of ${n} float32 values (${(n * 4) / 2 ** 20} MiB), median of ${reps}, one thread`);
console.log(`${os.cpus()[0]?.model?.trim()}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log('| operation | path | ms | GB/s of float32 | vs kernel |');
console.log('|---|---|---|---|---|');
const rows: [string, string, () => void][] = [
  ['quantizeLinear (uint8)', 'kernel (native call, no checks)', () => native().quantizeLinear(x, 0.02, 128, qOut)],
  ['quantizeLinear (uint8)', 'public API with `out`', () => quantizeLinear(x, 0.02, zp, { out: qOut })],
  ['quantizeLinear (uint8)', 'public API, fresh array', () => quantizeLinear(x, 0.02, zp)],
  ['dequantizeLinear (uint8)', 'kernel (native call, no checks)', () => native().dequantizeLinear(q.data, 0.02, 128, fOut)],
  ['dequantizeLinear (uint8)', 'public API with `out`', () => dequantizeLinear(q, 0.02, zp, { out: fOut })],
  ['dequantizeLinear (uint8)', 'public API, fresh array', () => dequantizeLinear(q, 0.02, zp)],
  ['dynamicQuantizeLinear', 'kernels (min/max + quantize)', () => (native().minMax(x), native().quantizeLinear(x, 0.02, 128, qOut))],
  ['dynamicQuantizeLinear', 'public API with `out`', () => dynamicQuantizeLinear(x, { out: qOut })],
  ['dynamicQuantizeLinear', 'public API, fresh array', () => dynamicQuantizeLinear(x)],
];
let kernelMs = 0;
for (const [op, label, fn] of rows) {
  const ms = timeMs(fn, reps);
  if (label.startsWith('kernel')) kernelMs = ms;
  console.log(`| ${op} | ${label} | ${ms.toFixed(1)} | ${gb(ms)} | ${(kernelMs / ms).toFixed(2)}x |`);
}
setNativeQuantize(false);
for (const [op, fn] of [['quantizeLinear (uint8)', () => quantizeLinear(x, 0.02, zp, { out: qOut })], ['dequantizeLinear (uint8)', () => dequantizeLinear(q, 0.02, zp, { out: fOut })]] as const) {
  const ms = timeMs(fn, 3);
  console.log(`| ${op} | TypeScript loop (QGEMM_QUANT_NATIVE=0) | ${ms.toFixed(1)} | ${gb(ms)} | |`);
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
// The first call (what a calibration run with one observer pays), then 7 more.
const qparamsMs: number[] = [];
let qp = { scale: 0, zeroPoint: 0 };
for (let r = 0; r < 8; r++) {
  const t0 = performance.now();
  qp = obs.calculateQParams();
  qparamsMs.push(performance.now() - t0);
}

const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-hist-')), 'data.f32');
fs.writeFileSync(file, Buffer.from(data.buffer));
let torch: { observe_ms: number[]; qparams_ms: number[]; scale: number; zero_point: number; torch: string } | undefined;
try {
  const out = execFileSync('/usr/bin/python3', [path.join(__dirname, '..', 'scripts', 'torch_histogram_bench.py'), file, String(batch), '1'], { encoding: 'utf8' });
  torch = JSON.parse(out.trim().split('\n').pop()!);
} catch (error) {
  console.log(`(PyTorch not available: ${(error as Error).message.split('\n')[0]})`);
}
fs.rmSync(path.dirname(file), { recursive: true });

const first = (ms: number[]) => ms[0].toFixed(2);
const rest = (ms: number[]) => median(ms.slice(1));
console.log(`\nHistogramObserver, ${batches} batches of ${batch} float32 (range growing), one thread\n`);
console.log('| observer | observe median (ms) | calculateQParams, first call (ms) | calculateQParams, median of 7 more (ms) | scale | zero point |');
console.log('|---|---|---|---|---|---|');
console.log(`| qgemm HistogramObserver | ${median(ours).toFixed(1)} | ${first(qparamsMs)} | ${rest(qparamsMs).toFixed(2)} | ${qp.scale} | ${qp.zeroPoint} |`);
if (torch) {
  console.log(`| PyTorch ${torch.torch} HistogramObserver | ${median(torch.observe_ms).toFixed(1)} | ${first(torch.qparams_ms)} | ${rest(torch.qparams_ms).toFixed(2)} | ${Math.fround(torch.scale)} | ${torch.zero_point} |`);
  console.log(`\nobserve speed-up: ${(median(torch.observe_ms) / median(ours)).toFixed(2)}x; calculateQParams speed-up: ` +
    `first call ${(torch.qparams_ms[0] / qparamsMs[0]).toFixed(2)}x, later calls ${(rest(torch.qparams_ms) / rest(qparamsMs)).toFixed(2)}x; ` +
    `qparams equal: ${Math.fround(torch.scale) === qp.scale && torch.zero_point === qp.zeroPoint}`);
}
