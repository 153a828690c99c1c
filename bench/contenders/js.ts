/** A plain JavaScript fp32 triple loop: the floor a user would write by hand. */
import { ops, JS_MAX_OPS } from '../shapes';
import type { Contender } from './types';

/** i-k-j order so the inner loop walks B and C rows contiguously. */
export function jsMatmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number): void {
  c.fill(0);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) c[row + j] += av * b[bRow + j];
    }
  }
}

export const jsContender: Contender = {
  id: 'js-f32',
  label: 'plain JS f32 loop',
  family: 'js',
  precision: 'f32',
  skip: (shape, threads) =>
    threads !== 1 ? 'single-threaded: run at 1 thread only' : ops(shape) > JS_MAX_OPS ? 'too slow for this shape' : undefined,
  async prepare(d) {
    const { m, n, k } = d.shape;
    const c = new Float32Array(m * n);
    return { run: () => jsMatmul(d.aF32.data, d.bF32.data, c, m, n, k), output: () => c, dispose: () => {} };
  },
};
