/**
 * Exactness of matmul against the independent JS reference, on every backend
 * compiled in and every ISA this CPU supports (through the ISA cap).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';

import { info, matmul, packWeights, setMaxIsa, setNumThreads, tensor, Tensor } from '../lib';
import { randomFloats, randomInts, referenceMatmul, rng } from './helpers/reference';

const machine = info();
const isas = machine.isas;
const exactBackends = ['builtin', ...(machine.backends.onednnInt8Exact ? ['onednn'] : [])] as const;
const floatBackends = ['builtin', ...(machine.backends.onednn ? ['onednn'] : [])] as const;

after(() => setMaxIsa('all'));

function int8Matrix(dtype: 'int8' | 'uint8', shape: number[], fill: number | (() => number)): Tensor<'int8'> | Tensor<'uint8'> {
  const size = shape.reduce((x, y) => x * y, 1);
  const data = dtype === 'int8' ? new Int8Array(size) : new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = typeof fill === 'number' ? fill : fill();
  return tensor(data, shape) as Tensor<'int8'> | Tensor<'uint8'>;
}

function assertExact(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean, backend: string, packed = false): void {
  const bArg = packed ? packWeights(b as Tensor<'int8'>, { transpose: transposeB }) : b;
  const got = matmul(a as Tensor<'int8'>, bArg as Tensor<'int8'>, {
    transposeA,
    ...(packed ? {} : { transposeB }),
    backend: backend as 'builtin',
  });
  const want = referenceMatmul({ a, b, transposeA, transposeB });
  assert.deepEqual(got.shape, want.shape);
  assert.equal(got.dtype, 'int32');
  for (let i = 0; i < want.data.length; i++) {
    if (got.data[i] !== want.data[i]) assert.fail(`element ${i}: got ${got.data[i]}, want ${want.data[i]}`);
  }
}

const shapeCases: [number, number, number][] = [
  [1, 1, 1], [1, 37, 64], [5, 1, 17], [3, 4, 1], [7, 9, 3], [16, 16, 16],
  [13, 29, 63], [17, 33, 65], [31, 47, 130], [64, 40, 257], [2, 300, 31],
];

for (const isa of isas) {
  describe(`int8 matmul, ISA cap ${isa}`, () => {
    for (const backend of exactBackends) {
      it(`${backend}: all -128 x -128, 127 x -128, 255 x -128 (uint8)`, () => {
        setMaxIsa(isa);
        for (const k of [1, 7, 64, 333]) {
          assertExact(int8Matrix('int8', [5, k], -128), int8Matrix('int8', [k, 6], -128), false, false, backend);
          assertExact(int8Matrix('int8', [5, k], 127), int8Matrix('int8', [k, 6], -128), false, false, backend);
          assertExact(int8Matrix('uint8', [5, k], 255), int8Matrix('int8', [k, 6], -128), false, false, backend);
        }
      });

      it(`${backend}: random full-range values, odd shapes, every transpose combination`, () => {
        setMaxIsa(isa);
        const rand = rng(42);
        for (const [m, n, k] of shapeCases) {
          for (const dtype of ['int8', 'uint8'] as const) {
            for (const transposeA of [false, true]) {
              for (const transposeB of [false, true]) {
                const lo = dtype === 'int8' ? -128 : 0;
                const a = int8Matrix(dtype, transposeA ? [k, m] : [m, k], () => lo + Math.floor(rand() * 256));
                const b = tensor(randomInts(Int8Array, k * n, -128, 127, rand), transposeB ? [n, k] : [k, n]);
                assertExact(a, b, transposeA, transposeB, backend);
              }
            }
          }
        }
      });

      it(`${backend}: batched, with the batch dimension broadcast either way`, () => {
        setMaxIsa(isa);
        const rand = rng(7);
        const [m, n, k] = [6, 10, 19];
        const shapes: [number[], number[]][] = [
          [[3, m, k], [3, k, n]],
          [[3, m, k], [k, n]],
          [[m, k], [4, k, n]],
          [[1, m, k], [2, k, n]],
          [[2, m, k], [1, k, n]],
        ];
        for (const [as, bs] of shapes) {
          const a = tensor(randomInts(Int8Array, as.reduce((x, y) => x * y), -128, 127, rand), as);
          const b = tensor(randomInts(Int8Array, bs.reduce((x, y) => x * y), -128, 127, rand), bs);
          assertExact(a, b, false, false, backend);
          assertExact(a, b, false, false, backend);
        }
      });
    }

    it('builtin with PackedWeights (transposed or not), 1 and 2 threads', () => {
      setMaxIsa(isa);
      const rand = rng(3);
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        for (const [m, n, k] of [[1, 4096, 64], [8, 33, 129], [70, 100, 300]] as const) {
          for (const transposeB of [false, true]) {
            const a = tensor(randomInts(Uint8Array, m * k, 0, 255, rand), [m, k]);
            const b = tensor(randomInts(Int8Array, k * n, -128, 127, rand), transposeB ? [n, k] : [k, n]);
            assertExact(a, b, false, transposeB, 'builtin', true);
          }
        }
      }
      setNumThreads(machine.threads);
    });
  });
}

describe('float32 matmul', () => {
  for (const isa of isas) {
    for (const backend of floatBackends) {
      it(`${backend}, ISA cap ${isa}: matches a float64 reference`, () => {
        setMaxIsa(isa);
        const rand = rng(11);
        for (const [m, n, k] of shapeCases) {
          for (const transposeA of [false, true]) {
            for (const transposeB of [false, true]) {
              const a = tensor(randomFloats(m * k, rand), transposeA ? [k, m] : [m, k]);
              const b = tensor(randomFloats(k * n, rand), transposeB ? [n, k] : [k, n]);
              const got = matmul(a, b, { transposeA, transposeB, backend });
              const want = referenceMatmul({ a, b, transposeA, transposeB });
              for (let i = 0; i < want.data.length; i++) {
                // |terms| <= 1, so float32 accumulation error is below k * 2^-23 ~ 1e-4.
                assert.ok(Math.abs(got.data[i] - want.data[i]) <= 1e-5 * (k + 1), `element ${i}: ${got.data[i]} vs ${want.data[i]}`);
              }
            }
          }
        }
      });
    }
  }
});

describe('B over 1 MiB is packed by the pool in column chunks', () => {
  // N = 1000 is not a multiple of any panel, so the last chunk is partial.
  const [m, n, k] = [17, 1000, 2100];
  for (const threads of [1, 2]) {
    it(`int8 and float32, packed per call and by packWeights, B and B^T, ${threads} thread(s)`, () => {
      setNumThreads(threads);
      const rand = rng(21);
      for (const transposeB of [false, true]) {
        const a = tensor(randomInts(Uint8Array, m * k, 0, 255, rand), [m, k]);
        const b = tensor(randomInts(Int8Array, k * n, -128, 127, rand), transposeB ? [n, k] : [k, n]);
        // Small integers: every float32 sum is exact, in any order.
        const af = tensor(Float32Array.from(a.data, (x) => (x % 17) - 8), [m, k]);
        const bf = tensor(Float32Array.from(b.data, (x) => x >> 4), b.shape);
        for (const [x, y] of [[a, b], [af, bf]] as const) {
          const want = referenceMatmul({ a: x, b: y, transposeA: false, transposeB });
          const perCall = matmul(x as Tensor<'float32'>, y as Tensor<'float32'>, { transposeB });
          const packed = matmul(x as Tensor<'float32'>, packWeights(y as Tensor<'float32'>, { transpose: transposeB }));
          for (const [how, got] of [['per call', perCall], ['packWeights', packed]] as const) {
            for (let i = 0; i < want.data.length; i++) {
              if (got.data[i] !== want.data[i]) assert.fail(`${x.dtype} ${how} element ${i}: got ${got.data[i]}, want ${want.data[i]}`);
            }
          }
        }
      }
      setNumThreads(machine.threads);
    });
  }
});

describe('out, zero sizes and the oneDNN exactness guard', () => {
  it('writes into out and returns it', () => {
    const a = tensor(new Int8Array([1, 2, 3, 4]), [2, 2]);
    const out = tensor(new Int32Array(4), [2, 2]);
    const result = matmul(a, tensor(new Int8Array([1, 0, 0, 1]), [2, 2]), { out });
    assert.equal(result, out);
    assert.deepEqual([...out.data], [1, 2, 3, 4]);
  });

  it('K = 0 gives zeros; M = 0 or N = 0 gives an empty result', () => {
    for (const backend of floatBackends) {
      const c = matmul(tensor(new Float32Array(0), [3, 0]), tensor(new Float32Array(0), [0, 2]), { backend });
      assert.deepEqual([...c.data], [0, 0, 0, 0, 0, 0]);
    }
    assert.deepEqual(matmul(tensor(new Int8Array(0), [0, 4]), tensor(new Int8Array(8), [4, 2])).shape, [0, 2]);
    assert.deepEqual(matmul(tensor(new Int8Array(4), [1, 4]), tensor(new Int8Array(0), [4, 0])).shape, [1, 0]);
  });

  it('oneDNN int8 is refused where it is not exact, and runs with allowInexact', { skip: !machine.backends.onednn || machine.backends.onednnInt8Exact }, () => {
    const a = tensor(new Uint8Array(64).fill(255), [4, 16]);
    const b = tensor(new Int8Array(64).fill(-128), [16, 4]);
    assert.throws(() => matmul(a, b, { backend: 'onednn' }), { code: 'ERR_QGEMM_INEXACT_BACKEND', name: 'RangeError' });
    // oneDNN's saturating path is exact while pair sums fit int16: uint8 A <= 127 does.
    const rand = rng(5);
    const small = tensor(randomInts(Uint8Array, 33 * 130, 0, 127, rand), [33, 130]);
    const w = tensor(randomInts(Int8Array, 130 * 47, -128, 127, rand), [130, 47]);
    const got = matmul(small, w, { backend: 'onednn', allowInexact: true });
    assert.deepEqual([...got.data], [...referenceMatmul({ a: small, b: w, transposeA: false, transposeB: false }).data]);
    // ...and full range shows why the guard exists.
    const wrong = matmul(a, b, { backend: 'onednn', allowInexact: true });
    assert.notDeepEqual([...wrong.data], [...matmul(a, b).data]);
  });
});
