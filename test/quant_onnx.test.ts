/**
 * ONNX QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear against
 * fixtures from onnx 1.12's operator examples and a numpy float32 reference
 * (scripts/make_quant_fixtures.py): exact equality, element by element.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear, roundHalfEven, tensor, type Tensor } from '../lib';

// Fixture arrays: base64 little-endian bytes with a shape.
type Enc = { shape: number[]; f32?: string; i8?: string; u8?: string; i32?: string };
function dec(e: Enc): Tensor {
  const [kind, b64] = Object.entries(e).find(([k]) => k !== 'shape') as [string, string];
  const buf = Buffer.from(b64, 'base64');
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const C = { f32: Float32Array, i8: Int8Array, u8: Uint8Array, i32: Int32Array }[kind]!;
  return tensor(new C(ab), e.shape);
}
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/quant/onnx.json'), 'utf8'));

function code(c: string) {
  return (e: unknown) => (e as { code?: string }).code === c;
}

describe('roundHalfEven', () => {
  it('rounds ties to even and leaves the rest to nearest', () => {
    const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [-0.5, -0], [-1.5, -2], [-2.5, -2], [2.4999, 2], [-3.7, -4], [1e300, 1e300]];
    for (const [x, y] of cases) assert.ok(roundHalfEven(x) === y, String(x)); // === : -0 and 0 alike
    assert.ok(Number.isNaN(roundHalfEven(NaN)));
  });
});

describe('ONNX fixtures', () => {
  for (const c of fixtures.cases) {
    it(`${c.op} ${c.name} (${c.source})`, () => {
      const x = dec(c.x);
      if (c.op === 'DynamicQuantizeLinear') {
        const r = dynamicQuantizeLinear(x as Tensor<'float32'>);
        assert.equal(r.scale, c.scale);
        assert.equal(r.zeroPoint, c.zeroPoint);
        assert.deepEqual(r.y.shape, c.y.shape);
        assert.deepEqual(Array.from(r.y.data), Array.from(dec(c.y).data));
        return;
      }
      const scale = dec(c.scale);
      const zp = c.zeroPoint ? dec(c.zeroPoint) : undefined;
      const y =
        c.op === 'QuantizeLinear'
          ? quantizeLinear(x as Tensor<'float32'>, scale as Tensor<'float32'>, zp as Tensor<'uint8'>, { axis: c.axis })
          : dequantizeLinear(x as Tensor<'int8'>, scale as Tensor<'float32'>, zp as Tensor<'int8'>, { axis: c.axis });
      const want = dec(c.y);
      assert.equal(y.dtype, want.dtype);
      assert.deepEqual(y.shape, want.shape);
      assert.deepEqual(Array.from(y.data), Array.from(want.data));
    });
  }
});

describe('quantizeLinear arguments', () => {
  const x = tensor(new Float32Array([0.1, -0.2, 0.3, 0.4, 1.5, -6]), [2, 3]);
  it('defaults to uint8 with zero point 0, and takes dtype for a number zero point', () => {
    assert.equal(quantizeLinear(x, 0.1).dtype, 'uint8');
    const y = quantizeLinear(x, 0.1, -3, { dtype: 'int8' });
    assert.equal(y.dtype, 'int8');
    assert.deepEqual(Array.from(y.data), [-2, -5, 0, 1, 12, -63]);
  });
  it('accepts a bare Float32Array and per-axis Float32Array scales', () => {
    const y = quantizeLinear(x, new Float32Array([1, 0.1, 0.5]), new Int8Array(3));
    assert.deepEqual(Array.from(y.data), [0, -2, 1, 0, 15, -12]);
    assert.deepEqual(Array.from(quantizeLinear(new Float32Array([1, 2.5]), 1).data), [1, 2]);
  });
  it('maps NaN to 0 (numpy cast) and saturates infinities', () => {
    const y = quantizeLinear(new Float32Array([NaN, Infinity, -Infinity]), 1, 128);
    assert.deepEqual(Array.from(y.data), [0, 255, 0]);
  });
  it('throws coded errors', () => {
    for (const s of [0, -1, NaN, Infinity]) assert.throws(() => quantizeLinear(x, s), code('ERR_QGEMM_SCALE'));
    assert.throws(() => quantizeLinear(x, new Float32Array([1, 0, 1])), code('ERR_QGEMM_SCALE'));
    assert.throws(() => quantizeLinear(x, 1, 256), code('ERR_QGEMM_ZERO_POINT'));
    assert.throws(() => quantizeLinear(x, 1, 1.5), code('ERR_QGEMM_ZERO_POINT'));
    assert.throws(() => quantizeLinear(x, 1, -129, { dtype: 'int8' }), code('ERR_QGEMM_ZERO_POINT'));
    assert.throws(() => quantizeLinear(x, new Float32Array([1, 1])), code('ERR_QGEMM_AXIS'));
    assert.throws(() => quantizeLinear(x, new Float32Array([1, 1, 1]), new Uint8Array(2)), code('ERR_QGEMM_AXIS'));
    assert.throws(() => quantizeLinear(x, new Float32Array([1, 1]), undefined, { axis: 2 }), code('ERR_QGEMM_AXIS'));
    assert.throws(() => quantizeLinear(new Float32Array(3), new Float32Array([1, 1, 1])), code('ERR_QGEMM_AXIS'));
    assert.throws(() => quantizeLinear(x, 1, new Int8Array(1), { dtype: 'uint8' }), code('ERR_QGEMM_DTYPE'));
  });
});

describe('dequantizeLinear arguments', () => {
  it('per-axis with a negative axis, int32 without zero point', () => {
    const x = tensor(new Int8Array([1, 2, 3, 4]), [2, 2]);
    const y = dequantizeLinear(x, new Float32Array([0.5, 2]), new Int8Array([1, -1]), { axis: -1 });
    assert.deepEqual(Array.from(y.data), [0, 6, 1, 10]);
    assert.deepEqual(Array.from(dequantizeLinear(new Int32Array([16777217, -3]), 1).data), [16777216, -3]);
  });
  it('throws coded errors', () => {
    assert.throws(() => dequantizeLinear(new Int32Array(2), 1, new Int32Array([1])), code('ERR_QGEMM_ZERO_POINT'));
    assert.throws(() => dequantizeLinear(new Uint8Array(2), 1, new Int8Array([1])), code('ERR_QGEMM_DTYPE'));
    assert.throws(() => dequantizeLinear(new Uint8Array(2), -1), code('ERR_QGEMM_SCALE'));
  });
});

describe('dynamicQuantizeLinear edge cases', () => {
  it('all zeros gives scale 1, zero point 0 (ONNX Runtime), empty throws', () => {
    const r = dynamicQuantizeLinear(new Float32Array(4));
    assert.equal(r.scale, 1);
    assert.equal(r.zeroPoint, 0);
    assert.throws(() => dynamicQuantizeLinear(new Float32Array(0)), code('ERR_QGEMM_EMPTY'));
    assert.throws(() => dynamicQuantizeLinear(new Float32Array([1, Infinity])), code('ERR_QGEMM_NOT_FINITE'));
  });
  it('skips NaN for the range and quantizes it to 0', () => {
    const r = dynamicQuantizeLinear(new Float32Array([NaN, -1, 1]));
    assert.equal(r.zeroPoint, 127); // float32(1 / float32(2 / 255)) = 127.49999
    assert.equal(r.y.data[2], 254);
    assert.equal(r.y.data[0], 0);
  });
});

describe('the out option (no fresh array per call)', () => {
  const x = tensor(Float32Array.from({ length: 600 }, (_, i) => Math.sin(i) * 3), [20, 30]);
  for (const bare of [false, true]) {
    const kind = bare ? 'a bare TypedArray' : 'a tensor';
    it(`quantizeLinear / dequantizeLinear / dynamicQuantizeLinear write into ${kind} and give the same values`, () => {
      const q8 = tensor(new Int8Array(600), [20, 30]);
      const q = quantizeLinear(x, 0.02, 3, { dtype: 'int8', out: bare ? q8.data : q8 });
      if (!bare) assert.equal(q, q8);
      assert.equal(q.data, q8.data);
      assert.deepEqual(q.shape, [20, 30]);
      assert.deepEqual(q, quantizeLinear(x, 0.02, 3, { dtype: 'int8' }));
      // out's dtype picks the output dtype when neither the zero point nor options.dtype does.
      assert.equal(quantizeLinear(x, 0.02, 3, { out: new Int8Array(600) }).dtype, 'int8');
      const per = tensor(new Uint8Array(600), [20, 30]);
      assert.deepEqual(quantizeLinear(x, new Float32Array(30).fill(0.01), new Uint8Array(30).fill(128), { out: bare ? per.data : per }).data,
        quantizeLinear(x, new Float32Array(30).fill(0.01), new Uint8Array(30).fill(128)).data);
      const f = tensor(new Float32Array(600), [20, 30]);
      const d = dequantizeLinear(q, 0.02, 3, { out: bare ? f.data : f });
      assert.equal(d.data, f.data);
      assert.deepEqual(d, dequantizeLinear(q, 0.02, 3));
      const u = tensor(new Uint8Array(600), [20, 30]);
      const dq = dynamicQuantizeLinear(x, { out: bare ? u.data : u });
      assert.equal(dq.y.data, u.data);
      assert.deepEqual(dq, dynamicQuantizeLinear(x));
    });
  }
  it('refuses an out of the wrong dtype, shape or length, or sharing memory with x (ERR_QGEMM_OUT)', () => {
    const out = (fn: () => unknown, message: RegExp) => assert.throws(fn, { code: 'ERR_QGEMM_OUT', message });
    out(() => quantizeLinear(x, 0.02, 3, { dtype: 'int8', out: new Uint8Array(600) }), /must be an int8 tensor or an Int8Array, got Uint8Array/);
    out(() => quantizeLinear(x, 0.02, new Uint8Array([3]), { out: tensor(new Int8Array(600), [20, 30]) }), /must be a uint8 tensor/);
    out(() => quantizeLinear(x, 0.02, 3, { out: tensor(new Uint8Array(600), [30, 20]) }), /shape \[20, 30\], got \[30, 20\]/);
    out(() => quantizeLinear(x, 0.02, 3, { out: new Uint8Array(599) }), /hold 600 elements, got 599/);
    out(() => dequantizeLinear(new Int8Array(8), 0.5, 0, { out: new Float32Array(7) }), /hold 8 elements/);
    out(() => dequantizeLinear(new Int8Array(8), 0.5, 0, { out: new Int32Array(8) as never }), /float32 tensor or a Float32Array/);
    const shared = new Float32Array(8);
    out(() => quantizeLinear(shared, 0.5, 0, { out: new Uint8Array(shared.buffer, 0, 8) }), /share memory/);
    const bytes = new Uint8Array(16);
    out(() => dequantizeLinear(bytes.subarray(0, 4), 0.5, 0, { out: new Float32Array(bytes.buffer, 0, 4) }), /share memory/);
    out(() => dynamicQuantizeLinear(x, { out: new Uint8Array(10) }), /600 elements/);
    assert.throws(() => quantizeLinear(x, 0.02, 3, { out: 'x' as never }), { code: 'ERR_QGEMM_ARG_TYPE' });
  });
});
