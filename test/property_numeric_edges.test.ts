/**
 * Numeric edges, documented in docs/RELIABILITY.md: NaN and infinities in
 * quantize (ONNX saturating behaviour: NaN -> 0, +-Infinity saturate), denormal
 * and huge scales, and int32 accumulators that overflow past the documented K
 * limits (65793 for u8s8, 131071 for s8s8): results wrap modulo 2^32,
 * identically on every ISA cap, sync, async and packed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  dynamicQuantizeLinear, info, matmul, matmulAsync, packWeights, quantizedMatmul, quantizeLinear, setMaxIsa, tensor,
} from '../lib';
import { referenceMatmul } from './helpers/reference';

const machine = info();
const isas = machine.isas;
after(() => setMaxIsa('all'));

describe('numeric edges: quantize', () => {
  it('NaN quantizes to 0 (whatever the zero point), +-Infinity saturate', () => {
    const x = tensor(new Float32Array([NaN, Infinity, -Infinity, -0, 3e38, -3e38]));
    assert.deepEqual([...quantizeLinear(x, 0.5, 10, { dtype: 'uint8' }).data], [0, 255, 0, 10, 255, 0]);
    assert.deepEqual([...quantizeLinear(x, 0.5, -3, { dtype: 'int8' }).data], [0, 127, -128, -3, 127, -128]);
  });
  it('denormal and huge scales: x / scale in float32, then saturate', () => {
    const x = tensor(new Float32Array([1, -1, 1e-40, 0]));
    // 1 / 1e-40 overflows float32 to Infinity: saturates; 1e-40 / 1e-40 = 1.
    assert.deepEqual([...quantizeLinear(x, 1e-40, 0, { dtype: 'int8' }).data], [127, -128, 1, 0]);
    // 1 / 3e38 underflows towards 0: the zero point.
    assert.deepEqual([...quantizeLinear(x, 3e38, 7, { dtype: 'uint8' }).data], [7, 7, 7, 7]);
  });
  it('dynamicQuantizeLinear skips NaN and refuses infinities', () => {
    const d = dynamicQuantizeLinear(tensor(new Float32Array([NaN, -1, 1])));
    assert.equal(d.y.data[0], 0);
    assert.throws(() => dynamicQuantizeLinear(tensor(new Float32Array([1, Infinity]))), { code: 'ERR_QGEMM_NOT_FINITE' });
  });
  it('epilogue scales that are denormal or huge follow the float32 formula (Infinity, 0, saturation)', () => {
    const a = tensor(new Uint8Array([200, 3]), [1, 2]);
    const b = tensor(new Int8Array([100, -100]), [2, 1]);
    // acc = 200*100 + 3*-100 = 19700
    const tiny = quantizedMatmul(a, b, { aScale: 1e-45, bScale: 1e-5 });
    assert.equal(tiny.data[0], 0); // 1.4e-45 * 1e-5 underflows to 0 in float32
    const huge = quantizedMatmul(a, b, { aScale: 3e38, bScale: 10 });
    assert.equal(huge.data[0], Infinity);
    assert.equal(quantizedMatmul(a, b, { aScale: 3e38, bScale: 10, outputType: 'int8' }).data[0], 127);
    assert.throws(() => quantizedMatmul(a, b, { aScale: 1e-50 }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => quantizedMatmul(a, b, { bScale: 1e39 }), { code: 'ERR_QGEMM_SCALE' });
  });
});

describe('numeric edges: int32 accumulators past the exactness limit wrap modulo 2^32 on every ISA', () => {
  const cases = [
    { name: 'u8s8 at K=65793 (exact)', k: 65793, a: 'uint8', av: 255, bv: -128 },
    { name: 'u8s8 at K=65794 (wraps)', k: 65794, a: 'uint8', av: 255, bv: -128 },
    { name: 's8s8 at K=131071 (exact)', k: 131071, a: 'int8', av: -128, bv: -128 },
    { name: 's8s8 at K=131073 (wraps)', k: 131073, a: 'int8', av: -128, bv: -128 },
    { name: 's8s8 mixed signs at K=200000 (wraps)', k: 200000, a: 'int8', av: 127, bv: -128 },
  ] as const;
  for (const isa of isas) {
    for (const c of cases) {
      it(`${c.name}, ISA cap ${isa}: sync, async and packed agree with the |0 reference`, async () => {
        setMaxIsa(isa);
        const [m, n] = [2, 3];
        const aData = c.a === 'uint8' ? new Uint8Array(m * c.k).fill(c.av) : new Int8Array(m * c.k).fill(c.av);
        aData[1] = c.a === 'uint8' ? 7 : -7; // one element off the constant, so rows differ
        const a = tensor(aData as Int8Array, [m, c.k]);
        const b = tensor(new Int8Array(c.k * n).fill(c.bv), [c.k, n]);
        const want = referenceMatmul({ a, b, transposeA: false, transposeB: false }).data;
        const exact = Number(c.av) * Number(c.bv) * c.k;
        const wraps = exact < -(2 ** 31) || exact > 2 ** 31 - 1;
        assert.equal(want[n] !== exact, wraps, 'the reference wraps exactly when the sum leaves int32');
        const w = packWeights(b);
        for (const got of [matmul(a, b), await matmulAsync(a, b), matmul(a, w)]) {
          assert.deepEqual([...got.data], [...want]);
        }
        w.dispose();
      });
    }
  }
});
