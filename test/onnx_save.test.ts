/**
 * saveOnnx: every exported model runs in onnxruntime-node (graph
 * optimizations off: ONNX's float semantics) to qgemm's numbers: fp32 and
 * dynamic within float rounding, static int8 chains on the same int8 values
 * for >= 99.9% of elements and never more than one step apart. save -> load
 * -> save gives the same bytes. The optimized run's differences are measured
 * by scripts/onnx_ort_table.ts (docs/ONNX.md), not asserted: they depend on the CPU.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Linear, loadOnnx, QATLinear, QuantizedLinear, ReLU, Rng, saveOnnx, Sequential, tensor } from '../lib';
import { decodeModel, type onnx } from '../lib/onnx/proto';
import { exportModels, onnxFileName } from '../examples/fashion-mnist/export';
import { Int8Mlp } from '../examples/fashion-mnist/deploy';
import { exportCases, type ExportCase } from './onnx_models';
import { maxRelDiff, runOrt, stepDiff } from './onnx_support';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('saveOnnx -> onnxruntime-node', () => {
  let cases: ExportCase[];
  let test: ReturnType<typeof exportCases>['test'];
  before(() => ({ cases, test } = exportCases()));

  for (let i = 0; i < 7; i++) {
    it(`model ${i}: runs in onnxruntime-node to qgemm's outputs`, async (t) => {
      const c = cases[i];
      const bytes = saveOnnx(c.model, { format: c.format });
      const ours = c.model.forward(test);
      const ort = await runOrt(bytes, 'input', test);
      if (ort === null) return t.skip('onnxruntime-node is not installed');
      assert.deepEqual(ort.shape, ours.shape, c.name);
      if (c.compare === 'float') {
        assert.equal(ours.dtype, 'float32');
        assert.ok(maxRelDiff(ours.data, ort.data) < 1e-5, `${c.name}: ${maxRelDiff(ours.data, ort.data)}`);
      } else {
        assert.equal(ours.dtype, 'uint8', c.name);
        const d = stepDiff(ours.data, ort.data);
        assert.ok(d.maxSteps <= 1 && d.differing / d.total <= 0.001, `${c.name}: ${JSON.stringify(d)}`);
      }
    });
  }

  it('save -> load -> save is byte-identical, and the loaded model computes the same', () => {
    for (const c of cases) {
      const bytes = saveOnnx(c.model, { format: c.format });
      const loaded = loadOnnx(bytes);
      assert.deepEqual(saveOnnx(loaded, { format: c.format }), bytes, c.name);
      assert.deepEqual(loaded.forward(test).data, c.model.forward(test).data, c.name);
    }
  });

  it('states opset 13 and a symbolic batch dimension on the input and output', () => {
    const m = decodeModel(saveOnnx(cases[1].model));
    assert.equal(Number(m.opsetImport.find((o) => !o.domain)?.version), 13);
    const dims = (vi: onnx.IValueInfoProto) => vi.type!.tensorType!.shape!.dim!;
    for (const vi of [m.graph!.input![0], m.graph!.output![0]]) assert.equal(dims(vi)[0].dimParam, 'batch');
    assert.deepEqual(dims(m.graph!.input![0]).slice(1).map((d) => Number(d.dimValue)), [1, 28, 28]);
  });

  it('writes the forms its options name', () => {
    const ops = (bytes: Uint8Array) => decodeModel(bytes).graph!.node!.map((n) => n.opType);
    assert.ok(ops(saveOnnx(cases[1].model, { format: 'qdq' })).includes('DequantizeLinear'));
    assert.ok(!ops(saveOnnx(cases[1].model, { format: 'qoperator' })).includes('DequantizeLinear'));
    assert.equal(ops(saveOnnx(cases[3].model, { format: 'qoperator' })).filter((o) => o === 'QLinearMatMul').length, 2);
    assert.ok(ops(saveOnnx(cases[6].model)).includes('DynamicQuantizeLinear'));
    assert.ok(ops(saveOnnx(cases[5].model)).includes('DynamicQuantizedLinearPerRow'));
  });
});

describe('saveOnnx takes Sequential and layer arrays, and refuses what it cannot write', () => {
  const rng = new Rng(3);
  const l1 = new Linear(6, 4, rng), l2 = new Linear(4, 3, rng);

  it('a lib/train Sequential and a QuantizedLinear array', () => {
    const x = tensor(Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.5), [2, 6]);
    const seq = new Sequential([l1, new ReLU(), l2]);
    assert.deepEqual(loadOnnx(saveOnnx(seq)).forward(x).data, seq.forward(x, false).data);
    const q = [new QuantizedLinear(l1.weightTensor(), l1.bias.data, { relu: true }), new QuantizedLinear(l2.weightTensor(), l2.bias.data)];
    assert.deepEqual(loadOnnx(saveOnnx(q)).forward(x).data, q[1].forward(q[0].forward(x)).data);
  });

  it('coded errors', () => {
    assert.throws(() => saveOnnx([QATLinear.fromLinear(l1, rng)]), code('ERR_QGEMM_ONNX_UNSUPPORTED'));
    assert.throws(() => saveOnnx([{ forward: (x: unknown) => x }]), code('ERR_QGEMM_ONNX_UNSUPPORTED'));
    assert.throws(() => saveOnnx([l1, l1]), code('ERR_QGEMM_ONNX_UNSUPPORTED')); // 4 features into a 6-input layer
    const int8Out = new QuantizedLinear(l1.weightTensor(), undefined, { output: { scale: 0.1, zeroPoint: 0 } });
    assert.throws(() => saveOnnx([int8Out, l2]), code('ERR_QGEMM_ONNX_UNSUPPORTED')); // uint8 into a float layer
    assert.throws(() => saveOnnx([l1], { format: 'tflite' as 'qdq' }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => saveOnnx(42 as unknown as []), code('ERR_QGEMM_ARG_TYPE'));
    assert.throws(() => saveOnnx([]), code('ERR_QGEMM_ONNX_UNSUPPORTED'));
  });
});

describe('saveOnnx on [batch, sequence, hidden] activations (MatMul + Add where Gemm is 2-D only)', () => {
  const rng = new Rng(21);
  const fc = new Linear(16, 12, rng), fc2 = new Linear(12, 6, rng);
  const x = tensor(Float32Array.from({ length: 2 * 5 * 16 }, (_, i) => Math.sin(i * 0.37) * 2), [2, 5, 16]);
  const q = (l: Linear, options: ConstructorParameters<typeof QuantizedLinear>[2]) => new QuantizedLinear(l.weightTensor(), l.bias.data, options);
  const models: [string, unknown[], 'qdq' | 'qoperator'][] = [
    ['fp32', [fc, new ReLU(), fc2], 'qdq'],
    ['dynamic per row', [q(fc, { relu: true }), q(fc2, {})], 'qdq'],
    ['dynamic per batch', [q(fc, { relu: true, perRow: false }), q(fc2, { perRow: false })], 'qdq'],
    ['static QDQ', [q(fc, { activation: 'static', input: { scale: 0.016, zeroPoint: 128 }, output: { scale: 0.02, zeroPoint: 0 }, relu: true }), q(fc2, { activation: 'static', input: { scale: 0.02, zeroPoint: 0 }, output: { scale: 0.03, zeroPoint: 120 } })], 'qdq'],
    ['static QOperator', [q(fc, { activation: 'static', input: { scale: 0.016, zeroPoint: 128 }, output: { scale: 0.02, zeroPoint: 0 }, relu: true }), q(fc2, { activation: 'static', input: { scale: 0.02, zeroPoint: 0 }, output: { scale: 0.03, zeroPoint: 120 } })], 'qoperator'],
  ];
  for (const [name, layers, format] of models) {
    it(`${name}: runs in onnxruntime-node, loads back to the same bytes`, async (t) => {
      const bytes = saveOnnx(layers, { format, inputDims: ['seq', 16] });
      const model = loadOnnx(bytes);
      assert.deepEqual(model.inputShape, ['batch', 'seq', 16]);
      assert.deepEqual(saveOnnx(model, { format }), bytes);
      const ours = model.forward(x);
      assert.deepEqual(ours.shape, [2, 5, 6]);
      const ort = await runOrt(bytes, 'input', x);
      if (ort === null) return t.skip('onnxruntime-node is not installed');
      assert.deepEqual(ort.shape, [2, 5, 6]);
      if (ours.dtype === 'float32') assert.ok(maxRelDiff(ours.data, ort.data) < 1e-5, `${name}: ${maxRelDiff(ours.data, ort.data)}`);
      else assert.ok(stepDiff(ours.data, ort.data).maxSteps <= 1, name);
      assert.deepEqual((await model.forwardAsync(x)).data, ours.data);
    });
  }
});

describe("the Fashion-MNIST demo's --export (examples/fashion-mnist/export.ts)", () => {
  it('writes one ONNX file per model, each loading back to the same outputs', () => {
    const rng = new Rng(9);
    const fc1 = new Linear(784, 16, rng), fc2 = new Linear(16, 10, rng);
    const models = {
      'fp32 baseline': new Sequential([fc1, new ReLU(), fc2]),
      'QAT -> int8 dynamic': new Int8Mlp([new QuantizedLinear(fc1.weightTensor(), fc1.bias.data, { relu: true }), new QuantizedLinear(fc2.weightTensor(), fc2.bias.data)]),
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-export-'));
    const files = exportModels(models, dir);
    assert.deepEqual(files.map((f) => path.basename(f)), ['fp32-baseline.onnx', 'qat-int8-dynamic.onnx']);
    const x = tensor(Float32Array.from({ length: 3 * 784 }, (_, i) => (i % 17) / 17), [3, 784]);
    assert.deepEqual(loadOnnx(files[0]).forward(x).data, models['fp32 baseline'].forward(x, false).data);
    assert.deepEqual(loadOnnx(files[1]).forward(x).data, models['QAT -> int8 dynamic'].predict(x.data as Float32Array, 3).data);
    assert.equal(onnxFileName('PTQ min-max (static)'), 'ptq-min-max-static.onnx');
  });
});

describe('QuantizedLinear from int8 weights (what loadOnnx builds and saveOnnx reads)', () => {
  const rng = new Rng(11);
  const fc = new Linear(5, 3, rng);
  const x = tensor(Float32Array.from({ length: 10 }, (_, i) => Math.cos(i)), [2, 5]);

  it('weightInt8 and options rebuild the same layer', () => {
    for (const options of [{}, { perRow: false, relu: true }, { activation: 'static' as const, input: { scale: 0.01, zeroPoint: 3 }, output: { scale: 0.02, zeroPoint: -1, dtype: 'int8' as const }, weights: 'per-tensor' as const }]) {
      const a = new QuantizedLinear(fc.weightTensor(), fc.bias.data, options);
      const b = new QuantizedLinear({ q: a.weightInt8, scales: a.weightScales }, a.bias, a.options);
      assert.deepEqual(b.options, a.options);
      assert.deepEqual(b.forward(x).data, a.forward(x).data);
      assert.equal(a.weightInt8.data.length, 15);
    }
  });

  it('checks the int8 weights it is given', () => {
    const q = tensor(new Int8Array(15), [3, 5]);
    assert.throws(() => new QuantizedLinear({ q: tensor(new Float32Array(15), [3, 5]) as never, scales: Float32Array.of(1) }), code('ERR_QGEMM_DTYPE'));
    assert.throws(() => new QuantizedLinear({ q, scales: new Float32Array(2).fill(1) }), code('ERR_QGEMM_SHAPE'));
    assert.throws(() => new QuantizedLinear({ q, scales: Float32Array.of(0) }), code('ERR_QGEMM_SCALE'));
    const data = Int8Array.of(1, 2, 3, 4, 5);
    const layer = new QuantizedLinear({ q: tensor(data, [1, 5]), scales: Float32Array.of(0.5) });
    data[0] = 100; // the layer keeps its own copy
    assert.equal(layer.weightInt8.data[0], 1);
  });
});
