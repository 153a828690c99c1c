/**
 * QuantizedLinear against float32 linear layers, and the cost of the fused
 * epilogue, side by side in one run (medians of tinybench samples):
 * - y = x Wᵀ + b with in = out = 4096 at batch 1, 8, 64, 256: QuantizedLinear
 *   (dynamic per-row, the cost of quantizing x included) against fp32 matmul
 *   on pre-packed weights (builtin) and oneDNN fp32 (the fastest fp32 we have
 *   varies by shape, so both are shown);
 * - at 512³: the int8 GEMM with int32 out against the same GEMM with the
 *   float32 epilogue (scales, zero points, bias) fused.
 *
 *   node --import tsx bench/layers.ts
 */
import { Bench } from 'tinybench';

import { info, matmul, packWeights, QuantizedLinear, quantizedMatmul, tensor } from '../lib';

function gaussian(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()));
}

async function median(name: string, fn: () => unknown, time = 400): Promise<number> {
  const bench = new Bench({ time, warmupTime: 50 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result as unknown as { latency: { p50: number } };
  return r.latency.p50; // ms
}

void (async () => {
  const machine = info();
  const features = 4096;
  const w = tensor(gaussian(features * features, 1).map((v) => v * 0.02), [features, features]);
  const bias = gaussian(features, 2);
  const layer = new QuantizedLinear(w, bias);
  const wPacked = packWeights(w, { transpose: true });
  console.log(`\nLinear ${features} -> ${features}, ${machine.threads} threads, int8 kernel ${machine.kernels.int8}, f32 kernel ${machine.kernels.float32}\n`);
  console.log('| batch | QuantizedLinear (ms) | fp32 builtin packed (ms) | oneDNN fp32 (ms) | int8 vs best fp32 |');
  console.log('|---|---|---|---|---|');
  for (const batch of [1, 8, 64, 256]) {
    const x = tensor(gaussian(batch * features, 10 + batch), [batch, features]);
    const q = await median('int8', () => layer.forward(x));
    const f = await median('f32', () => matmul(x, wPacked));
    const o = machine.backends.onednn ? await median('onednn', () => matmul(x, w, { transposeB: true, backend: 'onednn' })) : Infinity;
    console.log(`| ${batch} | ${q.toFixed(3)} | ${f.toFixed(3)} | ${o === Infinity ? '-' : o.toFixed(3)} | ${(Math.min(f, o) / q).toFixed(2)}x |`);
  }
  layer.dispose();

  const n = 512;
  let s = 7;
  const ints = (len: number, lo: number, hi: number) => Int8Array.from({ length: len }, () => lo + ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % (hi - lo + 1)));
  const a = tensor(Uint8Array.from(ints(n * n, 0, 127)), [n, n]);
  const b = packWeights(tensor(ints(n * n, -128, 127), [n, n]));
  const scales = Float32Array.from({ length: n }, (_, i) => 0.001 + i * 1e-6);
  // Interleaved rounds, so that load from elsewhere hits every variant alike.
  const bias512 = gaussian(n, 3);
  const variants: [string, () => unknown][] = [
    ['int32 out', () => matmul(a, b)],
    ['float32 epilogue (zero point, scales, bias)', () => quantizedMatmul(a, b, { aZeroPoint: 3, aScale: 0.02, bScale: scales, bias: bias512 })],
    ['int8 epilogue (zero point, scales, requantize)', () => quantizedMatmul(a, b, { aZeroPoint: 3, aScale: 0.02, bScale: scales, outputType: 'int8', yScale: 0.5 })],
  ];
  const samples = variants.map(() => [] as number[]);
  for (let round = 0; round < 60; round++) {
    variants.forEach(([, fn], v) => {
      const t0 = performance.now();
      fn();
      samples[v].push(performance.now() - t0);
    });
  }
  const med = (xs: number[]) => [...xs].sort((p, q) => p - q)[xs.length >> 1];
  const base = med(samples[0]);
  console.log('\n512³ u8s8, packed B, 60 interleaved rounds\n');
  console.log('| output | median (ms) | vs int32 out |');
  console.log('|---|---|---|');
  variants.forEach(([name], v) => console.log(`| ${name} | ${med(samples[v]).toFixed(3)} | ${v === 0 ? '' : `+${((med(samples[v]) / base - 1) * 100).toFixed(1)}%`} |`));
})();
