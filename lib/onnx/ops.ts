/** The ONNX operators loadOnnx reads, and node attribute access. */
import type { Budget } from './limits';
import { int64, onnx, onnxError } from './proto';
import { fromTensorProto, type ConstTensor } from './tensor_proto';

/** Default-domain operators, and what each becomes. */
export const SUPPORTED_OPS = new Set([
  'MatMul', 'Gemm', 'Add', 'Relu', 'Flatten', 'Reshape', 'Transpose', 'Identity', 'Constant', 'Cast', 'Mul',
  'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'MatMulInteger', 'QLinearMatMul',
]);

/** [fewest, most] inputs of each operator (ONNX's schemas); the fewest must be named. */
export const ARITY: Record<string, [number, number]> = {
  MatMul: [2, 2], Gemm: [2, 3], Add: [2, 2], Mul: [2, 2], Relu: [1, 1], Flatten: [1, 1], Reshape: [2, 2], Transpose: [1, 1],
  Identity: [1, 1], Constant: [0, 0], Cast: [1, 1], QuantizeLinear: [2, 3], DequantizeLinear: [2, 3], DynamicQuantizeLinear: [1, 1],
  MatMulInteger: [2, 4], QLinearMatMul: [8, 8], DynamicQuantizedLinearPerRow: [4, 4],
};

/** qgemm's own function (a model-local ONNX function that saveOnnx writes for per-row dynamic layers). */
export const QGEMM_DOMAIN = 'qgemm';
export const PER_ROW_FUNCTION = 'DynamicQuantizedLinearPerRow';

/** The default-domain opsets read (QuantizeLinear per axis needs 13; 21 adds blocked quantization, refused by attribute). */
export const MIN_OPSET = 10;
export const MAX_OPSET = 21;

export function isDefaultDomain(domain: string | null | undefined): boolean {
  return !domain || domain === 'ai.onnx';
}

export function describeNode(node: onnx.INodeProto, index: number): string {
  return `${node.opType || '(no op_type)'} (node "${node.name || `#${index}`}")`;
}

function attribute(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function attrInt(node: onnx.INodeProto, name: string, fallback: number, what: string): number {
  const a = attribute(node, name);
  if (a === undefined) return fallback;
  if (a.type !== onnx.AttributeProto.AttributeType.INT) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: attribute ${name} must be an int`);
  return int64(a.i as number, `${what} attribute ${name}`);
}

export function attrFloat(node: onnx.INodeProto, name: string, fallback: number, what: string): number {
  const a = attribute(node, name);
  if (a === undefined) return fallback;
  if (a.type !== onnx.AttributeProto.AttributeType.FLOAT) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: attribute ${name} must be a float`);
  return Math.fround(a.f ?? 0);
}

export function attrInts(node: onnx.INodeProto, name: string, what: string): number[] | undefined {
  const a = attribute(node, name);
  if (a === undefined) return undefined;
  if (a.type !== onnx.AttributeProto.AttributeType.INTS) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: attribute ${name} must be ints`);
  return (a.ints ?? []).map((v) => int64(v as number, `${what} attribute ${name}`));
}

/** A Constant node's value (value, value_float(s), value_int(s)). */
export function constantValue(node: onnx.INodeProto, what: string, budget?: Budget): ConstTensor {
  const a = node.attribute?.[0];
  if (a === undefined || (node.attribute?.length ?? 0) !== 1) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: Constant needs exactly one value attribute`);
  const T = onnx.AttributeProto.AttributeType;
  if (a.name === 'value' && a.type === T.TENSOR && a.t) return fromTensorProto(a.t, what, budget);
  if (a.name === 'value_float' && a.type === T.FLOAT) return { dtype: 'float32', dims: [], data: Float32Array.of(a.f ?? 0) };
  if (a.name === 'value_floats' && a.type === T.FLOATS) return { dtype: 'float32', dims: [a.floats?.length ?? 0], data: Float32Array.from(a.floats ?? []) };
  if (a.name === 'value_int' && a.type === T.INT) return { dtype: 'int64', dims: [], data: Float64Array.of(int64(a.i as number, what)) };
  if (a.name === 'value_ints' && a.type === T.INTS) return { dtype: 'int64', dims: [a.ints?.length ?? 0], data: Float64Array.from(a.ints ?? [], (v) => int64(v as number, what)) };
  throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: Constant attribute ${a.name} is not supported`);
}
