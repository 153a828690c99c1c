/** Argument helpers: accept a Tensor<'float32'> or a bare Float32Array. */
import { typeError } from '../errors';
import { checkTensor, type Tensor } from '../tensor';

export type FloatInput = Tensor<'float32'> | Float32Array;

/** The data and shape of a float32 input (a bare Float32Array is 1-D). */
export function floatInput(x: unknown, name: string): { data: Float32Array; shape: readonly number[] } {
  if (x instanceof Float32Array) return { data: x, shape: [x.length] };
  checkTensor(x, name);
  if (x.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `${name} must be a float32 tensor, got ${x.dtype}`);
  return { data: x.data as Float32Array, shape: x.shape };
}

/** Normalises an axis in [-rank, rank) to [0, rank), or returns -1 when out of range. */
export function normalizeAxis(axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) return -1;
  return axis < 0 ? axis + rank : axis;
}
