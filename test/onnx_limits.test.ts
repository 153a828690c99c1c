/**
 * loadOnnx's limits (lib/onnx/limits.ts): long chains in linear memory,
 * folded constants freed after their last use, empty and huge tensors
 * refused before allocation, every refusal coded.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadOnnx, ONNX_LIMITS } from '../lib';
import { Budget } from '../lib/onnx/limits';
import { decodeModel } from '../lib/onnx/proto';
import { Walker } from '../lib/onnx/walk';
import { chain, graphModel } from './onnx_graphs';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const f32 = (dims: number[], data = new Float32Array(dims.reduce((a, b) => a * b, 1))) => ({ dtype: 'float32' as const, dims, data });
const i64 = (v: number[]) => ({ dtype: 'int64' as const, dims: [v.length], data: Float64Array.from(v) });

describe('loadOnnx limits', () => {
  it('loads a 100,000-node Relu chain under a 200 MB heap (it was quadratic: 10,000 nodes took 0.7 GB)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-chain-')), 'relu.onnx');
    fs.writeFileSync(file, graphModel(4, (g) => chain(g, 'Relu', 100_000, 'x')));
    const script = `const { loadOnnx } = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))}); process.stdout.write(String(loadOnnx(${JSON.stringify(file)}).layers.length));`;
    const out = execFileSync(process.execPath, ['--max-old-space-size=200', '--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.equal(out, '100000');
    fs.rmSync(path.dirname(file), { recursive: true });
  });

  it('loads a 20,000-node Flatten chain', () => {
    assert.equal(loadOnnx(graphModel(4, (g) => chain(g, 'Flatten', 20_000, 'x'))).layers.length, 20_000);
  });

  it('frees a folded constant after its last use (a Transpose chain keeps two tensors alive, not all of them)', () => {
    const bytes = graphModel(8, (g) => g.node('MatMul', 'mm', ['x', chain(g, 'Transpose', 50, g.init('w', f32([8, 8])))])[0]);
    const model = decodeModel(bytes);
    const uses = new Map<string, number>();
    for (const n of model.graph.node) for (const i of n.input) uses.set(i, (uses.get(i) ?? 0) + 1);
    uses.set('mm', 1);
    const walker = new Walker(new Map(model.graph.initializer.map((t) => [t.name, t])), uses, new Budget(ONNX_LIMITS, bytes.length));
    walker.setInput('x', { specs: null, dtype: 'float32', dims: [null, 8] });
    let most = 0;
    model.graph.node.forEach((n, i) => {
      walker.run(n, i);
      most = Math.max(most, walker.vals.size);
    });
    assert.ok(most <= 2, `${most} values alive at once`);
  });

  it('refuses a Transpose chain that folds far more than the file holds (1.1 MB of file folded 2 GB)', () => {
    const bytes = graphModel(512, (g) => g.node('MatMul', 'mm', ['x', chain(g, 'Transpose', 2000, g.init('w', f32([512, 512])))])[0]);
    assert.throws(() => loadOnnx(bytes), (e: Error) => code('ERR_QGEMM_ONNX_LIMIT')(e) && /maxInflation/.test(e.message));
    // The same graph loads when the caller lifts the limit (the walk frees each folded transpose).
    const short = graphModel(512, (g) => g.node('MatMul', 'mm', ['x', chain(g, 'Transpose', 40, g.init('w', f32([512, 512])))])[0]);
    assert.throws(() => loadOnnx(short, { limits: { maxTotalElements: 2 ** 22 } }), code('ERR_QGEMM_ONNX_LIMIT'));
    assert.equal(loadOnnx(short, { limits: { maxInflation: 1000 } }).layers.length, 1);
  });

  it('refuses empty initializers with huge dims before allocating their outputs', () => {
    for (const n of [2 ** 27, 2 ** 31, 2 ** 33]) {
      const bytes = graphModel(0, (g) => g.node('MatMul', 'mm', ['x', g.init('w', f32([0, n], new Float32Array(0)))])[0]);
      assert.throws(() => loadOnnx(bytes), (e: Error) => /^ERR_QGEMM_ONNX_(LIMIT|UNSUPPORTED)$/.test(String((e as { code?: string }).code)), `[0, ${n}]`);
    }
    assert.throws(() => loadOnnx(graphModel(4, (g) => g.node('Add', 'a', [g.init('w', f32([0, 2 ** 31], new Float32Array(0))), g.init('v', f32([1]))])[0])), code('ERR_QGEMM_ONNX_LIMIT'));
  });

  it('refuses a Reshape of a constant to 2^33 elements with a code', () => {
    const reshape = (from: number[], to: number[], allowzero = 0) =>
      graphModel(4, (g) => {
        const [r] = g.node('Reshape', 'r', [g.init('w', f32(from)), g.init('s', i64(to))], allowzero ? { allowzero } : {});
        return g.node('MatMul', 'mm', ['x', r])[0];
      });
    assert.throws(() => loadOnnx(reshape([4], [2 ** 33])), code('ERR_QGEMM_ONNX_INVALID'));
    assert.throws(() => loadOnnx(reshape([0], [0, 2 ** 33], 1)), code('ERR_QGEMM_ONNX_LIMIT'));
    assert.throws(() => loadOnnx(reshape([0, 4], [2 ** 33, 0], 1)), (e) => /^ERR_QGEMM_ONNX_(LIMIT|INVALID)$/.test(String((e as { code?: string }).code)));
  });

  it('refuses more nodes than limits.maxNodes', () => {
    const bytes = graphModel(4, (g) => chain(g, 'Relu', 20, 'x'));
    assert.equal(loadOnnx(bytes, { limits: { maxNodes: 20 } }).layers.length, 20);
    assert.throws(() => loadOnnx(bytes, { limits: { maxNodes: 19 } }), (e: Error) => code('ERR_QGEMM_ONNX_LIMIT')(e) && /maxNodes/.test(e.message));
  });

  it('refuses a repeated initializer name (the last would silently win)', () => {
    const bytes = graphModel(2, (g) => {
      g.init('w', f32([2, 2], Float32Array.of(1, 0, 0, 1)));
      g.init('w', f32([2, 2], Float32Array.of(5, 5, 5, 5)));
      return g.node('MatMul', 'mm', ['x', 'w'])[0];
    });
    assert.throws(() => loadOnnx(bytes), (e: Error) => code('ERR_QGEMM_ONNX_INVALID')(e) && /"w" is used twice/.test(e.message));
  });

  it('validates options.limits', () => {
    const bytes = graphModel(4, (g) => chain(g, 'Relu', 1, 'x'));
    assert.throws(() => loadOnnx(bytes, { limits: { maxNode: 1 } as never }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => loadOnnx(bytes, { limits: { maxNodes: -1 } }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => loadOnnx(bytes, { limits: 3 as never }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => loadOnnx(bytes, null as never), code('ERR_QGEMM_OPTION'));
    assert.ok(Object.isFrozen(ONNX_LIMITS));
  });
});
