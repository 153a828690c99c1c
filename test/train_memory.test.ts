/**
 * The memory options and the layers' step-to-step behaviour: int8-saved
 * activations (what is kept, and the gradients computed from it), the saved
 * bytes a model reports, the full int8 weight gradient at the layer level,
 * Int8Linear's lazy W-by-columns, reused buffers, and epochs run step by step.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { matmul, type Tensor } from '../lib';
import {
  Adam, epochSteps, gatherBatch, Int8Linear, Linear, quantizeRows, ReLU, Rng, Sequential, softmaxCrossEntropy, trainEpoch, type Dataset,
} from '../lib/train';
import { rng } from './helpers/reference';

function batch(rows: number, cols: number, seed: number): Tensor<'float32'> {
  const rand = rng(seed);
  return { dtype: 'float32', shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, () => rand() * 2 - 1) };
}

/** x with each row quantized per row and dequantized, as an int8-saving layer keeps it. */
function dequantizedRows(x: Tensor<'float32'>): Tensor<'float32'> {
  const [rows, cols] = x.shape;
  const { q, scales } = quantizeRows(x.data, rows, cols);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) out[r * cols + j] = Math.fround(q[r * cols + j] * scales[r]);
  return { dtype: 'float32', shape: [rows, cols], data: out };
}

describe('int8-saved activations', () => {
  const [rows, inF, outF] = [24, 50, 30];
  const x = batch(rows, inF, 1), dy = batch(rows, outF, 2);

  for (const Layer of [Linear, Int8Linear]) {
    it(`${Layer.name}: same forward and dx, dW from the dequantized input, a quarter of the bytes kept`, () => {
      const full = new Layer(inF, outF, new Rng(3), 'a');
      const small = new Layer(inF, outF, new Rng(3), 'b', { savedActivations: 'int8' });
      assert.deepEqual(small.forward(x, true).data, full.forward(x, true).data);
      assert.equal(full.savedForBackward().reduce((s, a) => s + a.byteLength, 0), 4 * rows * inF);
      assert.equal(small.savedForBackward().reduce((s, a) => s + a.byteLength, 0), rows * inF + 4 * rows);
      assert.deepEqual(small.backward(dy, true)!.data, full.backward(dy, true)!.data);
      assert.deepEqual(small.bias.grad, full.bias.grad);
      const want = matmul(dy, dequantizedRows(x), { transposeA: true }).data;
      assert.deepEqual(small.weight.grad, want);
      assert.notDeepEqual(small.weight.grad, full.weight.grad);
    });
  }

  it('Sequential.savedBytes counts a ReLU output and the next input once; int8 keeps ~1/4 (1 bit per ReLU value)', () => {
    const make = (saved: 'float32' | 'int8') => {
      const r = new Rng(4);
      return new Sequential([new Linear(inF, 64, r, 'l1', { savedActivations: saved }), new ReLU({ savedActivations: saved }), new Linear(64, 10, r, 'l2', { savedActivations: saved })]);
    };
    const [a, b] = [make('float32'), make('int8')];
    a.forward(x, true);
    b.forward(x, true);
    assert.equal(a.savedBytes(), 4 * rows * (inF + 64));
    assert.equal(b.savedBytes(), rows * (inF + 64) + 2 * 4 * rows + (rows * 64) / 8);
    assert.ok(a.savedBytes() / b.savedBytes() > 3.5);
    const y = Int32Array.from({ length: rows }, (_, i) => i % 10);
    for (const m of [a, b]) m.backward(softmaxCrossEntropy(m.forward(x, true), y).grad);
    // The first layer's dW differs only by the quantization of its saved input.
    const [wa, wb] = [a.params()[0].grad, b.params()[0].grad];
    let diff = 0, norm = 0;
    for (let i = 0; i < wa.length; i++) {
      diff += (wa[i] - wb[i]) ** 2;
      norm += wa[i] ** 2;
    }
    assert.ok(Math.sqrt(diff / norm) < 0.02, `relative dW difference ${Math.sqrt(diff / norm)}`);
  });
});

