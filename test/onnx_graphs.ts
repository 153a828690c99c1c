/** Small graph builders for the loader's limit tests and fuzz target: a float input [b, features] through nodes. */
import { GraphBuilder } from '../lib/onnx/builder';
import { encodeModel, onnx } from '../lib/onnx/proto';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** A model whose graph is what `build` adds to g after the input "x" ([b, features]); build returns the output name. */
export function graphModel(features: number, build: (g: GraphBuilder) => string, extra: Partial<onnx.IGraphProto> = {}): Uint8Array {
  const g = new GraphBuilder();
  const out = build(g);
  const input = { name: 'x', type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'b' }, { dimValue: features }] } } } };
  return encodeModel({ irVersion: 8, opsetImport: [{ version: 17 }], graph: { node: g.nodes, initializer: g.initializers, input: [input], output: [{ name: out, type: { tensorType: { elemType: FLOAT } } }], ...extra } });
}

/** n copies of a one-input op, chained from `from`. */
export function chain(g: GraphBuilder, op: string, n: number, from: string): string {
  let x = from;
  for (let i = 0; i < n; i++) [x] = g.node(op, `${op}${i}`, [x]);
  return x;
}
