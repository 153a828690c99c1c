/**
 * One policy for NaN and infinity in training and float inference
 * (docs/TRAINING.md#non-finite-values): refuse with ERR_QGEMM_NOT_FINITE
 * naming where, before anything is written, or propagate NaN; never finite
 * numbers that hide a NaN.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { loadOnnx, tensor, type Tensor } from '../lib';
import { Adam, Adam8bit, SGD, type Param } from '../lib/train';
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