describe('Int8Linear', () => {
  const [rows, inF, outF] = [64, 40, 24];
  const x = batch(rows, inF, 5), dy = batch(rows, outF, 6);

  it('full int8: dW within a few percent of fp32\'s, db exact, deterministic for the seed', () => {
    const fp = new Linear(inF, outF, new Rng(7));
    const [a, b] = [0, 1].map(() => new Int8Linear(inF, outF, new Rng(7), 'i', { weightGrad: 'int8' }));
    assert.deepEqual(a.weight.data, fp.weight.data);
    for (const l of [fp, a, b]) {
      l.forward(x, true);
      l.backward(dy, false);
    }
    assert.deepEqual(a.weight.grad, b.weight.grad);
    assert.deepEqual(a.bias.grad, fp.bias.grad);
    let diff = 0, norm = 0;
    for (let i = 0; i < fp.weight.grad.length; i++) {
      diff += (a.weight.grad[i] - fp.weight.grad[i]) ** 2;
      norm += fp.weight.grad[i] ** 2;
    }
    assert.ok(Math.sqrt(diff / norm) < 0.05, `relative error ${Math.sqrt(diff / norm)}`);
    // The next step draws a new rounding seed.
    const before = a.weight.grad.slice();
    a.forward(x, true);
    a.backward(dy, false);
    assert.notDeepEqual(a.weight.grad, before);
  });

  it('smaller dW blocks: per-block scales still give the product', () => {
    const fp = new Linear(inF, outF, new Rng(8));
    const blocked = new Int8Linear(inF, outF, new Rng(8), 'i', { weightGrad: 'int8', block: 16 });
    for (const l of [fp, blocked]) {
      l.forward(x, true);
      l.backward(dy, false);
    }
    let diff = 0, norm = 0;
    for (let i = 0; i < fp.weight.grad.length; i++) {
      diff += (blocked.weight.grad[i] - fp.weight.grad[i]) ** 2;
      norm += fp.weight.grad[i] ** 2;
    }
    assert.ok(Math.sqrt(diff / norm) < 0.05, `relative error ${Math.sqrt(diff / norm)}`);
  });

  it("dX's pack is skipped after a backward without dX, and made when dX is asked for again", () => {
    const [a, b] = [0, 1].map(() => new Int8Linear(inF, outF, new Rng(9)));
    a.forward(x, true);
    a.backward(dy, false); // the first layer of a model: no dX, so the next forward skips dX's pack
    a.weight.data.forEach((w, i) => (a.weight.data[i] = b.weight.data[i] = w * 1.5 + 0.01)); // an optimizer step
    a.forward(x, true);
    const dxA = a.backward(dy, true)!.data.slice();
    b.forward(x, true);
    assert.deepEqual(dxA, b.backward(dy, true)!.data);
  });

  it('without the pack, dX still sees the W of its forward when a fused Adam step changes W in that backward', () => {
    const run = (fused: boolean) => {
      const layer = new Int8Linear(inF, outF, new Rng(9), 'f', { weightGrad: 'int8' });
      const opt = new Adam(layer.params(), { lr: 1e-2, fused });
      layer.forward(x, true);
      layer.backward(dy, false); // no dX: the next forward skips dX's pack, so the backward quantizes W again
      opt.step();
      layer.forward(x, true);
      const dx = layer.backward(dy, true)!.data.slice();
      opt.step();
      return { dx, w: layer.weight.data.slice() };
    };
    const fused = run(true), separate = run(false);
    assert.deepEqual(fused.dx, separate.dx);
    assert.deepEqual(fused.w, separate.w);
  });

  it('refuses bad options', () => {
    assert.throws(() => new Int8Linear(2, 2, new Rng(1), 'i', { weightGrad: 'fp16' as 'int8' }), RangeError);
    assert.throws(() => new Int8Linear(2, 2, new Rng(1), 'i', { block: -1 }), RangeError);
    assert.throws(() => new Linear(2, 2, new Rng(1), 'l', { savedActivations: 'int4' as 'int8' }), RangeError);
  });
});

describe('buffers and steps', () => {
  it('a training forward reuses its output buffer; an inference forward returns a fresh array', () => {
    const l = new Linear(8, 4, new Rng(1));
    const x = batch(3, 8, 1);
    const y1 = l.forward(x, true).data, y2 = l.forward(x, true).data;
    assert.equal(y1.buffer, y2.buffer);
    assert.notEqual(l.forward(x, false).data.buffer, y2.buffer);
  });

  it('gatherBatch: uint8 data read as float32(x * scale), into reused buffers', () => {
    const d: Dataset = { x: Uint8Array.from({ length: 5 * 4 }, (_, i) => i * 12), y: [0, 1, 2, 3, 4], features: 4, scale: Math.fround(1 / 255) };
    const into = { x: new Float32Array(8), bytes: new Uint8Array(8), y: new Int32Array(2) };
    const b = gatherBatch(d, [4, 1, 0, 2, 3], 0, 2, into);
    assert.equal(b.x.data.buffer, into.x.buffer);
    assert.deepEqual(Array.from(b.y), [4, 1]);
    assert.deepEqual(b.x.data, Float32Array.from([16, 17, 18, 19, 4, 5, 6, 7], (i) => Math.fround(i * 12 * Math.fround(1 / 255))));
  });

  it('epochSteps runs the same steps as trainEpoch', () => {
    const rand = rng(2);
    const d: Dataset = { x: Float32Array.from({ length: 300 * 6 }, () => rand()), y: Int32Array.from({ length: 300 }, (_, i) => i % 3), features: 6 };
    const losses = [0, 1].map((k) => {
      const model = new Sequential([new Linear(6, 16, new Rng(3)), new ReLU(), new Linear(16, 3, new Rng(4))]);
      const opt = new Adam(model.params(), { lr: 1e-2 });
      if (k === 0) return [trainEpoch(model, d, opt, { batchSize: 64, rng: new Rng(5) })];
      let total = 0;
      for (const s of epochSteps(model, d, opt, { batchSize: 64, rng: new Rng(5) })) total += s.loss * s.rows;
      return [total / 300];
    });
    assert.deepEqual(losses[1], losses[0]);
  });
});
