/**
 * An independent JavaScript reference for matmul, written from the definition
 * (not from the native code), and seeded random data for tests.
 */
import type { Tensor } from '../../lib';

export interface RefCase {
  a: Tensor;
  b: Tensor;
  transposeA: boolean;
  transposeB: boolean;
}

/** Element (r, c) of the logical matrix `item` of a 2-D or 3-D tensor, honouring transpose and broadcast. */
function at(t: Tensor, item: number, r: number, c: number, transposed: boolean): number {
  const rows = t.shape[t.shape.length - 2];
  const cols = t.shape[t.shape.length - 1];
  const base = t.shape.length === 3 && t.shape[0] !== 1 ? item * rows * cols : 0;
  return transposed ? t.data[base + c * cols + r] : t.data[base + r * cols + c];
}

/** int32 results wrap modulo 2^32 like the native kernels; float results are float64 sums. */
export function referenceMatmul({ a, b, transposeA, transposeB }: RefCase): { shape: number[]; data: Float64Array | Int32Array } {
  const ar = a.shape[a.shape.length - 2], ac = a.shape[a.shape.length - 1];
  const br = b.shape[b.shape.length - 2], bc = b.shape[b.shape.length - 1];
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const n = transposeB ? br : bc;
  const batch = Math.max(a.shape.length === 3 ? a.shape[0] : 1, b.shape.length === 3 ? b.shape[0] : 1);
  const rank3 = a.shape.length === 3 || b.shape.length === 3;
  const float = a.dtype === 'float32';
  const data = float ? new Float64Array(batch * m * n) : new Int32Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) {
          acc += at(a, t, i, p, transposeA) * at(b, t, p, j, transposeB);
          if (!float) acc |= 0; // keep within 2^53: wrap like int32 hardware
        }
        data[(t * m + i) * n + j] = acc;
      }
    }
  }
  return { shape: rank3 ? [batch, m, n] : [m, n], data };
}

/** Mulberry32: small, fast, seeded. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInts<T extends Int8Array | Uint8Array>(C: new (n: number) => T, n: number, lo: number, hi: number, rand: () => number): T {
  const x = new C(n);
  for (let i = 0; i < n; i++) x[i] = lo + Math.floor(rand() * (hi - lo + 1));
  return x;
}

export function randomFloats(n: number, rand: () => number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rand() * 2 - 1;
  return x;
}
