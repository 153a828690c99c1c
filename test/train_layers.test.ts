/**
 * The training toolkit: Linear / ReLU / softmax cross-entropy backward against
 * finite differences, the optimizers against hand-computed torch steps,
 * seeded initialisation, and small seeded training runs that learn.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { tensor, type Tensor } from '../lib';
import {
  accuracy, Adam, Int8Linear, kaimingUniform, Linear, QATLinear, ReLU, Rng, Sequential, SGD, softmaxCrossEntropy, trainEpoch, type Dataset, type Param,
} from '../lib/train';

function randn(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (rng.next() + rng.next() + rng.next() - 1.5);
  return a;
}

/** Central differences of loss() with respect to data[i] (float32 storage, float64 loss). */
function numericGrad(data: Float32Array, i: number, loss: () => number, h = 2 ** -8): number {
  const v = data[i];
  data[i] = v + h;
  const up = loss();
  data[i] = v - h;
  const down = loss();
  data[i] = v;
  return (up - down) / (2 * h);
}

function close(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

describe('backward passes against finite differences', () => {
  const rng = new Rng(5);

  it('Linear: dW, db and dx of sum(y * r)', () => {
    const layer = new Linear(7, 5, rng);
    const x = tensor(randn(3 * 7, rng), [3, 7]);
    const r = randn(3 * 5, rng);
    const loss = () => layer.forward(x, false).data.reduce((s, y, i) => s + y * r[i], 0);
    layer.forward(x, true);
    const dx = layer.backward(tensor(r, [3, 5]), true)!;
    for (let i = 0; i < 35; i += 3) close(layer.weight.grad[i], numericGrad(layer.weight.data, i, loss), 1e-3, `dW[${i}]`);
    for (let i = 0; i < 5; i++) close(layer.bias.grad[i], numericGrad(layer.bias.data, i, loss), 1e-3, `db[${i}]`);
    for (let i = 0; i < 21; i += 2) close(dx.data[i], numericGrad(x.data as Float32Array, i, loss), 1e-3, `dx[${i}]`);
  });

  it('ReLU: dx away from the kink', () => {
    const relu = new ReLU();
    const x = tensor(Float32Array.of(-1.5, -0.25, 0.25, 2, 3.5, -4), [2, 3]);
    const r = Float32Array.of(1, 2, 3, 4, 5, 6);
    const loss = () => relu.forward(x, false).data.reduce((s, y, i) => s + y * r[i], 0);
    relu.forward(x, true);
    const dx = relu.backward(tensor(r, [2, 3]));
    for (let i = 0; i < 6; i++) close(dx.data[i], numericGrad(x.data as Float32Array, i, loss), 1e-6, `dx[${i}]`);
  });

  it('softmax cross-entropy: loss value and dlogits', () => {
    const logits = tensor(randn(4 * 6, rng, 3), [4, 6]);
    const labels = [0, 5, 2, 2];
    const { loss, grad } = softmaxCrossEntropy(logits, labels);
    // Loss by the definition, in float64.
    let ref = 0;
    for (let r = 0; r < 4; r++) {
      const row = Array.from(logits.data.subarray(r * 6, r * 6 + 6));
      ref += Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[labels[r]];
    }
    close(loss, ref / 4, 1e-12, 'loss');
    for (let i = 0; i < 24; i++) close(grad.data[i], numericGrad(logits.data as Float32Array, i, () => softmaxCrossEntropy(logits, labels).loss), 1e-4, `dlogits[${i}]`);
  });

  it('a Linear-ReLU-Linear network with cross-entropy, end to end', () => {
    const model = new Sequential([new Linear(6, 8, rng), new ReLU(), new Linear(8, 3, rng)]);
    const x = tensor(randn(5 * 6, rng), [5, 6]);
    const y = [0, 1, 2, 1, 0];
    const loss = () => softmaxCrossEntropy(model.forward(x, false), y).loss;
    model.backward(softmaxCrossEntropy(model.forward(x, true), y).grad);
    for (const p of model.params()) {
      for (let i = 0; i < p.data.length; i += 5) close(p.grad[i], numericGrad(p.data, i, loss), 2e-3, `${p.name}[${i}]`);
    }
  });
});

describe('optimizers follow torch.optim', () => {
  const param = (data: number[], grad: number[]): Param => ({ name: 'p', data: Float32Array.from(data), grad: Float32Array.from(grad) });

  it('SGD with momentum and weight decay: two steps by hand', () => {
    const p = param([1, -2], [0.5, 0.25]);
    const sgd = new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    sgd.step(); // g = grad + 0.01 p = [0.51, 0.23]; buf = g; p -= 0.1 buf
    assert.deepEqual([...p.data], [Math.fround(1 - 0.1 * 0.51), Math.fround(-2 - 0.1 * 0.23)]);
    const p1 = [...p.data];
    sgd.step(); // buf = 0.9 buf + (grad + 0.01 p)
    const b0 = 0.9 * Math.fround(0.51) + (0.5 + 0.01 * p1[0]);
    close(p.data[0], p1[0] - 0.1 * b0, 1e-6, 'second step');
  });

  it('Adam: the first step moves each weight by lr * g / (|g| + eps)', () => {
    const p = param([1, -2, 3], [0.5, -4, 0]);
    new Adam([p], { lr: 0.01 }).step();
    close(p.data[0], 1 - 0.01, 1e-6, 'p0');
    close(p.data[1], -2 + 0.01, 1e-6, 'p1');
    assert.equal(p.data[2], 3);
  });
});

describe('seeded initialisation', () => {
  it('Rng is deterministic and Kaiming-uniform stays inside 1/sqrt(fanIn)', () => {
    const a = new Rng(42), b = new Rng(42);
    for (let i = 0; i < 100; i++) assert.equal(a.nextU32(), b.nextU32());
    const w = kaimingUniform(new Float32Array(10000), 100, new Rng(1));
    const max = w.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(max <= 0.1 && max > 0.099, `max |w| ${max}`);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    assert.ok(Math.abs(mean) < 0.003, `mean ${mean}`);
  });
});

/** Four Gaussian blobs in 2-D, one per class. */
function blobs(n: number, rng: Rng): Dataset {
  const centers = [[2, 2], [-2, 2], [-2, -2], [2, -2]];
  const x = new Float32Array(n * 2), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 4;
    y[i] = c;
    x[2 * i] = centers[c][0] + (rng.next() - 0.5) * 2;
    x[2 * i + 1] = centers[c][1] + (rng.next() - 0.5) * 2;
  }
  return { x, y, features: 2 };
}

