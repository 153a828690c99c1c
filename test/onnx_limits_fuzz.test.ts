/**
 * The fuzz target on loadOnnx's graph-level limits (fast-check): random
 * chains of folded constants (huge and empty dims, reshapes, transposes,
 * casts, scalings) and activation chains, under random limits. Each load
 * succeeds or throws a coded error; a graph over limits.maxNodes is always
 * refused; lowering a limit never turns a refusal into a success.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { loadOnnx, type OnnxLimits } from '../lib';
import type { GraphBuilder } from '../lib/onnx/builder';
import { chain, graphModel } from './onnx_graphs';
import { assertCoded, runs } from './property_support';

const dim = fc.oneof({ arbitrary: fc.constantFrom(1, 4), weight: 3 }, { arbitrary: fc.constantFrom(0, 2, 3, 2 ** 20, 2 ** 31, 2 ** 33), weight: 2 });
const step = fc.oneof(
  fc.constant({ op: 'Transpose' as const }),
  fc.constant({ op: 'Identity' as const }),
  fc.constant({ op: 'Cast' as const }),
  fc.record({ op: fc.constantFrom('Mul' as const, 'Add' as const), v: fc.float({ noNaN: true }) }),
  fc.record({ op: fc.constant('Reshape' as const), to: fc.array(fc.oneof(dim, fc.constant(-1)), { minLength: 1, maxLength: 3 }), allowzero: fc.constantFrom(0, 1) }),
  fc.record({ op: fc.constant('Flatten' as const), axis: fc.integer({ min: -2, max: 2 }) }),
);
const limits = fc.record(
  { maxNodes: fc.integer({ min: 0, max: 100 }), maxTensorElements: fc.constantFrom(0, 16, 2 ** 20, 2 ** 30), maxTotalElements: fc.constantFrom(0, 64, 2 ** 20, 2 ** 32), maxInflation: fc.constantFrom(0, 1, 16) },
  { requiredKeys: [] },
);
const graph = fc.record({ dims: fc.array(dim, { minLength: 0, maxLength: 3 }), steps: fc.array(step, { maxLength: 8 }), relus: fc.nat({ max: 30 }), features: fc.constantFrom(1, 4, 4, 0) });
type Graph = typeof graph extends fc.Arbitrary<infer G> ? G : never;

function build(spec: Graph): { bytes: Uint8Array; nodes: number } {
  let nodes = 0;
  const bytes = graphModel(spec.features, (g: GraphBuilder) => {
    const count = spec.dims.reduce((a, b) => a * b, 1);
    let w = g.init('w', { dtype: 'float32', dims: spec.dims, data: new Float32Array(count <= 64 ? count : 0) });
    spec.steps.forEach((s, i) => {
      if (s.op === 'Mul' || s.op === 'Add') [w] = g.node(s.op, `s${i}`, [w, g.init(`c${i}`, { dtype: 'float32', dims: [], data: Float32Array.of(s.v) })]);
      else if (s.op === 'Reshape') [w] = g.node('Reshape', `s${i}`, [w, g.init(`t${i}`, { dtype: 'int64', dims: [s.to.length], data: Float64Array.from(s.to) })], { allowzero: s.allowzero });
      else if (s.op === 'Flatten') [w] = g.node('Flatten', `s${i}`, [w], { axis: s.axis });
      else if (s.op === 'Cast') [w] = g.node('Cast', `s${i}`, [w], { to: 1 });
      else [w] = g.node(s.op, `s${i}`, [w]);
    });
    const [y] = g.node('MatMul', 'mm', ['x', w]);
    nodes = g.nodes.length + spec.relus;
    return chain(g, 'Relu', spec.relus, y);
  });
  return { bytes, nodes };
}

function outcome(bytes: Uint8Array, l: Partial<OnnxLimits> | undefined, context: string): string {
  try {
    loadOnnx(bytes, l === undefined ? {} : { limits: l }).dispose();
    return 'ok';
  } catch (e) {
    assertCoded(e, context);
    return (e as { code: string }).code;
  }
}

describe('loadOnnx graph-level limits (fuzz)', () => {
  it('loads or refuses with a code; maxNodes always holds; tighter limits never let more through', () => {
    fc.assert(
      fc.property(graph, limits, (spec, l) => {
        const { bytes, nodes } = build(spec);
        const context = JSON.stringify({ spec, l });
        const tight = outcome(bytes, l, context);
        const loose = outcome(bytes, undefined, context);
        if (nodes > (l.maxNodes ?? Infinity)) assert.equal(tight, 'ERR_QGEMM_ONNX_LIMIT', context);
        if (tight === 'ok') assert.equal(loose, 'ok', context);
        if (loose !== 'ok' && loose !== 'ERR_QGEMM_ONNX_LIMIT') assert.ok(tight !== 'ok', context);
      }),
      runs(300),
    );
  });
});
