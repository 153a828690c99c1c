/**
 * Constant folding for the few ops that compute on initializers in the graphs
 * qgemm reads (weights through DequantizeLinear, bias scales through Mul,
 * shapes through Reshape). Folded DequantizeLinear results remember their
 * quantized form so a MatMul can run on the int8 weights themselves.
 */
import { dequantizeLinear, quantizeLinear } from '../quant/onnx';
import type { Tensor } from '../tensor';
import { elementCount, type ConstTensor } from './tensor_proto';
import { onnxError } from './proto';

/** The quantized form of a constant made by DequantizeLinear. */
export interface QuantInfo {
  q: ConstTensor<'int8'> | ConstTensor<'uint8'> | ConstTensor<'int32'>;
  scales: Float32Array;
  zeroPoints: Int32Array;
  /** The per-axis dimension (normalized), or undefined per tensor. */
  axis: number | undefined;
}

export interface Folded {
  c: ConstTensor;
  /** Set when c = DequantizeLinear(q, scales, zeroPoints). */
  quant?: QuantInfo;
  /** Set when c = Mul(a, b) of two constants (a scale product such as x_scale * w_scale). */
  mul?: [ConstTensor, ConstTensor];
}

export function asTensor(c: ConstTensor, what: string): Tensor {
  if (c.dtype === 'int64') throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: int64 data where a float or 8-bit tensor is needed`);
  return { dtype: c.dtype, shape: c.dims, data: c.data } as Tensor;
}

export function scalarOf(c: ConstTensor | undefined, what: string): number | undefined {
  if (c === undefined) return undefined;
  if (c.data.length !== 1) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what} must hold one value (per tensor), got dims [${c.dims.join(', ')}]`);
  return c.data[0];
}

function normAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: axis ${axis} is outside rank ${rank}`);
  return a;
}

/** Scales and zero points of a (De)QuantizeLinear node, per tensor or along axis. */
export function qparamsOf(x: ConstTensor | { dims: readonly unknown[] }, scale: ConstTensor, zp: ConstTensor | undefined, axisAttr: number, what: string) {
  if (scale.dtype !== 'float32') throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: the scale must be float, got ${scale.dtype}`);
  if (zp !== undefined && zp.data.length !== scale.data.length) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: the zero point has ${zp.data.length} values, the scale ${scale.data.length}`);
  if (scale.dims.length > 1) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: blocked quantization (a scale of rank ${scale.dims.length}) is not supported`);
  // A scalar or a 1-element scale is per tensor (as ONNX Runtime reads it); a longer 1-D one is per axis.
  const perAxis = scale.data.length > 1;
  const axis = perAxis ? normAxis(axisAttr, x.dims.length, what) : undefined;
  if (axis !== undefined && x.dims[axis] !== scale.data.length) {
    throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: ${scale.data.length} scales along axis ${axis}, which has ${String(x.dims[axis])} entries`);
  }
  const scales = scale.data as Float32Array;
  for (const s of scales) if (!(s > 0) || !Number.isFinite(s)) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: scales must be positive and finite, got ${s}`);
  return { scales, zeroPoints: Int32Array.from(zp?.data ?? new Int32Array(scales.length)), zpDtype: zp?.dtype, axis };
}

export function dequantizeConst(x: ConstTensor, scale: ConstTensor, zp: ConstTensor | undefined, axisAttr: number, what: string): Folded {
  if (x.dtype !== 'int8' && x.dtype !== 'uint8' && x.dtype !== 'int32') throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: DequantizeLinear takes int8, uint8 or int32, got ${x.dtype}`);
  if (zp !== undefined && zp.dtype !== x.dtype) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: the zero point is ${zp.dtype}, the input ${x.dtype}`);
  const p = qparamsOf(x, scale, zp, axisAttr, what);
  const zpArg = zp === undefined ? undefined : ({ dtype: zp.dtype, shape: p.axis === undefined ? [] : [zp.data.length], data: zp.data } as Tensor<'int8'>);
  const y = dequantizeLinear(asTensor(x, what) as Tensor<'int8'>, p.axis === undefined ? p.scales[0] : p.scales, zpArg, { axis: p.axis });
  return { c: { dtype: 'float32', dims: x.dims, data: y.data }, quant: { q: x as QuantInfo['q'], scales: p.scales, zeroPoints: p.zeroPoints, axis: p.axis } };
}

