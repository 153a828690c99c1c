/**
 * One policy for NaN and infinity in training and float inference
 * (docs/TRAINING.md#non-finite-values): refuse with ERR_QGEMM_NOT_FINITE
 * naming where, before anything is written, or propagate NaN; never finite
 * numbers that hide a NaN.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { loadOnnx, tensor, type Tensor } from '../lib';
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
