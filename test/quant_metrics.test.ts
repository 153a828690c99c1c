/** Error metrics and non-uniform (codebook) quantization. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  codebookDequantize,
  codebookQuantize,
  cosineSimilarity,
  kmeansQuantize,
  logCodebook,
  logQuantize,
  maxAbsError,
  meanAbsError,
  mse,
  sqnr,
  tensor,
} from '../lib';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('metrics', () => {
  const a = new Float32Array([1, -2, 3, 0]);
  const b = new Float32Array([1, -2, 2, 1]);
  it('computes exact small cases in float64', () => {
    assert.equal(mse(a, b), 0.5);
    assert.equal(meanAbsError(a, b), 0.5);
    assert.equal(maxAbsError(a, b), 1);
    assert.equal(sqnr(a, b), 10 * Math.log10(14 / 2));
    assert.equal(sqnr(a, a), Infinity);
    assert.equal(cosineSimilarity(a, b), (1 + 4 + 6) / Math.sqrt(14 * 10));
    assert.equal(cosineSimilarity(tensor(a, [2, 2]), a), 1);
    assert.ok(Number.isNaN(cosineSimilarity(new Float32Array(2), a.subarray(0, 2))));
  });
  it('throws on mismatched or empty input', () => {
    assert.throws(() => mse(a, b.subarray(1)), code('ERR_QGEMM_SHAPE'));
    assert.throws(() => sqnr(new Float32Array(0), new Float32Array(0)), code('ERR_QGEMM_EMPTY'));
    assert.throws(() => mse(tensor(new Int8Array(4)) as never, a), code('ERR_QGEMM_DTYPE'));
  });
});

function normal(n: number, seed: number): Float32Array {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
  return out;
}

describe('non-uniform quantization', () => {
  it('log codebook: powers of two below maxAbs, symmetric, with zero', () => {
    const book = logCodebook(4);
    assert.equal(book.length, 255);
    assert.equal(book[127], 0);
    assert.deepEqual(Array.from(book.subarray(252)), [1, 2, 4]);
    assert.deepEqual(Array.from(book.subarray(0, 2)), [-4, -2]);
    const q = logQuantize(new Float32Array([3, -0.7, 0, 1e-40, 5]), { maxAbs: 4 });
    assert.deepEqual(Array.from(codebookDequantize(q).data), [2, -0.5, 0, 0, 4]); // 3 ties 2|4: lower entry
  });
  it('k-means: seeded and deterministic, at most 256 sorted entries, beats uniform int8 on normal data', () => {
    const x = normal(20000, 7);
    const a = kmeansQuantize(x, { seed: 3 });
    const b = kmeansQuantize(x, { seed: 3 });
    assert.deepEqual(a.codebook, b.codebook);
    assert.ok(a.codebook.length <= 256);
    for (let i = 1; i < a.codebook.length; i++) assert.ok(a.codebook[i] > a.codebook[i - 1]);
    const y = codebookDequantize(a).data;
    let amax = 0;
    for (const v of x) amax = Math.max(amax, Math.abs(v));
    const uniform = x.map((v) => Math.round(v / (amax / 127)) * (amax / 127));
    assert.ok(sqnr(x, y) > sqnr(x, uniform), `${sqnr(x, y)} vs ${sqnr(x, uniform)}`);
  });
  it('k-means with few distinct values is exact', () => {
    const x = new Float32Array([1, 1, -3, 2.5, 2.5, 1]);
    const q = kmeansQuantize(x, { clusters: 4 });
    assert.deepEqual(Array.from(q.codebook), [-3, 1, 2.5]);
    assert.deepEqual(codebookDequantize(q).data, x);
  });
  it('validates', () => {
    assert.throws(() => kmeansQuantize(new Float32Array(3), { clusters: 257 }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => kmeansQuantize(new Float32Array([NaN])), code('ERR_QGEMM_EMPTY'));
    assert.throws(() => codebookQuantize(new Float32Array(1), new Float32Array([2, 1])), code('ERR_QGEMM_OPTION'));
  });
});
