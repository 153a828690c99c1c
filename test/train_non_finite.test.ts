/**
 * One policy for NaN and infinity in training and float inference
 * (docs/TRAINING.md#non-finite-values): refuse with ERR_QGEMM_NOT_FINITE
 * naming where, before anything is written, or propagate NaN; never finite
 * numbers that hide a NaN.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { loadOnnx, MinMaxObserver, tensor, type Tensor } from '../lib';
import { Adam, Adam8bit, Int8Linear, Linear, QATLinear, ReLU, Rng, Sequential, SGD, softmaxCrossEntropy, type Param } from '../lib/train';
import { fixture, maxRelDiff, randomInput, runOrt } from './onnx_support';

describe('float models propagate NaN (ReLU keeps it, as torch.relu and onnxruntime)', () => {
  for (const [file, shape] of [['mlp_fashion.onnx', [4, 1, 28, 28]], ['gemm_attrs.onnx', [4, 4, 6]]] as const) {
    it(`${file}: a NaN input answers NaN in its row, the other rows as onnxruntime`, async (t) => {
      const bytes = fixture(file);
      const x = randomInput([...shape], 3, -2, 2);
      const per = x.data.length / shape[0];
      x.data[2 * per + 5] = NaN;
      const ours = loadOnnx(bytes).forward(x) as Tensor<'float32'>;
      const cols = ours.data.length / shape[0];
      for (let r = 0; r < shape[0]; r++) {
        const row = Array.from(ours.data.subarray(r * cols, (r + 1) * cols));
        assert.equal(row.every(Number.isNaN), r === 2, `row ${r}: ${row}`);
      }
      const ort = await runOrt(bytes, 'input', x);
      if (ort === null) return t.skip('onnxruntime-node is not installed');
      for (let i = 0; i < ort.data.length; i++) assert.equal(Number.isNaN(ort.data[i]), Number.isNaN(ours.data[i]), `element ${i}`);
      const finite = (d: ArrayLike<number>) => Array.from(d).filter((_, i) => Math.floor(i / cols) !== 2);
      assert.ok(maxRelDiff(finite(ours.data), finite(ort.data)) < 2e-6);
    });
  }
});

function grads(n: number, seed: number): Float32Array {
  return randomInput([n], seed, -1e-2, 1e-2).data;
}

describe('optimizers refuse a step whose gradients hold NaN or infinity', () => {
  const sizes = [5000, 100]; // Adam8bit: 8-bit state, then float32 state (under minBlockwiseSize)
  const make = (kind: string) => {
    const ps: Param[] = sizes.map((n, k) => ({ name: `layer${k}.weight`, data: grads(n, 40 + k).map((v) => v * 100), grad: new Float32Array(n) }));
    const opt = kind === 'SGD' ? new SGD(ps, { lr: 0.1, momentum: 0.9 }) : kind === 'Adam' ? new Adam(ps) : new Adam8bit(ps);
    const step = (seed: number) => {
      ps.forEach((p, k) => p.grad.set(grads(p.grad.length, seed + k)));
      opt.step();
    };
    return { ps, opt, step };
  };
  for (const kind of ['Adam8bit', 'Adam', 'SGD']) {
    for (const [bad, where] of [[Infinity, 1], [-Infinity, 0], [NaN, 0], [NaN, 1]] as const) {
      it(`${kind}: ${bad} in ${sizes[where] > 4096 ? 'a block-wise' : 'a float32-state'} gradient throws naming the parameter; params and state stay bit-identical, the next clean step is the step never refused`, () => {
        const a = make(kind), b = make(kind);
        for (const o of [a, b]) o.step(1);
        const before = a.ps.map((p) => p.data.slice());
        const moments = a.opt instanceof Adam8bit ? sizes.map((_, k) => (a.opt as Adam8bit).moments(k)) : undefined;
        a.ps.forEach((p, k) => p.grad.set(grads(p.grad.length, 7 + k)));
        a.ps[where].grad[42] = bad;
        assert.throws(() => a.opt.step(), { code: 'ERR_QGEMM_NOT_FINITE', message: new RegExp(`^${kind}: the gradient of layer${where}\\.weight holds ${bad} \\(at index 42\\); step refused`) });
        a.ps.forEach((p, k) => assert.deepEqual(p.data, before[k]));
        if (moments) sizes.forEach((_, k) => assert.deepEqual((a.opt as Adam8bit).moments(k), moments[k]));
        for (const o of [a, b]) o.step(2);
        a.ps.forEach((p, k) => assert.deepEqual(p.data, b.ps[k].data, 'the refused step left no trace'));
        assert.ok(a.ps.every((p) => p.data.every(Number.isFinite)));
      });
    }
  }
});

describe('quantizing layers apply nonFinite to dy in backward (their int8 GEMMs would read NaN as 0)', () => {
  const [batch, inF, outF] = [5, 12, 7];
  const x = randomInput([batch, inF], 11);
  const dyClean = randomInput([batch, outF], 12);
  type Layer = Int8Linear | QATLinear;
  const kinds: [string, (nonFinite?: 'throw' | 'propagate') => Layer][] = [
    ['Int8Linear (SwitchBack)', (nonFinite) => new Int8Linear(inF, outF, new Rng(5), 'fc1', { nonFinite })],
    ['Int8Linear (full int8)', (nonFinite) => new Int8Linear(inF, outF, new Rng(5), 'fc1', { nonFinite, weightGrad: 'int8', block: 2 })],
    ['QATLinear', (nonFinite) => new QATLinear(inF, outF, new Rng(5), 'fc1', { nonFinite })],
  ];
  const withBad = (v: number, zeroed = false) => {
    const d = Float32Array.from(dyClean.data);
    if (zeroed) d.fill(0, 3 * outF, 4 * outF);
    else d[3 * outF + 2] = v;
    return tensor(d, [batch, outF]) as Tensor<'float32'>;
  };
  const grads = (l: Layer) => [l.weight.grad.slice(), l.bias.grad.slice()];
  for (const [name, make] of kinds) {
    for (const bad of [NaN, Infinity]) {
      it(`${name}: ${bad} in dy throws naming the layer, before writing dW, db, dx or drawing a rounding seed`, () => {
        const layer = make(), twin = make();
        for (const l of [layer, twin]) l.forward(x, true);
        const dxBuffer = layer.backward(dyClean, true)!.data, dx0 = dxBuffer.slice();
        twin.backward(dyClean, true);
        const before = grads(layer);
        assert.throws(() => layer.backward(withBad(bad), true), {
          code: 'ERR_QGEMM_NOT_FINITE',
          message: new RegExp(`^${name.split(' ')[0]} 'fc1' backward: dy row 3 holds ${bad} \\(dy\\[3\\]\\[2\\]\\)`),
        });
        assert.deepEqual(grads(layer), before);
        assert.deepEqual(dxBuffer, dx0);
        twin.forward(x, true);
        layer.forward(x, true);
        assert.deepEqual(layer.backward(dyClean, true)!.data, twin.backward(dyClean, true)!.data);
        assert.deepEqual(grads(layer), grads(twin), 'the refused call left no trace (int8: the same rounding seeds)');
      });
      it(`${name}: ${bad} in dy with nonFinite 'propagate' gives NaN in dx's row, dW's row and db's entry it reaches`, () => {
        const layer = make('propagate'), twin = make();
        for (const l of [layer, twin]) l.forward(x, true);
        const dx = layer.backward(withBad(bad), true)!.data.slice();
        const want = twin.backward(withBad(0, true), true)!.data;
        for (let i = 0; i < dx.length; i++) assert.ok(Math.floor(i / inF) === 3 ? Number.isNaN(dx[i]) : Object.is(dx[i], want[i]), `dx[${i}]`);
        const [dw, db] = grads(layer), [dwWant, dbWant] = grads(twin);
        for (let i = 0; i < dw.length; i++) assert.ok(Math.floor(i / inF) === 2 ? Number.isNaN(dw[i]) : Object.is(dw[i], dwWant[i]), `dW[${i}]`);
        for (let j = 0; j < outF; j++) assert.ok(j === 2 ? Number.isNaN(db[j]) : Object.is(db[j], dbWant[j]), `db[${j}]`);
      });
    }
  }
});

describe('a NaN in a training batch can no longer hide', () => {
  it('fp32 Linear-ReLU-Linear: the loss is NaN and Adam refuses the step, weights untouched (it corrupted them with a finite loss)', () => {
    const r = new Rng(3);
    const model = new Sequential([new Linear(20, 16, r, 'l1'), new ReLU(), new Linear(16, 4, r, 'l2')]);
    const opt = new Adam(model.params());
    const xb = randomInput([8, 20], 4);
    xb.data[5 * 20 + 7] = NaN;
    const before = model.params().map((p) => p.data.slice());
    const { loss, grad } = softmaxCrossEntropy(model.forward(xb, true), [0, 1, 2, 3, 0, 1, 2, 3]);
    assert.ok(Number.isNaN(loss), `loss ${loss}`);
    model.backward(grad, false);
    assert.throws(() => opt.step(), { code: 'ERR_QGEMM_NOT_FINITE', message: /^Adam: the gradient of l1\.weight holds NaN/ });
    model.params().forEach((p, k) => assert.deepEqual(p.data, before[k]));
  });

  it('softmaxCrossEntropy propagates NaN and +Infinity logits into the loss and that row of the gradient', () => {
    for (const bad of [NaN, Infinity]) {
      const logits = tensor(Float32Array.of(1, 2, 3, 0.5, bad, -1, 2, 2, 2), [3, 3]) as Tensor<'float32'>;
      const { loss, grad } = softmaxCrossEntropy(logits, [2, 0, 1]);
      assert.ok(Number.isNaN(loss));
      assert.deepEqual(Array.from(grad.data).map(Number.isNaN), [false, false, false, true, true, true, false, false, false]);
    }
  });
});

describe('QATLinear: a batch whose range overflows the scale is refused, not averaged in', () => {
  const normal = randomInput([4, 6], 21);
  const huge = randomInput([4, 6], 22);
  huge.data[3] = 3e38;
  huge.data[9] = -3e38;
  it('as the first batch: one ERR_QGEMM_NOT_FINITE naming the layer, then training goes on as if it never came (it failed the next 56 batches)', () => {
    const layer = new QATLinear(6, 3, new Rng(1), 'q1'), twin = new QATLinear(6, 3, new Rng(1), 'q1');
    assert.throws(() => layer.forward(huge, true), { code: 'ERR_QGEMM_NOT_FINITE', message: /^QATLinear 'q1': this batch makes the observed range .* batch refused, observer unchanged/ });
    for (let i = 0; i < 3; i++) assert.deepEqual(layer.forward(normal, true).data, twin.forward(normal, true).data);
    assert.deepEqual(layer.inputQParams(), twin.inputQParams());
  });
  it('later, with a running min-max observer: the qparams stay those of the batches before', () => {
    const layer = new QATLinear(6, 3, new Rng(1), 'q2', { observer: new MinMaxObserver() });
    layer.forward(normal, true);
    const before = layer.inputQParams();
    assert.throws(() => layer.forward(huge, true), { code: 'ERR_QGEMM_NOT_FINITE' });
    assert.deepEqual(layer.inputQParams(), before);
  });
});
