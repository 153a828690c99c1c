/**
 * The qgemm demo: multiplies the same matrices on both backends, checks that
 * they agree with each other, and prints their speed.
 *
 *   npm run demo
 */
import { info, matmul, packWeights, tensor, Tensor } from '../lib';

function random<T extends Int8Array | Uint8Array | Float32Array>(data: T, lo: number, hi: number): T {
  for (let i = 0; i < data.length; i++) data[i] = data instanceof Float32Array ? lo + Math.random() * (hi - lo) : lo + Math.floor(Math.random() * (hi - lo + 1));
  return data;
}

/** Median seconds per call over a short run (one warm-up call first). */
function time(fn: () => void): number {
  fn();
  const samples: number[] = [];
  const deadline = performance.now() + 400;
  while (samples.length < 5 || (performance.now() < deadline && samples.length < 200)) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) / 1000);
  }
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1];
}

function mismatches(x: Tensor, y: Tensor): number {
  let count = 0;
  for (let i = 0; i < x.data.length; i++) if (x.data[i] !== y.data[i]) count++;
  return count;
}

const machine = info();
console.log(`qgemm ${machine.version}: ISA ${machine.isa}, int8 kernel ${machine.kernels.int8}, ` +
  `float32 kernel ${machine.kernels.float32}, ${machine.threads} threads, ` +
  `oneDNN ${machine.backends.onednnVersion ?? 'not built'}`);

const [m, n, k] = [256, 1024, 1024];
const gops = (s: number) => ((2 * m * n * k) / s / 1e9).toFixed(1);
const a8 = tensor(random(new Uint8Array(m * k), 0, 255), [m, k]);
const b8 = tensor(random(new Int8Array(k * n), -128, 127), [k, n]);
const a32 = tensor(random(new Float32Array(m * k), -1, 1), [m, k]);
const b32 = tensor(random(new Float32Array(k * n), -1, 1), [k, n]);
console.log(`\nC = A x B with M=${m}, N=${n}, K=${k}, full-range int8 values`);

const builtin8 = matmul(a8, b8, { backend: 'builtin' });
const packed8 = packWeights(b8);
console.log(`builtin u8s8s32 (pre-packed B): ${gops(time(() => matmul(a8, packed8)))} GOPS`);
console.log(`builtin u8s8s32:                ${gops(time(() => matmul(a8, b8)))} GOPS`);
if (machine.backends.onednn) {
  const onednn8 = matmul(a8, b8, { backend: 'onednn', allowInexact: true });
  const wrong = mismatches(builtin8, onednn8);
  console.log(`oneDNN  u8s8s32:                ${gops(time(() => matmul(a8, b8, { backend: 'onednn', allowInexact: true })))} GOPS` +
    (wrong === 0 ? ' (agrees with builtin)' : ` -- ${wrong} of ${m * n} results WRONG on this CPU (int16 saturation without VNNI)`));
}

const builtin32 = matmul(a32, b32, { backend: 'builtin' });
console.log(`builtin f32:                    ${gops(time(() => matmul(a32, b32)))} GFLOPS`);
if (machine.backends.onednn) {
  const onednn32 = matmul(a32, b32, { backend: 'onednn' });
  let worst = 0;
  for (let i = 0; i < builtin32.data.length; i++) worst = Math.max(worst, Math.abs(builtin32.data[i] - onednn32.data[i]));
  console.log(`oneDNN  f32:                    ${gops(time(() => matmul(a32, b32, { backend: 'onednn' })))} GFLOPS (max |difference| from builtin ${worst.toExponential(1)})`);
}
packed8.dispose();
