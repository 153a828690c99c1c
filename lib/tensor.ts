/**
 * Typed tensors: a dtype, a shape and a TypedArray holding the elements in
 * row-major order. The TypedArray is the data itself (no copy), so tensors are
 * ordinary garbage-collected objects with nothing to dispose.
 */
import { rangeError, typeError, show } from './errors';
import { native } from './native';

export type DType = 'int8' | 'uint8' | 'int32' | 'float32';

export interface DataTypeMap {
  int8: Int8Array;
  uint8: Uint8Array;
  int32: Int32Array;
  float32: Float32Array;
}

export type TypedData = DataTypeMap[DType];

export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DataTypeMap[D];
}

const constructors = {
  int8: Int8Array,
  uint8: Uint8Array,
  int32: Int32Array,
  float32: Float32Array,
} as const;

export const DTYPES: readonly DType[] = ['int8', 'uint8', 'int32', 'float32'];

/** The dtype of a TypedArray, or undefined for other kinds (Uint8ClampedArray, Float64Array, ...). */
export function dtypeOf(data: unknown): DType | undefined {
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array && !(data instanceof Uint8ClampedArray)) return 'uint8';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return undefined;
}

/** Number of elements of a shape; throws ERR_QGEMM_SHAPE / ERR_QGEMM_TOO_LARGE. */
export function shapeSize(shape: readonly number[], name = 'shape'): number {
  if (!Array.isArray(shape)) throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be an array of integers`);
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw rangeError('ERR_QGEMM_SHAPE', `${name}[${i}] must be a non-negative integer, got ${show(d)}`);
    }
    size *= d;
    if (!Number.isSafeInteger(size)) throw rangeError('ERR_QGEMM_TOO_LARGE', `${name} [${shape.join(', ')}] has too many elements`);
  }
  return size;
}

/** Wraps a TypedArray as a tensor of `shape` (default: 1-D). No copy. */
export function tensor<T extends TypedData>(data: T, shape?: readonly number[]): Tensor<DTypeOf<T>> {
  const dtype = dtypeOf(data);
  if (dtype === undefined) {
    throw typeError('ERR_QGEMM_DTYPE', 'data must be an Int8Array, Uint8Array, Int32Array or Float32Array');
  }
  if (shape !== undefined && !Array.isArray(shape)) throw typeError('ERR_QGEMM_ARG_TYPE', 'shape must be an array of integers');
  const dims = shape === undefined ? [data.length] : [...shape];
  const t = { dtype, shape: Object.freeze(dims), data } as unknown as Tensor<DTypeOf<T>>;
  checkTensor(t, 'tensor');
  return t;
}

export type DTypeOf<T> = T extends Int8Array
  ? 'int8'
  : T extends Uint8Array
    ? 'uint8'
    : T extends Int32Array
      ? 'int32'
      : T extends Float32Array
        ? 'float32'
        : never;

/** A new zero-filled tensor. */
export function zeros<D extends DType>(dtype: D, shape: readonly number[]): Tensor<D> {
  const C = typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype) ? constructors[dtype] : undefined;
  if (C === undefined) throw typeError('ERR_QGEMM_DTYPE', `dtype must be one of ${DTYPES.join(', ')}, got ${show(dtype)}`);
  const size = shapeSize(shape);
  if (size * C.BYTES_PER_ELEMENT > maxByteLength()) {
    throw rangeError('ERR_QGEMM_TOO_LARGE', `a ${dtype} tensor of shape [${shape.join(', ')}] is too large to allocate`);
  }
  return { dtype, shape: Object.freeze([...shape]), data: new C(size) as DataTypeMap[D] };
}

/** A tensor over an existing ArrayBuffer (results handed over by async jobs). */
export function wrapBuffer<D extends DType>(dtype: D, shape: readonly number[], buffer: ArrayBuffer): Tensor<D> {
  return { dtype, shape: Object.freeze([...shape]), data: new constructors[dtype](buffer) as DataTypeMap[D] };
}

/** The largest ArrayBuffer this runtime may allocate (V8: 2^32 on 64-bit, kept conservative). */
export function maxByteLength(): number {
  return 2 ** 32;
}

/**
 * Checks that `t` is a well-formed tensor: known dtype, data of that type,
 * shape of non-negative integers whose product equals the data length, and a
 * buffer still attached. Throws a coded error naming `name` otherwise.
 */
export function checkTensor(t: unknown, name: string): asserts t is Tensor {
  if (ArrayBuffer.isView(t)) throw bareArrayError(t, name);
  if (typeof t !== 'object' || t === null) throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a tensor ({ dtype, shape, data })`);
  const { dtype, shape, data } = t as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(DTYPES as readonly string[]).includes(dtype)) {
    throw typeError('ERR_QGEMM_DTYPE', `${name}.dtype must be one of ${DTYPES.join(', ')}, got ${show(dtype)}`);
  }
  if (dtypeOf(data) !== dtype) {
    throw typeError('ERR_QGEMM_DTYPE', `${name}.data must be ${withArticle(constructors[dtype as DType].name)} for dtype ${dtype}`);
  }
  const size = shapeSize(shape as number[], `${name}.shape`);
  const array = data as TypedData;
  if (isDetached(array)) throw typeError('ERR_QGEMM_DETACHED', `${name}.data's ArrayBuffer is detached`);
  if (array.length !== size) {
    throw rangeError('ERR_QGEMM_DATA_LENGTH', `${name}.data has ${array.length} elements, shape [${(shape as number[]).join(', ')}] needs ${size}`);
  }
}

