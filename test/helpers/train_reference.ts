/**
 * The TypeScript loops that the native training path replaced, kept as the
 * references the native code is tested against (bit for bit, every ISA).
 * Written from the documented definitions, per element, without SIMD tricks.
 */
import { roundHalfEven } from '../../lib/quant/round';

const f32 = Math.fround;

export interface SymmetricInt8 {
  q: Int8Array;
  scales: Float32Array;
}

/** scale = float32(amax / 127), 1 for an all-zero slice (NaN never raises amax). */
export function scaleOf(amax: number): number {
  return amax > 0 ? f32(amax / 127) : 1;
}

/** clamp(roundHalfEven(float32(x / s)), -127, 127); NaN is stored as 0 by the Int8Array. */
export function level(x: number, s: number): number {
  const r = roundHalfEven(f32(x / s));
  return r > 127 ? 127 : r < -127 ? -127 : r;
}

export function quantizeRowsRef(x: Float32Array, rows: number, cols: number): SymmetricInt8 {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let amax = 0;
    for (let j = 0; j < cols; j++) if (Math.abs(x[r * cols + j]) > amax) amax = Math.abs(x[r * cols + j]);
    const s = (scales[r] = scaleOf(amax));
    for (let j = 0; j < cols; j++) q[r * cols + j] = level(x[r * cols + j], s);
  }
  return { q, scales };
}

/** Per column within blocks of `block` rows; scales [blocks, cols]. */
export function quantizeColumnBlocksRef(x: Float32Array, rows: number, cols: number, block: number, stochastic = false, seed = 0): SymmetricInt8 {
  const b = block < 1 || block >= rows ? Math.max(rows, 1) : block;
  const blocks = rows === 0 ? 0 : Math.ceil(rows / b);
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(blocks * cols);
  for (let k = 0; k < blocks; k++) {
    for (let j = 0; j < cols; j++) {
      let amax = 0;
      for (let r = k * b; r < Math.min(rows, (k + 1) * b); r++) if (Math.abs(x[r * cols + j]) > amax) amax = Math.abs(x[r * cols + j]);
      scales[k * cols + j] = scaleOf(amax);
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      const s = scales[Math.floor(r / b) * cols + j];
      q[i] = stochastic ? stochasticLevel(x[i], s, stochasticUniform(stochasticHash(seed, i >>> 0))) : level(x[i], s);
    }
  }
  return { q, scales };
}

export function quantizeColumnsRef(x: Float32Array, rows: number, cols: number): SymmetricInt8 {
  const q = new Int8Array(rows * cols);
  const scales = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    let amax = 0;
    for (let r = 0; r < rows; r++) if (Math.abs(x[r * cols + j]) > amax) amax = Math.abs(x[r * cols + j]);
    scales[j] = scaleOf(amax);
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) q[r * cols + j] = level(x[r * cols + j], scales[j]);
  return { q, scales };
}

/** murmur3 fmix32 of index * 0x9E3779B9 + seed (uint32 arithmetic). */
export function stochasticHash(seed: number, index: number): number {
  let h = (Math.imul(index, 0x9e3779b9) + seed) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** 24 random bits as a float32 in [0, 1). */
export function stochasticUniform(h: number): number {
  return (h >>> 8) * 2 ** -24;
}

/** clamp(floor(float32(float32(x / s) + u)), -127, 127); NaN -> 0. */
export function stochasticLevel(x: number, s: number, u: number): number {
  const v = f32(x / s);
  if (v !== v) return 0;
  const r = Math.floor(f32(v + u));
  return r > 127 ? 127 : r < -127 ? -127 : r;
}

/** y = float32(q * scale) per row: QAT's fake-quantized weights. */
export function fakeQuantizeRowsRef(x: Float32Array, rows: number, cols: number): { y: Float32Array; scales: Float32Array } {
  const { q, scales } = quantizeRowsRef(x, rows, cols);
  const y = new Float32Array(q.length);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) y[r * cols + j] = f32(q[r * cols + j] * scales[r]);
  return { y, scales };
}

/** The old Linear's addBias and ReLU, per element (ReLU keeps NaN, as torch.relu). */
export function biasReluRef(y: Float32Array, bias: Float32Array | undefined, cols: number, relu: boolean): Float32Array {
  const out = y.slice();
  for (let i = 0; i < out.length; i++) {
    if (bias) out[i] += bias[i % cols];
    if (relu) out[i] = out[i] <= 0 ? 0 : out[i];
  }
  return out;
}

/** Column sums in float64, row order, stored as float32. */
export function columnSumsRef(a: Float32Array, cols: number): Float32Array {
  const acc = new Float64Array(cols);
  for (let i = 0; i < a.length; i += cols) for (let j = 0; j < cols; j++) acc[j] += a[i + j];
  return Float32Array.from(acc);
}

/** The old Adam.step loop (float64 per element, float32 state). Mutates p, m, v. */
export function adamStepRef(
  p: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, t: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
): void {
  const c1 = 1 - o.beta1 ** t;
  const c2 = Math.sqrt(1 - o.beta2 ** t);
  const stepSize = o.lr / c1;
  for (let i = 0; i < p.length; i++) {
    const g = grad[i] + o.weightDecay * p[i];
    const mi = (m[i] = o.beta1 * m[i] + (1 - o.beta1) * g);
    const vi = (v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g);
    p[i] -= (stepSize * mi) / (Math.sqrt(vi) / c2 + o.eps);
  }
}