export function quantizeConst(x: ConstTensor, scale: ConstTensor, zp: ConstTensor | undefined, axisAttr: number, what: string): ConstTensor {
  if (x.dtype !== 'float32') throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: QuantizeLinear takes float, got ${x.dtype}`);
  if (zp !== undefined && zp.dtype !== 'int8' && zp.dtype !== 'uint8') throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: QuantizeLinear to ${zp.dtype} is not supported`);
  const p = qparamsOf(x, scale, zp, axisAttr, what);
  const dtype = (zp?.dtype ?? 'uint8') as 'int8' | 'uint8';
  const zpArg = { dtype, shape: p.axis === undefined ? [] : [p.zeroPoints.length], data: dtype === 'int8' ? Int8Array.from(p.zeroPoints) : Uint8Array.from(p.zeroPoints) } as Tensor<'int8'>;
  const y = quantizeLinear(asTensor(x, what) as Tensor<'float32'>, p.axis === undefined ? p.scales[0] : p.scales, zpArg, { axis: p.axis });
  return { dtype, dims: x.dims, data: y.data } as ConstTensor;
}

/** numpy broadcasting of two shapes. */
function broadcast(a: readonly number[], b: readonly number[], what: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1, y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function index(dims: readonly number[], shape: readonly number[], flat: number): number {
  let idx = 0, stride = 1;
  for (let i = shape.length - 1, f = flat; i >= 0; i--) {
    const coord = f % shape[i];
    f = Math.floor(f / shape[i]);
    const d = dims[dims.length - shape.length + i];
    if (d !== undefined) {
      idx += (d === 1 ? 0 : coord) * stride;
      stride *= d;
    }
  }
  return idx;
}

/** Elementwise float32 Mul / Add of two float constants, with broadcasting. */
export function elementwiseConst(op: 'Mul' | 'Add', a: ConstTensor, b: ConstTensor, what: string): ConstTensor {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: ${op} of constants is folded for float only, got ${a.dtype} and ${b.dtype}`);
  const dims = broadcast(a.dims, b.dims, what);
  const count = elementCount(dims, what);
  // Only broadcasts where one side already has the result's size (a scalar or a vector against a tensor):
  // an outer product of two declared vectors could otherwise ask for a huge result from a tiny file.
  if (count > Math.max(a.data.length, b.data.length)) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: ${op} of constants [${a.dims.join(', ')}] and [${b.dims.join(', ')}] is not folded (an outer broadcast)`);
  const out = new Float32Array(count);
  for (let i = 0; i < out.length; i++) {
    const x = a.data[index(a.dims, dims, i)], y = b.data[index(b.dims, dims, i)];
    out[i] = op === 'Mul' ? x * y : x + y;
  }
  return { dtype: 'float32', dims, data: out };
}

/** [r, c] -> [c, r]. */
export function transpose2d<T extends Float32Array | Int8Array | Uint8Array | Int32Array>(data: T, r: number, c: number): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
  return out;
}

/** Reshape of a constant (0 copies a dim unless allowzero, -1 infers). */
export function reshapeDims(dims: readonly number[], shape: ArrayLike<number>, allowZero: boolean, what: string): number[] {
  const total = elementCount(dims, what);
  const out = Array.from(shape, (d, i) => (d === 0 && !allowZero ? dims[i] : d));
  const infer = out.indexOf(-1);
  if (out.some((d, i) => d === undefined || d < -1 || (d === -1 && i !== infer))) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: bad target shape [${Array.from(shape).join(', ')}]`);
  if (infer >= 0) {
    const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
    if (known === 0 || total % known !== 0) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: cannot reshape [${dims.join(', ')}] to [${Array.from(shape).join(', ')}]`);
    out[infer] = total / known;
  }
  if (elementCount(out, what) !== total) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: cannot reshape [${dims.join(', ')}] to [${out.join(', ')}]`);
  return out;
}
