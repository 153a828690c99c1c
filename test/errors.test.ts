/**
 * Every bad input throws a TypeError or RangeError with a stable code, and the
 * raw addon re-checks sizes so even a direct native call cannot go out of bounds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  dequantizeLinear, dynamicQuantizeLinear, info, matmul, matmulAsync, packWeights, QuantizedLinear, quantizedMatmul, quantizeLinear,
  setMaxIsa, setNumThreads, tensor, Tensor, zeros,
} from '../lib';
import { GEMM_DIMS, gemmDims, GemmDimValues, linearDims, LinearDimValues, native } from '../lib/native';

const i8 = (shape: number[]) => zeros('int8', shape);
const f32 = (shape: number[]) => zeros('float32', shape);

function throwsCode(fn: () => unknown, code: string, name: 'TypeError' | 'RangeError' | 'Error', message?: RegExp): void {
  assert.throws(fn, (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `code of: ${e.message}`);
    assert.equal(e.name, name, `class of: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('tensor validation', () => {
  it('rejects data that is not a supported TypedArray', () => {
    throwsCode(() => tensor(new Float64Array(4) as never, [2, 2]), 'ERR_QGEMM_DTYPE', 'TypeError');
    throwsCode(() => tensor(new Uint8ClampedArray(4) as never, [2, 2]), 'ERR_QGEMM_DTYPE', 'TypeError');
    throwsCode(() => tensor([1, 2] as never), 'ERR_QGEMM_DTYPE', 'TypeError');
  });
  it('rejects negative, fractional and non-number dimensions', () => {
    throwsCode(() => tensor(new Int8Array(4), [-2, -2]), 'ERR_QGEMM_SHAPE', 'RangeError', /shape\[0\]/);
    throwsCode(() => tensor(new Int8Array(4), [1.5, 2]), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => tensor(new Int8Array(4), [NaN, 2]), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => tensor(new Int8Array(4), ['2', 2] as never), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => tensor(new Int8Array(4), 4 as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError');
  });
  it('rejects data whose length does not match the shape', () => {
    throwsCode(() => tensor(new Int8Array(5), [2, 2]), 'ERR_QGEMM_DATA_LENGTH', 'RangeError', /5 elements/);
  });
  it('rejects shapes whose size overflows', () => {
    throwsCode(() => zeros('int8', [2 ** 30, 2 ** 30]), 'ERR_QGEMM_TOO_LARGE', 'RangeError');
    throwsCode(() => zeros('float32', [2 ** 20, 2 ** 11]), 'ERR_QGEMM_TOO_LARGE', 'RangeError');
  });
  it('rejects unknown dtypes', () => {
    throwsCode(() => zeros('int4' as never, [2]), 'ERR_QGEMM_DTYPE', 'TypeError');
  });
});

describe('matmul argument errors', () => {
  it('wrong dtypes', () => {
    throwsCode(() => matmul(f32([2, 2]) as never, i8([2, 2]) as never), 'ERR_QGEMM_DTYPE', 'TypeError', /float32/);
    throwsCode(() => matmul(zeros('int32', [2, 2]) as never, i8([2, 2])), 'ERR_QGEMM_DTYPE', 'TypeError');
    throwsCode(() => matmul(i8([2, 2]), zeros('uint8', [2, 2]) as never), 'ERR_QGEMM_DTYPE', 'TypeError');
    const liar = { dtype: 'int8', shape: [2, 2], data: new Uint8Array(4) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(liar, i8([2, 2])), 'ERR_QGEMM_DTYPE', 'TypeError', /a\.data/);
  });
  it('not a tensor', () => {
    throwsCode(() => matmul(null as never, i8([2, 2])), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^a /);
    throwsCode(() => matmul(i8([2, 2]), 'b' as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^b /);
  });
  it('a bare TypedArray where a tensor is expected: ERR_QGEMM_ARG_TYPE saying how to wrap it', async () => {
    const wrap = /got a bare (Int8|Uint8|Float32)Array; wrap it: tensor\(data, \[rows, cols\]\)/;
    throwsCode(() => matmul(new Int8Array(6) as never, i8([3, 2])), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^a must be a tensor/);
    throwsCode(() => matmul(new Int8Array(6) as never, i8([3, 2])), 'ERR_QGEMM_ARG_TYPE', 'TypeError', wrap);
    throwsCode(() => matmul(i8([2, 3]), new Int8Array(6) as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', wrap);
    await assert.rejects(matmulAsync(new Uint8Array(6) as never, i8([3, 2])), { code: 'ERR_QGEMM_ARG_TYPE', message: wrap });
    throwsCode(() => quantizedMatmul(new Uint8Array(6) as never, i8([3, 2])), 'ERR_QGEMM_ARG_TYPE', 'TypeError', wrap);
    throwsCode(() => packWeights(new Int8Array(6) as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', wrap);
    throwsCode(() => new QuantizedLinear(new Float32Array(12) as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^weight must be a tensor.*wrap it/);
    const layer = new QuantizedLinear(f32([2, 3]));
    throwsCode(() => layer.forward(new Float32Array(3) as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^x must be a tensor.*wrap it/);
    // A type tensors do not hold: convert first. (A bare Float32Array is fine for the quantization functions.)
    const convert = /got a bare Float64Array; convert it, then wrap it: tensor\(Float32Array\.from\(data\)/;
    throwsCode(() => quantizeLinear(new Float64Array(4) as never, 0.1), 'ERR_QGEMM_ARG_TYPE', 'TypeError', convert);
    throwsCode(() => dynamicQuantizeLinear(new Float64Array(4) as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', convert);
    throwsCode(() => matmul(new Float64Array(4) as never, f32([2, 2])), 'ERR_QGEMM_ARG_TYPE', 'TypeError', convert);
    assert.equal(dequantizeLinear(new Int8Array(4), 0.5).data.length, 4);
  });
  it('messages say "an Int8Array", not "a Int8Array"', () => {
    const liar = { dtype: 'int8', shape: [2, 2], data: new Uint8Array(4) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(liar, i8([2, 2])), 'ERR_QGEMM_DTYPE', 'TypeError', /a\.data must be an Int8Array for dtype int8/);
    const liar32 = { dtype: 'int32', shape: [1], data: new Int8Array(1) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(liar32, i8([2, 2])), 'ERR_QGEMM_DTYPE', 'TypeError', /must be an Int32Array/);
    const liarF = { dtype: 'float32', shape: [1], data: new Int8Array(1) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(liarF, i8([2, 2])), 'ERR_QGEMM_DTYPE', 'TypeError', /must be a Float32Array/);
  });
  it('mismatched inner dimensions, ranks and batches', () => {
    throwsCode(() => matmul(i8([2, 3]), i8([4, 2])), 'ERR_QGEMM_SHAPE', 'RangeError', /K=3.*K=4/);
    throwsCode(() => matmul(i8([2, 3]), i8([2, 4]), { transposeB: true }), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => matmul(i8([6]), i8([6, 1])), 'ERR_QGEMM_SHAPE', 'RangeError', /2-D or 3-D/);
    throwsCode(() => matmul(i8([1, 1, 2, 3]), i8([3, 1])), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => matmul(i8([2, 2, 3]), i8([3, 3, 2])), 'ERR_QGEMM_SHAPE', 'RangeError', /broadcast/);
  });
  it('non-integer or negative dimensions in a hand-made tensor', () => {
    const bad = { dtype: 'int8', shape: [2, -2], data: new Int8Array(4) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(bad, i8([2, 2])), 'ERR_QGEMM_SHAPE', 'RangeError', /a\.shape\[1\]/);
    const frac = { dtype: 'int8', shape: [0.5, 8], data: new Int8Array(4) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(frac, i8([8, 2])), 'ERR_QGEMM_SHAPE', 'RangeError');
  });
  it('data length not matching the shape in a hand-made tensor', () => {
    const short = { dtype: 'int8', shape: [4, 4], data: new Int8Array(15) } as unknown as Tensor<'int8'>;
    throwsCode(() => matmul(short, i8([4, 4])), 'ERR_QGEMM_DATA_LENGTH', 'RangeError');
  });
  it('a detached ArrayBuffer', () => {
    const a = i8([4, 4]);
    structuredClone(a.data.buffer, { transfer: [a.data.buffer] });
    throwsCode(() => matmul(a, i8([4, 4])), 'ERR_QGEMM_DETACHED', 'TypeError', /detached/);
  });
  it('an out of the wrong dtype, shape, or sharing memory with an input', () => {
    throwsCode(() => matmul(i8([2, 3]), i8([3, 4]), { out: f32([2, 4]) as never }), 'ERR_QGEMM_OUT', 'TypeError', /int32/);
    throwsCode(() => matmul(i8([2, 3]), i8([3, 4]), { out: zeros('int32', [4, 2]) }), 'ERR_QGEMM_OUT', 'RangeError', /\[2, 4\]/);
    const a = f32([4, 4]);
    throwsCode(() => matmul(a, f32([4, 4]), { out: a }), 'ERR_QGEMM_OUT', 'RangeError', /share memory/);
  });
  it('sizes whose byte count overflows', () => {
    throwsCode(() => matmul(i8([100000, 0]), i8([0, 100000])), 'ERR_QGEMM_TOO_LARGE', 'RangeError');
  });
  it('options: unknown keys, bad types, unknown backend', () => {
    throwsCode(() => matmul(i8([2, 2]), i8([2, 2]), { transposeb: true } as never), 'ERR_QGEMM_OPTION', 'TypeError', /transposeb/);
    throwsCode(() => matmul(i8([2, 2]), i8([2, 2]), { transposeA: 1 } as never), 'ERR_QGEMM_OPTION', 'TypeError');
    throwsCode(() => matmul(i8([2, 2]), i8([2, 2]), { backend: 'mkl' } as never), 'ERR_QGEMM_OPTION', 'TypeError');
    throwsCode(() => matmul(i8([2, 2]), i8([2, 2]), 5 as never), 'ERR_QGEMM_OPTION', 'TypeError');
  });
  it('oneDNN when it is not compiled in', { skip: info().backends.onednn }, () => {
    throwsCode(() => matmul(f32([2, 2]), f32([2, 2]), { backend: 'onednn' }), 'ERR_QGEMM_BACKEND_UNAVAILABLE', 'RangeError');
  });
  it('setNumThreads and setMaxIsa', () => {
    throwsCode(() => setNumThreads(0), 'ERR_QGEMM_OPTION', 'RangeError');
    throwsCode(() => setNumThreads(1.5), 'ERR_QGEMM_OPTION', 'RangeError');
    throwsCode(() => setNumThreads('2' as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError');
    throwsCode(() => setMaxIsa('sse' as never), 'ERR_QGEMM_OPTION', 'RangeError');
  });
});

describe('PackedWeights errors', () => {
  it('using a disposed pack', () => {
    const w = packWeights(i8([3, 4]));
    assert.equal(w.disposed, false);
    w.dispose();
    w.dispose(); // twice is fine
    assert.equal(w.disposed, true);
    throwsCode(() => matmul(i8([2, 3]), w), 'ERR_QGEMM_DISPOSED', 'Error', /^PackedWeights was disposed/);
  });
  it('a disposed QuantizedLinear names itself, not the PackedWeights inside it', async () => {
    const layer = new QuantizedLinear(f32([2, 3]));
    layer.dispose();
    throwsCode(() => layer.forward(f32([1, 3])), 'ERR_QGEMM_DISPOSED', 'Error', /^QuantizedLinear was disposed/);
    await assert.rejects(layer.forwardAsync(f32([1, 3])), { code: 'ERR_QGEMM_DISPOSED', message: /^QuantizedLinear was disposed/ });
  });
  it('with transposeB or the oneDNN backend, or a mismatched K', () => {
    const w = packWeights(i8([3, 4]));
    throwsCode(() => matmul(i8([2, 3]), w, { transposeB: false }), 'ERR_QGEMM_OPTION', 'TypeError');
    throwsCode(() => matmul(i8([2, 5]), w), 'ERR_QGEMM_SHAPE', 'RangeError');
    if (info().backends.onednn) throwsCode(() => matmul(f32([2, 3]), packWeights(f32([3, 4])), { backend: 'onednn' }), 'ERR_QGEMM_OPTION', 'TypeError');
    throwsCode(() => packWeights(zeros('uint8', [2, 2]) as never), 'ERR_QGEMM_DTYPE', 'TypeError');
    throwsCode(() => packWeights(i8([2, 2, 2])), 'ERR_QGEMM_SHAPE', 'RangeError');
  });
  it('works with `using`-style disposal', () => {
    const w = packWeights(i8([3, 4]));
    w[Symbol.dispose]();
    assert.equal(w.disposed, true);
    assert.equal(w.bytes, 0);
  });
});

describe('raw native calls are bounds-checked', () => {
  const addon = native();
  // A fresh dims array per descriptor (gemmDims reuses one).
  const dimsOf = (f: GemmDimValues) => Float64Array.from(gemmDims(f));
  const args = (a: ArrayBufferView, b: ArrayBufferView, c: ArrayBufferView, m: number, n: number, k: number, batch = 1, strides = [m * k, k * n, m * n]) =>
    [{ a, b, c, dims: dimsOf({ m, n, k, batch, aStride: strides[0], bStride: strides[1], cStride: strides[2], transposeA: false, transposeB: false, backend: 1, allowInexact: false }) }] as const;

  it('short buffers', () => {
    throwsCode(() => addon.gemm(...args(new Int8Array(5), new Int8Array(6), new Int32Array(4), 2, 2, 3)), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError', /^a /);
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(5), new Int32Array(4), 2, 2, 3)), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError', /^b /);
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Int32Array(3), 2, 2, 3)), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError', /^c /);
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Int32Array(4), 2, 2, 3, 2)), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError');
  });
  it('bad numbers, huge sizes, wrong types and arity', () => {
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Int32Array(4), -2, 2, 3)), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Int32Array(4), 2.5, 2, 3)), 'ERR_QGEMM_SHAPE', 'RangeError');
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Int32Array(4), 2 ** 40, 2 ** 40, 2 ** 40, 1, [0, 0, 0])), 'ERR_QGEMM_TOO_LARGE', 'RangeError');
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Int32Array(4), 2 ** 31, 1, 3)), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError');
    throwsCode(() => addon.gemm(...args(new Float64Array(6), new Int8Array(6), new Int32Array(4), 2, 2, 3)), 'ERR_QGEMM_DTYPE', 'TypeError');
    throwsCode(() => addon.gemm(...args(new Int8Array(6), new Int8Array(6), new Float32Array(4), 2, 2, 3)), 'ERR_QGEMM_INVALID', 'RangeError');
    throwsCode(() => (addon.gemm as (...x: unknown[]) => void)(new Int8Array(1)), 'ERR_QGEMM_ARG_TYPE', 'TypeError');
    throwsCode(() => (addon.gemm as (...x: unknown[]) => void)(...args(new Int8Array(6), new Int8Array(6), new Int32Array(4), 2, 2, 3), 1), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /one descriptor object/);
  });
  it('descriptors: a missing or mistyped field is named', () => {
    const [desc] = args(new Int8Array(6), new Int8Array(6), new Int32Array(4), 2, 2, 3);
    const without = (name: string) => Object.fromEntries(Object.entries(desc).filter(([k]) => k !== name));
    for (const field of Object.keys(desc)) {
      throwsCode(() => addon.gemm(without(field) as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', new RegExp(`^gemm descriptor: ${field} is missing`));
    }
    const dims = (i: number, v: number) => Object.assign(Float64Array.from(desc.dims), { [i]: v });
    throwsCode(() => addon.gemm({ ...desc, dims: new Float64Array(10) } as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^dims must be a Float64Array of 11 values \(m, n, k, batch/);
    throwsCode(() => addon.gemm({ ...desc, dims: [...desc.dims] } as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^dims must be a Float64Array/);
    throwsCode(() => addon.gemm({ ...desc, dims: dims(GEMM_DIMS.indexOf('m'), 2.5) }), 'ERR_QGEMM_SHAPE', 'RangeError', /^dims\.m must be a non-negative integer/);
    throwsCode(() => addon.gemm({ ...desc, dims: dims(GEMM_DIMS.indexOf('k'), NaN) }), 'ERR_QGEMM_SHAPE', 'RangeError', /^dims\.k must be/);
    throwsCode(() => addon.gemm({ ...desc, dims: dims(GEMM_DIMS.indexOf('transposeB'), 2) }), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^dims\.transposeB must be 0 or 1/);
    throwsCode(() => addon.gemm({ ...desc, a: [1, 2] } as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^a must be a TypedArray/);
    throwsCode(() => addon.gemm([desc] as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /one descriptor object/);
    addon.gemm({ ...desc, extra: 1 } as never); // unknown fields are ignored
    const w = addon.packWeights(new Int8Array(6), 3, 2, false);
    const linearDimsOf = (f: Partial<LinearDimValues>) =>
      Float64Array.from(linearDims({ rows: 2, relu: false, mode: 0, xScale: undefined, xZeroPoint: undefined, yScale: undefined, yZeroPoint: undefined, propagateNonFinite: false, ...f }));
    const linear = { x: new Float32Array(6), weights: w, wScales: new Float32Array([1]), out: new Float32Array(4), dims: linearDimsOf({}) };
    addon.quantizedLinear(linear);
    throwsCode(() => addon.quantizedLinear({ ...linear, dims: undefined } as never), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^quantizedLinear descriptor: dims is missing/);
    throwsCode(() => addon.quantizedLinear({ ...linear, dims: linearDimsOf({ rows: -1 }) }), 'ERR_QGEMM_SHAPE', 'RangeError', /^dims\.rows must be a non-negative integer/);
    throwsCode(() => addon.quantizedLinear({ ...linear, dims: linearDimsOf({ mode: 2 }) }), 'ERR_QGEMM_SCALE', 'RangeError', /^dims\.xScale must be positive and finite/);
    throwsCode(() => addon.quantizedLinear({ ...linear, dims: linearDimsOf({ propagateNonFinite: 3 }) }), 'ERR_QGEMM_ARG_TYPE', 'TypeError', /^dims\.propagateNonFinite must be 0 or 1/);
    throwsCode(() => addon.quantizedLinear({ ...linear, out: new Int8Array(4), dims: linearDimsOf({ yScale: 1, yZeroPoint: 0, propagateNonFinite: true }) }), 'ERR_QGEMM_OPTION', 'TypeError');
    throwsCode(() => addon.packWeights(new Int8Array(5), 2, 3, false), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError');
  });
  it('an empty B with a huge K or N packs at once (no loop over the empty dimension)', async () => {
    for (const [k, n] of [[2 ** 40, 0], [2 ** 45, 0]]) {
      const pack = addon.packWeights(new Int8Array(0), k, n, false);
      assert.equal(pack.bytes, 0);
      const job = addon.packWeightsAsync(new Int8Array(0), k, n, true);
      assert.equal((await job.promise).bytes, 0);
    }
    // K = 0 with a huge N needs N column sums: a clean out-of-memory error, never a crash or a hang.
    assert.throws(() => addon.packWeights(new Int8Array(0), 0, 2 ** 50, false), { code: 'ERR_QGEMM_OUT_OF_MEMORY' });
  });

  it('a detached buffer passed straight to the addon', () => {
    const a = new Int8Array(6);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    throwsCode(() => addon.gemm(...args(a, new Int8Array(6), new Int32Array(4), 2, 2, 3)), 'ERR_QGEMM_OUT_OF_BOUNDS', 'RangeError');
  });
});
