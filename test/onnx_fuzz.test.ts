/**
 * The fuzz target on loadOnnx (fast-check): mutated and truncated model
 * bytes, and structurally damaged models (wrong element types, shapes that do
 * not fit, huge declared sizes), load or fail with a coded error — never
 * another exception, a crash or a huge allocation. A model that loads also
 * runs (or refuses its input with a coded error). Runs scale with
 * QGEMM_PROPERTY_SCALE, seeded by QGEMM_PROPERTY_SEED (test/property_support.ts).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { Linear, loadOnnx, QuantizedLinear, ReLU, Rng, saveOnnx, type Tensor } from '../lib';
import { decodeModel, encodeModel, onnx } from '../lib/onnx/proto';
import { fixture } from './onnx_support';
import { expectCodedOrOk, runs } from './property_support';

const rng = new Rng(5);
const l1 = new Linear(12, 8, rng), l2 = new Linear(8, 3, rng);
const seeds: [string, Uint8Array][] = [
  ['qdq_per_axis', fixture('qdq_per_axis.onnx')],
  ['matmul_integer', fixture('matmul_integer.onnx')],
  ['qlinear_matmul', fixture('qlinear_matmul.onnx')],
  ['gemm_attrs', fixture('gemm_attrs.onnx')],
  ['projection_3d', fixture('projection_3d.onnx')],
  ['qgemm per-row dynamic', saveOnnx([new QuantizedLinear(l1.weightTensor(), l1.bias.data, { relu: true }), new QuantizedLinear(l2.weightTensor(), l2.bias.data)])],
  ['qgemm static QOperator', saveOnnx([new QuantizedLinear(l1.weightTensor(), l1.bias.data, { activation: 'static', input: { scale: 0.02, zeroPoint: 128 }, output: { scale: 0.05, zeroPoint: 0 }, relu: true }), new QuantizedLinear(l2.weightTensor(), undefined, { activation: 'static', input: { scale: 0.05, zeroPoint: 0 }, output: { scale: 0.1, zeroPoint: 0 } })], { format: 'qoperator' })],
  ['qgemm fp32', saveOnnx([l1, new ReLU(), l2])],
];

/** Loads; if that works, runs a 2-row input of the stated shape (unknown dims as 1). Every failure must be coded. */
async function loadAndRun(bytes: Uint8Array, context: string): Promise<void> {
  let model: ReturnType<typeof loadOnnx> | undefined;
  await expectCodedOrOk(() => (model = loadOnnx(bytes)), context);
  if (model === undefined) return;
  const shape = model.inputShape.map((d, i) => (i === 0 ? 2 : typeof d === 'number' ? d : 1));
  const n = shape.reduce((a, b) => a * b, 1);
  if (n > 1e6) return;
  const x = { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i)) } as Tensor;
  await expectCodedOrOk(() => model!.forward(x), `${context} forward`);
  model.dispose();
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = bytes;
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'set') (b = b.slice())[at] = m.value;
    else if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.length)]);
  }
  return b;
}

describe('loadOnnx fuzz: mutated bytes', () => {
  for (const [name, bytes] of seeds) {
    it(`${name}: every mutation loads or fails with a coded error`, async () => {
      await fc.assert(fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (ms) => loadAndRun(mutate(bytes, ms), `${name} ${JSON.stringify(ms)}`)), runs(300));
    });
  }
});

/** A decoded graph: protobufjs gives every repeated field as an array. */
interface Graph {
  initializer: onnx.TensorProto[];
  node: onnx.NodeProto[];
  input: onnx.ValueInfoProto[];
}

/** Decodes a seed model, lets `edit` damage its graph, encodes it again. */
function damaged(bytes: Uint8Array, edit: (g: Graph) => void): Uint8Array {
  const m = decodeModel(bytes);
  edit(m.graph as unknown as Graph);
  return encodeModel(m);
}

describe('loadOnnx fuzz: damaged structure', () => {
  const field = fc.constantFrom('dims', 'dataType', 'rawData', 'attribute', 'input', 'opType', 'shape');
  it('random damage to initializers, nodes and the input is coded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds.length - 1), field, fc.nat(), fc.integer({ min: -3, max: 2 ** 40 }), async (s, what, pick, value) => {
        const bytes = damaged(seeds[s][1], (g) => {
          const init = g.initializer[pick % Math.max(1, g.initializer.length)];
          const node = g.node[pick % g.node.length];
          if (what === 'dims' && init) init.dims = [value, 2];
          else if (what === 'dataType' && init) init.dataType = value % 17;
          else if (what === 'rawData' && init) init.rawData = init.rawData.subarray(0, value % (init.rawData.length + 1));
          else if (what === 'attribute' && node.attribute[0]) node.attribute[0].type = value % 12;
          else if (what === 'input') node.input[pick % Math.max(1, node.input.length)] = g.node[(pick + 1) % g.node.length].output[0] ?? 'x';
          else if (what === 'opType') node.opType = ['MatMul', 'Gemm', 'QLinearMatMul', 'MatMulInteger', 'DequantizeLinear', 'Relu', 'Mul', 'Add'][value % 8];
          else if (what === 'shape') g.input[0].type!.tensorType!.shape!.dim![1] = { dimValue: value };
        });
        await loadAndRun(bytes, `${seeds[s][0]} ${what} ${pick} ${value}`);
      }),
      runs(400),
    );
  });

  it('huge declared sizes are refused before anything is allocated', () => {
    const before = process.memoryUsage().arrayBuffers;
    for (const dims of [[2 ** 31, 2 ** 31], [2 ** 20, 2 ** 20], [2 ** 53, 1], [-1, 4]]) {
      const bytes = damaged(seeds[0][1], (g) => (g.initializer[0].dims = dims));
      assert.throws(() => loadOnnx(bytes), (e: Error & { code?: string }) => e.code === 'ERR_QGEMM_ONNX_INVALID');
    }
    // A [2^20, 2^20] Reshape target of an initializer: shapes only, no data.
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 2 ** 20);
  });

  it('wrong element types and shapes that do not fit are named', () => {
    const seed = (name: string) => seeds.find(([n]) => n === name)![1];
    const double = damaged(seed('gemm_attrs'), (g) => (g.initializer.find((t) => t.name === 'w3')!.dataType = 11));
    assert.throws(() => loadOnnx(double), /element type double/);
    const narrow = damaged(seed('qgemm fp32'), (g) => {
      const w = g.initializer.find((t) => t.name === 'l2.weight')!;
      w.dims = [3, 7];
      w.rawData = w.rawData.subarray(0, 3 * 7 * 4);
    });
    assert.throws(() => loadOnnx(narrow), (e: Error & { code?: string }) => e.code === 'ERR_QGEMM_ONNX_INVALID' && /8 features, the weights 7/.test(e.message));
  });
});
