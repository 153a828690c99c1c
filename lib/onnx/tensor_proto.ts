/**
 * TensorProto <-> constant tensors. Data may come in raw_data or in the typed
 * fields; sizes are checked against the declared dims before anything is
 * allocated, so a file declaring a huge tensor gets an error, not an allocation.
 */
import type { Budget } from './limits';
import { int64, onnx, onnxError } from './proto';

export type ConstDType = 'float32' | 'uint8' | 'int8' | 'int32' | 'int64';

export interface ConstData {
  float32: Float32Array;
  uint8: Uint8Array;
  int8: Int8Array;
  int32: Int32Array;
  /** int64 values as float64 numbers (checked to be safe integers). */
  int64: Float64Array;
}

export interface ConstTensor<D extends ConstDType = ConstDType> {
  dtype: D;
  dims: number[];
  data: ConstData[D];
}

/** TensorProto.DataType numbers. */
export const DATA_TYPE: Record<ConstDType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 };
const BY_NUMBER = new Map(Object.entries(DATA_TYPE).map(([k, v]) => [v, k as ConstDType]));
const ITEM_BYTES: Record<ConstDType, number> = { float32: 4, uint8: 1, int8: 1, int32: 4, int64: 8 };
const DATA_TYPE_NAMES = ['undefined', 'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'double', 'uint32', 'uint64'];

export function dtypeOfNumber(n: number, what: string): ConstDType {
  const d = BY_NUMBER.get(n);
  if (d === undefined) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what} has element type ${DATA_TYPE_NAMES[n] ?? n}; qgemm reads float, uint8, int8, int32 and int64`);
  return d;
}

export function elementCount(dims: readonly number[], what: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what} has a bad dimension ${d}`);
    n *= d;
    if (n > 2 ** 32) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what} declares more than 2^32 elements ([${dims.join(', ')}])`);
  }
  return n;
}

/** A TensorProto (an initializer or a Constant's value) as a ConstTensor. */
export function fromTensorProto(t: onnx.ITensorProto, what: string, budget?: Budget): ConstTensor {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    throw onnxError('ERR_QGEMM_ONNX_EXTERNAL_DATA', `${what} is stored in an external file; qgemm reads only self-contained models (save it with all tensors inside the .onnx file)`);
  }
  if (t.segment) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what} is a segment of a tensor`);
  const dtype = dtypeOfNumber(t.dataType ?? 0, what);
  const dims = (t.dims ?? []).map((d, i) => int64(d as number, `${what} dimension ${i}`));
  const count = elementCount(dims, what);
  budget?.dims(dims, what);
  budget?.take(count, what);
  const raw = t.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== count * ITEM_BYTES[dtype]) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: raw_data holds ${raw.length} bytes, dims [${dims.join(', ')}] of ${dtype} need ${count * ITEM_BYTES[dtype]}`);
    return { dtype, dims, data: fromRaw(dtype, raw, count, what) } as ConstTensor;
  }
  return { dtype, dims, data: fromTyped(dtype, t, count, what) } as ConstTensor;
}

function fromRaw(dtype: ConstDType, raw: Uint8Array, count: number, what: string): ConstData[ConstDType] {
  // Copied into a fresh, aligned buffer: raw_data is a view into the file at any offset. ONNX raw data is little-endian.
  const bytes = new Uint8Array(raw); // a copy (Buffer.slice would share the file's memory)
  if (dtype === 'float32') return new Float32Array(bytes.buffer, 0, count);
  if (dtype === 'uint8') return bytes;
  if (dtype === 'int8') return new Int8Array(bytes.buffer, 0, count);
  if (dtype === 'int32') return new Int32Array(bytes.buffer, 0, count);
  const big = new BigInt64Array(bytes.buffer, 0, count);
  return Float64Array.from(big, (v) => safe(Number(v), v >= -(2n ** 53n) && v <= 2n ** 53n, what));
}

function safe(n: number, ok: boolean, what: string): number {
  if (!ok || !Number.isSafeInteger(n)) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what} holds an int64 outside +-2^53`);
  return n;
}

const INT_RANGE: Partial<Record<ConstDType, [number, number]>> = { uint8: [0, 255], int8: [-128, 127], int32: [-(2 ** 31), 2 ** 31 - 1] };

function fromTyped(dtype: ConstDType, t: onnx.ITensorProto, count: number, what: string): ConstData[ConstDType] {
  const values: ArrayLike<unknown> = dtype === 'float32' ? (t.floatData ?? []) : dtype === 'int64' ? (t.int64Data ?? []) : (t.int32Data ?? []);
  if (values.length !== count) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what} holds ${values.length} values, dims need ${count}`);
  if (dtype === 'float32') return Float32Array.from(values as number[]);
  if (dtype === 'int64') return Float64Array.from(values as number[], (v, i) => int64(v, `${what} value ${i}`));
  const [lo, hi] = INT_RANGE[dtype]!;
  for (const v of values as number[]) if (!(v >= lo && v <= hi)) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what} holds ${v}, outside ${dtype}`);
  return dtype === 'uint8' ? Uint8Array.from(values as number[]) : dtype === 'int8' ? Int8Array.from(values as number[]) : Int32Array.from(values as number[]);
}

/** A ConstTensor as a TensorProto with raw_data (what saveOnnx writes). */
export function toTensorProto(name: string, t: ConstTensor): onnx.ITensorProto {
  const data = t.dtype === 'int64' ? BigInt64Array.from(t.data as Float64Array, (v) => BigInt(v)) : t.data;
  return { dims: t.dims, dataType: DATA_TYPE[t.dtype], name, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function constTensor<D extends ConstDType>(dtype: D, dims: number[], data: ConstData[D]): ConstTensor<D> {
  return { dtype, dims, data };
}
