/**
 * Tiny one-node ONNX models, Y = MatMul(A, B) or MatMulInteger(A, B), with B
 * an initializer so ONNX Runtime can pre-pack it, written as protobuf bytes.
 * Field numbers are from onnx.proto (ModelProto, GraphProto, NodeProto,
 * TensorProto, ValueInfoProto, TypeProto, TensorShapeProto).
 */
import { Message } from './protobuf';

/** TensorProto.DataType values. */
export const ONNX_DTYPE = { float32: 1, uint8: 2, int8: 3, int32: 6 } as const;
export type OnnxDtype = keyof typeof ONNX_DTYPE;

/** A dimension: a fixed size, or a named symbolic one (any size at run time). */
type Dim = number | string;

function valueInfo(name: string, dtype: OnnxDtype, dims: readonly Dim[]): Message {
  const shape = new Message();
  for (const d of dims) {
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, ONNX_DTYPE[dtype]).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

function initializer(name: string, dtype: OnnxDtype, dims: readonly number[], data: ArrayBufferView): Message {
  // raw_data is little-endian, as are TypedArrays on every platform Node runs on.
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Message().packedInts(1, dims).int(2, ONNX_DTYPE[dtype]).string(8, name).bytes(9, raw);
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
  const node = new Message()
    .string(1, 'A')
    .string(1, 'B')
    .string(2, 'Y')
    .string(3, 'gemm')
    .string(4, integer ? 'MatMulInteger' : 'MatMul');
  const graph = new Message()
    .message(1, node)
    .string(2, 'qgemm_bench')
    .message(5, initializer('B', integer ? 'int8' : 'float32', [k, n], b))
    .message(11, valueInfo('A', aDtype, [m, k]))
    .message(12, valueInfo('Y', integer ? 'int32' : 'float32', [m, n]));
  return new Message()
    .int(1, 8) // ir_version 8 (ONNX 1.10+)
    .string(2, 'qgemm-bench')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, 13)) // opset_import: default domain, opset 13
    .finish();
}
