/**
 * Tiny one-node ONNX models, Y = MatMul(A, B) or MatMulInteger(A, B), with B
 * an initializer so ONNX Runtime can pre-pack it, written with lib/onnx's
 * graph builder over the onnx-proto package.
 */
import { GraphBuilder } from '../lib/onnx/builder';
import { encodeModel, onnx } from '../lib/onnx/proto';
import { DATA_TYPE } from '../lib/onnx/tensor_proto';

export type OnnxDtype = 'float32' | 'uint8' | 'int8' | 'int32';

/** A dimension: a fixed size, or a named symbolic one (any size at run time). */
type Dim = number | string;

function valueInfo(name: string, dtype: OnnxDtype, dims: readonly Dim[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DATA_TYPE[dtype], shape: { dim } } } };
}

export interface MatmulModelSpec {
  /** A's element type: uint8/int8 build MatMulInteger, float32 builds MatMul. */
  aDtype: 'uint8' | 'int8' | 'float32';
  /** Rows of A: a number, or a name such as "M" for a dynamic dimension. */
  m: Dim;
  n: number;
  k: number;
  /** B, [K, N], int8 for the integer models and float32 for MatMul. */
  b: Int8Array | Float32Array;
}

export function matmulModel(spec: MatmulModelSpec): Uint8Array {
  const { aDtype, m, n, k, b } = spec;
  const integer = aDtype !== 'float32';
  if (b.length !== k * n) throw new RangeError(`B has ${b.length} elements, expected K*N = ${k * n}`);
  const g = new GraphBuilder();
  const bName = integer ? g.init('B', { dtype: 'int8', dims: [k, n], data: b as Int8Array }) : g.init('B', { dtype: 'float32', dims: [k, n], data: b as Float32Array });
  g.node(integer ? 'MatMulInteger' : 'MatMul', 'Y', ['A', bName]);
  return encodeModel({
    irVersion: 8,
    producerName: 'qgemm-bench',
    graph: { node: g.nodes, name: 'qgemm_bench', initializer: g.initializers, input: [valueInfo('A', aDtype, [m, k])], output: [valueInfo('Y', integer ? 'int32' : 'float32', [m, n])] },
    opsetImport: [{ domain: '', version: 13 }],
  });
}
