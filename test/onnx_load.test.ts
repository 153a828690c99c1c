/**
 * loadOnnx on a PyTorch export (against torch's own logits) and on one
 * hand-built graph per operator form (against onnxruntime-node with graph
 * optimizations off, i.e. ONNX's float semantics); the refusals are coded.
 * Fixtures: scripts/make_onnx_fixtures.py.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Dequantize, Flatten, Linear, QuantizedLinear, ReLU, Transpose, loadOnnx, tensor, type Tensor } from '../lib';
import { FIXTURES, fixture, maxRelDiff, randomInput, runOrt, stepDiff } from './onnx_support';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const kinds = (layers: readonly unknown[]) => layers.map((l) => (l as object).constructor.name);

describe('loadOnnx: a PyTorch MLP (torch.onnx.export)', () => {
  const torchOut = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'mlp_fashion.json'), 'utf8'));
  const x = tensor(Float32Array.from(torchOut.input as number[]), torchOut.inputShape);

  it('reads Flatten, Gemm (transB) and Relu as Flatten, Linear, ReLU, Linear', () => {
    const model = loadOnnx(path.join(FIXTURES, 'mlp_fashion.onnx'));
    assert.deepEqual(kinds(model.layers), ['Flatten', 'Linear', 'ReLU', 'Linear']);
    assert.deepEqual(model.inputShape, ['batch', 1, 28, 28]);
    assert.equal(model.inputName, 'input');
    assert.equal(model.outputName, 'logits');
    assert.equal((model.layers[1] as Linear).inFeatures, 784);
  });

  it("matches torch's float32 logits within float rounding, sync and async", async () => {
    const model = loadOnnx(fixture('mlp_fashion.onnx'));
    const y = model.forward(x) as Tensor<'float32'>;
    assert.deepEqual(y.shape, [8, 10]);
    assert.ok(maxRelDiff(y.data, torchOut.logits) < 1e-5, `max relative difference ${maxRelDiff(y.data, torchOut.logits)}`);
    const yAsync = await model.forwardAsync(x);
    assert.deepEqual(Array.from(yAsync.data), Array.from(y.data));
  });

  it('checks the input shape', () => {
    const model = loadOnnx(fixture('mlp_fashion.onnx'));
    assert.throws(() => model.forward(tensor(new Float32Array(784 * 2), [2, 784])), code('ERR_QGEMM_SHAPE'));
  });
});

describe('loadOnnx: one graph per operator form, against onnxruntime-node', () => {
  const cases: { file: string; shape: number[]; layers: string[] }[] = [
    { file: 'gemm_attrs.onnx', shape: [64, 4, 6], layers: ['Flatten', 'Linear', 'ReLU', 'Linear', 'ReLU', 'Linear'] },
    { file: 'gemm_transA.onnx', shape: [16, 64], layers: ['Transpose', 'Linear'] },
    { file: 'qdq_per_tensor.onnx', shape: [512, 20], layers: ['QuantizedLinear', 'QuantizedLinear'] },
    { file: 'qdq_per_axis.onnx', shape: [512, 20], layers: ['QuantizedLinear', 'QuantizedLinear'] },
    { file: 'matmul_integer.onnx', shape: [512, 20], layers: ['QuantizedLinear', 'QuantizedLinear'] },
    // A transformer's projections: [batch, sequence, hidden], the leading dims as rows.
    { file: 'projection_3d.onnx', shape: [3, 7, 16], layers: ['Linear', 'ReLU', 'QuantizedLinear'] },
  ];
  for (const { file, shape, layers } of cases) {
    it(`${file}: ${layers.join(', ')}, float outputs within float rounding`, async (t) => {
      const bytes = fixture(file);
      const model = loadOnnx(bytes);
      assert.deepEqual(kinds(model.layers), layers);
      const x = randomInput(shape, 7, -2, 2);
      const ours = model.forward(x);
      const ort = await runOrt(bytes, 'input', x);
      if (ort === null) return t.skip('onnxruntime-node is not installed');
      assert.deepEqual(ours.shape, ort.shape);
      assert.ok(maxRelDiff(ours.data, ort.data) < 2e-6, `max relative difference ${maxRelDiff(ours.data, ort.data)}`);
    });
  }

  it('reads QDQ weights per tensor and per output channel into QuantizedLinear, Relu left to the uint8 range', () => {
    const perTensor = loadOnnx(fixture('qdq_per_tensor.onnx')).layers as QuantizedLinear[];
    const perAxis = loadOnnx(fixture('qdq_per_axis.onnx')).layers as QuantizedLinear[];
    assert.deepEqual(perTensor.map((l) => l.weightScales.length), [1, 1]);
    assert.deepEqual(perAxis.map((l) => l.weightScales.length), [12, 6]);
    assert.deepEqual(perAxis[0].options.input, { scale: Math.fround(0.02), zeroPoint: 128, dtype: 'uint8' });
    assert.deepEqual(perAxis[0].options.output, { scale: Math.fround(0.03), zeroPoint: 0, dtype: 'uint8' });
  });

  it('reads MatMulInteger after DynamicQuantizeLinear as dynamic per-batch QuantizedLinear (uint8 weights with zero point 128 shifted to int8)', () => {
    const layers = loadOnnx(fixture('matmul_integer.onnx')).layers as QuantizedLinear[];
    assert.deepEqual(layers.map((l) => l.options.activation), ['dynamic', 'dynamic']);
    assert.deepEqual(layers.map((l) => l.options.perRow), [false, false]);
    assert.deepEqual(layers.map((l) => l.options.relu), [true, false]);
  });

  it('qlinear_matmul.onnx: QLinearMatMul chain within one uint8 step of onnxruntime (its requantization rounds once, qgemm twice)', async (t) => {
    const bytes = fixture('qlinear_matmul.onnx');
    const model = loadOnnx(bytes);
    assert.deepEqual(kinds(model.layers), ['QuantizedLinear', 'QuantizedLinear', 'Dequantize']);
    assert.ok(model.layers[2] instanceof Dequantize);
    const x = randomInput([512, 16], 7, -2, 2);
    const ours = model.forward(x);
    const ort = await runOrt(bytes, 'input', x);
    if (ort === null) return t.skip('onnxruntime-node is not installed');
    const d = stepDiff(ours.data, ort.data, 0.1);
    assert.equal(d.maxSteps <= 1, true, JSON.stringify(d));
    // Its decimal scales (0.05 * 0.01 / 0.1) put many exact products on rounding ties: ~0.2% differ here.
    assert.ok(d.differing / d.total < 0.01, JSON.stringify(d));
  });

  it('layer classes are the public ones', () => {
    const model = loadOnnx(fixture('gemm_attrs.onnx'));
    assert.ok(model.layers[0] instanceof Flatten && model.layers[1] instanceof Linear && model.layers[2] instanceof ReLU);
    assert.ok(loadOnnx(fixture('gemm_transA.onnx')).layers[0] instanceof Transpose);
  });
});

describe('loadOnnx refuses what it cannot run, with one coded error', () => {
  it('lists every unsupported operator and node name at once', () => {
    assert.throws(() => loadOnnx(fixture('unsupported_ops.onnx')), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_QGEMM_ONNX_UNSUPPORTED');
      assert.match(e.message, /3 nodes/);
      for (const s of ['Sigmoid (node "gate")', 'Softmax (node "probs")', 'LayerNormalization (node "norm")']) assert.ok(e.message.includes(s), e.message);
      assert.ok(!e.message.includes('MatMul (node'), e.message);
      return true;
    });
  });

  it('refuses external data', () => {
    assert.throws(() => loadOnnx(fixture('external_data.onnx')), code('ERR_QGEMM_ONNX_EXTERNAL_DATA'));
  });

  it('refuses non-models', () => {
    assert.throws(() => loadOnnx(42 as unknown as Uint8Array), code('ERR_QGEMM_ARG_TYPE'));
    // Field 7 (the graph) declaring a 4 GiB message in a 6-byte file.
    assert.throws(() => loadOnnx(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f])), code('ERR_QGEMM_ONNX_DECODE'));
    assert.throws(() => loadOnnx(new Uint8Array(0)), code('ERR_QGEMM_ONNX_INVALID'));
  });

  it('a disposed model throws ERR_QGEMM_DISPOSED, fp32 as int8', async () => {
    for (const name of ['mlp_fashion.onnx', 'qdq_per_tensor.onnx']) {
      const model = loadOnnx(fixture(name));
      const x = tensor(new Float32Array(model.inputShape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1)), [1, ...model.inputShape.slice(1).map((d) => (typeof d === 'number' ? d : 1))]);
      model.forward(x);
      model.dispose();
      assert.equal(model.disposed, true);
      assert.throws(() => model.forward(x), code('ERR_QGEMM_DISPOSED'), name);
      await assert.rejects(model.forwardAsync(x), code('ERR_QGEMM_DISPOSED'), name);
    }
  });
});