describe('seeded training runs learn a toy problem', () => {
  const data = blobs(512, new Rng(7));
  for (const [name, make] of [
    ['fp32 Linear', (i: number, o: number, r: Rng) => new Linear(i, o, r)],
    ['QATLinear', (i: number, o: number, r: Rng) => new QATLinear(i, o, r)],
    ['Int8Linear', (i: number, o: number, r: Rng) => new Int8Linear(i, o, r)],
  ] as const) {
    it(`${name}: reaches >= 97% and is reproducible`, () => {
      const run = () => {
        const rng = new Rng(1);
        const model = new Sequential([make(2, 32, rng), new ReLU(), make(32, 4, rng)]);
        const opt = new Adam(model.params(), { lr: 0.01 });
        let loss = 0;
        for (let e = 0; e < 20; e++) loss = trainEpoch(model, data, opt, { batchSize: 32, rng });
        return { loss, acc: accuracy((x: Tensor<'float32'>) => model.forward(x, false), data) };
      };
      const first = run();
      assert.ok(first.acc >= 0.97, `accuracy ${first.acc}`);
      assert.deepEqual(run(), first);
    });
  }

  it('SGD with momentum learns it too', () => {
    const rng = new Rng(2);
    const model = new Sequential([new Linear(2, 16, rng), new ReLU(), new Linear(16, 4, rng)]);
    const opt = new SGD(model.params(), { lr: 0.1, momentum: 0.9 });
    for (let e = 0; e < 10; e++) trainEpoch(model, data, opt, { batchSize: 32, rng });
    assert.ok(accuracy((x) => model.forward(x, false), data) >= 0.97);
  });
});