/** "an Int8Array", "an int8 tensor", "a Uint8Array": the article a type name takes (u as in "you"). */
export function withArticle(typeName: string): string {
  return `${/^[aeio]/i.test(typeName) ? 'an' : 'a'} ${typeName}`;
}

/**
 * The error for a TypedArray passed where a tensor is expected: it says how to
 * wrap it (or, for a type qgemm does not take, how to convert it first).
 */
function bareArrayError(view: ArrayBufferView, name: string): TypeError {
  const kind = view.constructor?.name ?? 'ArrayBufferView';
  const hint = dtypeOf(view) !== undefined
    ? 'wrap it: tensor(data, [rows, cols])'
    : `convert it, then wrap it: tensor(Float32Array.from(data), [rows, cols]) (tensors hold int8, uint8, int32 or float32)`;
  return typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a tensor ({ dtype, shape, data }), got a bare ${kind}; ${hint}`);
}

/** Two views that share at least one byte of memory. */
export function overlaps(x: ArrayBufferView, y: ArrayBufferView): boolean {
  if (x.byteLength === 0 || y.byteLength === 0) return false;
  if (x.buffer === y.buffer) return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
  // Distinct ArrayBuffers never share memory; two SharedArrayBuffer objects can (a structuredClone,
  // or one posted to a worker), so those are compared by address.
  if (!isShared(x.buffer) || !isShared(y.buffer)) return false;
  const ax = native().dataAddress(x), ay = native().dataAddress(y);
  return ax < ay + y.byteLength && ay < ax + x.byteLength;
}

const isShared = (b: ArrayBufferLike): boolean => Object.prototype.toString.call(b) === '[object SharedArrayBuffer]';

/** True when the TypedArray's buffer was detached (transferred or structured-cloned away). */
export function isDetached(array: TypedData): boolean {
  const buffer = array.buffer as ArrayBuffer & { detached?: boolean };
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  // Before `ArrayBuffer.prototype.detached` (Node < 22): a detached buffer reports byteLength 0.
  return buffer.byteLength === 0 && array.byteOffset === 0 && !isEmptyView(array);
}

// A view made empty on purpose has length 0; only a detached one also loses its byteLength.
function isEmptyView(array: TypedData): boolean {
  try {
    // Constructing a view over a detached buffer throws; over an empty one it works.
    new Uint8Array(array.buffer, 0, 0);
    return true;
  } catch {
    return false;
  }
}
