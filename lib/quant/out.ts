/**
 * The `out` option of the quantization functions: write the result into memory
 * the caller owns instead of a fresh array (for large inputs the allocation
 * costs more than the work itself). A tensor of exactly the result's dtype and
 * shape, or a bare TypedArray of that type and length; never sharing memory
 * with the input.
 */
import { rangeError, typeError } from '../errors';
import { checkTensor, dtypeOf, overlaps, withArticle, type DataTypeMap, type DType, type Tensor } from '../tensor';

const NAMES: Record<DType, string> = { int8: 'Int8Array', uint8: 'Uint8Array', int32: 'Int32Array', float32: 'Float32Array' };

/** The dtype an `out` argument holds (to pick the output dtype from it), or undefined. */
export function outDtype(out: unknown): DType | undefined {
  if (out === undefined) return undefined;
  return dtypeOf(out) ?? (typeof out === 'object' && out !== null ? dtypeOf((out as Tensor).data) : undefined);
}

/**
 * Checks `out` against the result (dtype, shape) and the input it must not
 * overlap; returns the array to write (undefined: allocate one).
 */
export function outArray<D extends DType>(
  out: unknown,
  dtype: D,
  shape: readonly number[],
  input: ArrayBufferView,
): DataTypeMap[D] | undefined {
  if (out === undefined) return undefined;
  let data: unknown = out;
  if (!ArrayBuffer.isView(out)) {
    checkTensor(out, 'options.out');
    if (out.shape.length !== shape.length || out.shape.some((d, i) => d !== shape[i])) {
      throw rangeError('ERR_QGEMM_OUT', `options.out must have shape [${shape.join(', ')}], got [${out.shape.join(', ')}]`);
    }
    data = out.data;
  }
  if (dtypeOf(data) !== dtype) {
    throw typeError('ERR_QGEMM_OUT', `options.out must be ${withArticle(dtype)} tensor or ${withArticle(NAMES[dtype])}, got ${(data as object)?.constructor?.name ?? typeof data}`);
  }
  const array = data as DataTypeMap[D];
  const length = shape.reduce((p, d) => p * d, 1);
  if (array.length !== length) throw rangeError('ERR_QGEMM_OUT', `options.out must hold ${length} elements, got ${array.length}`);
  if (overlaps(array, input)) throw rangeError('ERR_QGEMM_OUT', 'options.out must not share memory with the input');
  return array;
}

/** The result: `out` itself when it was a tensor, else a tensor over the written array. */
export function outTensor<D extends DType>(out: unknown, dtype: D, shape: readonly number[], data: DataTypeMap[D]): Tensor<D> {
  if (out !== undefined && !ArrayBuffer.isView(out)) return out as Tensor<D>;
  return { dtype, shape: Object.freeze([...shape]), data } as Tensor<D>;
}
