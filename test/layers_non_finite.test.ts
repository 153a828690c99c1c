/**
 * One policy for NaN and +-Infinity in float-in layers: QuantizedLinear (every
 * activation mode, sync and async) throws ERR_QGEMM_NOT_FINITE naming the row,
 * or with nonFinite: 'propagate' writes NaN across that output row and computes
 * the others as if the bad row were zeros; so do the training layers' quantizing
 * paths (Int8Linear, QATLinear). quantizeLinear keeps ONNX's rule
 * (NaN -> 0), tested in quant_onnx.test.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { Int8Linear, QATLinear, QuantizedLinear, Rng, tensor, type QuantizedLinearOptions, type Tensor } from '../lib';

const [inF, outF] = [6, 3];
const weight = tensor(Float32Array.from({ length: outF * inF }, (_, i) => ((i * 7) % 11) / 10 - 0.5), [outF, inF]);
const bias = new Float32Array([0.25, -0.5, 1]);
const rows = (values: number[][]) => tensor(Float32Array.from(values.flat()), [values.length, inF]);
const good = [[1, 2, 3, 4, 5, 6], [-1, 0.5, 0, 2, -3, 1], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]];

const modes: [string, QuantizedLinearOptions][] = [
  ['dynamic per row', {}],
  ['dynamic per tensor', { perRow: false }],
  ['static uint8', { activation: 'static', input: { scale: 0.05, zeroPoint: 128 } }],
  ['static int8', { activation: 'static', input: { scale: 0.05, zeroPoint: 0, dtype: 'int8' } }],
];

describe('QuantizedLinear with NaN or infinite input', () => {
  for (const [label, options] of modes) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      it(`${label}: ${bad} throws ERR_QGEMM_NOT_FINITE naming the row, sync and async`, async () => {
        const layer = new QuantizedLinear(weight, bias, options);
        const x = rows([good[0], [1, 2, 3, 4, bad, 6], good[2]]);
        const check = (e: Error & { code?: string }) => {
          assert.equal(e.code, 'ERR_QGEMM_NOT_FINITE');
          assert.equal(e.name, 'RangeError');
          assert.match(e.message, new RegExp(`x row 1 holds ${String(bad)} \\(x\\[1\\]\\[4\\]\\)`));
          assert.match(e.message, /nonFinite: 'propagate'/);
          return true;
        };
        assert.throws(() => layer.forward(x), check);
        await assert.rejects(layer.forwardAsync(x), check);
      });

      it(`${label}: ${bad} with nonFinite 'propagate' gives NaN in that row only`, async () => {
        const layer = new QuantizedLinear(weight, bias, { ...options, nonFinite: 'propagate' });
        const clean = new QuantizedLinear(weight, bias, options).forward(rows([good[0], [0, 0, 0, 0, 0, 0], good[2]]));
        const x = rows([good[0], [1, 2, bad, 4, 5, 6], good[2]]);
        for (const y of [layer.forward(x), await layer.forwardAsync(x)] as Tensor<'float32'>[]) {
          assert.deepEqual(Array.from(y.data.subarray(outF, 2 * outF)), [NaN, NaN, NaN]);
          // The other rows are what they are without the bad row (it is zeroed before quantizing).
          assert.deepEqual(Array.from(y.data.subarray(0, outF)), Array.from(clean.data.subarray(0, outF)));
          assert.deepEqual(Array.from(y.data.subarray(2 * outF)), Array.from(clean.data.subarray(2 * outF)));
          assert.ok(y.data.subarray(0, outF).every(Number.isFinite));
        }
      });
    }
  }

  it('names the first bad row and counts the others', () => {
    const layer = new QuantizedLinear(weight);
    const x = rows([good[0], good[1], [NaN, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, Infinity]]);
    assert.throws(() => layer.forward(x), /x row 2 holds NaN \(x\[2\]\[0\]\), and 1 more rows do too/);
  });

  it("refuses nonFinite 'propagate' with an int8/uint8 output, and unknown values", () => {
    const input = { scale: 0.05, zeroPoint: 128 };
    assert.throws(() => new QuantizedLinear(weight, bias, { activation: 'static', input, output: input, nonFinite: 'propagate' }), { code: 'ERR_QGEMM_OPTION' });
    assert.throws(() => new QuantizedLinear(weight, bias, { nonFinite: 'zero' as never }), { code: 'ERR_QGEMM_OPTION' });
  });

  it('an int8/uint8-out static layer refuses a NaN row too', () => {
    const q = { scale: 0.05, zeroPoint: 128 };
    const layer = new QuantizedLinear(weight, bias, { activation: 'static', input: q, output: q });
    assert.throws(() => layer.forward(rows([[1, NaN, 0, 0, 0, 0]])), { code: 'ERR_QGEMM_NOT_FINITE' });
  });

  it('already-quantized int8 input has no NaN to check and runs', () => {
    const q = { scale: 0.05, zeroPoint: 0, dtype: 'int8' as const };
    const layer = new QuantizedLinear(weight, bias, { activation: 'static', input: q });
    assert.equal(layer.forward(tensor(new Int8Array(inF), [1, inF])).data.length, outF);
  });
});

describe('the training layers (their quantizing paths) with NaN or infinite input', () => {
  const layers = [
    ['Int8Linear', (nonFinite?: 'throw' | 'propagate') => new Int8Linear(inF, outF, new Rng(5), 'int8', { nonFinite })],
    ['QATLinear', (nonFinite?: 'throw' | 'propagate') => new QATLinear(inF, outF, new Rng(5), 'qat', { nonFinite })],
  ] as const;
  for (const [name, make] of layers) {
    for (const training of [true, false]) {
      it(`${name} (training ${training}): throws ERR_QGEMM_NOT_FINITE naming the row, before touching its state`, () => {
        const layer = make();
        layer.forward(rows(good), true); // calibrates QATLinear's observer
        const before = layer instanceof QATLinear ? layer.inputQParams() : undefined;
        assert.throws(() => layer.forward(rows([good[0], good[1], [0, 0, 0, -Infinity, 0, 0]]), training), {
          code: 'ERR_QGEMM_NOT_FINITE',
          message: new RegExp(`^${name}: x row 2 holds -Infinity \\(x\\[2\\]\\[3\\]\\)`),
        });
        if (layer instanceof QATLinear) assert.deepEqual(layer.inputQParams(), before);
      });
      it(`${name} (training ${training}): nonFinite 'propagate' gives NaN in that row only`, () => {
        const layer = make('propagate');
        const reference = make();
        layer.forward(rows(good), true);
        reference.forward(rows(good), true);
        const y = layer.forward(rows([good[0], [NaN, 1, 1, 1, 1, 1], good[2]]), training);
        const want = reference.forward(rows([good[0], [0, 0, 0, 0, 0, 0], good[2]]), training);
        assert.deepEqual(Array.from(y.data.subarray(outF, 2 * outF)), [NaN, NaN, NaN]);
        assert.deepEqual(Array.from(y.data.subarray(0, outF)), Array.from(want.data.subarray(0, outF)));
        assert.deepEqual(Array.from(y.data.subarray(2 * outF)), Array.from(want.data.subarray(2 * outF)));
      });
    }
  }
  it('refuses an unknown policy', () => {
    assert.throws(() => new Int8Linear(2, 2, new Rng(1), 'x', { nonFinite: 'skip' as never }), { code: 'ERR_QGEMM_OPTION' });
    assert.throws(() => new QATLinear(2, 2, new Rng(1), 'x', { nonFinite: 'skip' as never }), { code: 'ERR_QGEMM_OPTION' });
  });
});

it('the training layers name themselves when x is not a float32 [batch, in] tensor', () => {
  const int8 = new Int8Linear(inF, outF, new Rng(5));
  const qat = new QATLinear(inF, outF, new Rng(5));
  assert.throws(() => int8.forward(tensor(new Float32Array(10), [2, 5]), true), { code: 'ERR_QGEMM_SHAPE', message: /^Int8Linear: x must be a float32 tensor \[batch, 6\], got float32 \[2, 5\]/ });
  assert.throws(() => qat.forward(new Float32Array(12) as never, true), { code: 'ERR_QGEMM_ARG_TYPE', message: /^QATLinear: x must be a tensor .*wrap it/ });
});
