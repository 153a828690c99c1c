/**
 * Error metrics between a reference and an approximation. Elements are read
 * as float32 (or whatever the array holds) and accumulated in float64, in
 * index order, so results are deterministic and independent of length.
 */
import { rangeError, typeError } from '../errors';
import { checkTensor, type Tensor } from '../tensor';

export type MetricInput = Tensor<'float32'> | Float32Array | Float64Array;

function values(x: unknown, name: string): Float32Array | Float64Array {
  if (x instanceof Float32Array || x instanceof Float64Array) return x;
  checkTensor(x, name);
  if (x.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `${name} must be float32, got ${x.dtype}`);
  return x.data as Float32Array;
}

function pair(a: unknown, b: unknown): [Float32Array | Float64Array, Float32Array | Float64Array] {
  const x = values(a, 'reference');
  const y = values(b, 'approximation');
  if (x.length !== y.length) throw rangeError('ERR_QGEMM_SHAPE', `reference has ${x.length} elements, approximation ${y.length}`);
  if (x.length === 0) throw rangeError('ERR_QGEMM_EMPTY', 'metrics need at least one element');
  return [x, y];
}

/** Mean squared error: sum((a - b)^2) / n. */
export function mse(reference: MetricInput, approximation: MetricInput): number {
  const [x, y] = pair(reference, approximation);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    s += d * d;
  }
  return s / x.length;
}

/**
 * Signal-to-quantization-noise ratio in dB: 10 log10(sum(a^2) / sum((a - b)^2)).
 * Infinity when the approximation is exact; -Infinity when the reference is all zeros but not b.
 */
export function sqnr(reference: MetricInput, approximation: MetricInput): number {
  const [x, y] = pair(reference, approximation);
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    signal += x[i] * x[i];
    noise += d * d;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

/** Mean of |a - b|. */
export function meanAbsError(reference: MetricInput, approximation: MetricInput): number {
  const [x, y] = pair(reference, approximation);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i] - y[i]);
  return s / x.length;
}

/** Largest |a - b| (NaN if any difference is NaN). */
export function maxAbsError(reference: MetricInput, approximation: MetricInput): number {
  const [x, y] = pair(reference, approximation);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (d > m || d !== d) m = d;
    if (m !== m) return NaN;
  }
  return m;
}

/** dot(a, b) / (|a| |b|); NaN when either vector is all zeros. */
export function cosineSimilarity(reference: MetricInput, approximation: MetricInput): number {
  const [x, y] = pair(reference, approximation);
  let dot = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    nx += x[i] * x[i];
    ny += y[i] * y[i];
  }
  if (nx === 0 || ny === 0) return NaN;
  return dot / Math.sqrt(nx * ny);
}
