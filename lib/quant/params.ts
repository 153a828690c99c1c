/**
 * Validation of (scale, zeroPoint, axis) arguments for quantizeLinear and
 * dequantizeLinear: per-tensor (a number or a 0-d tensor) or per-axis (a 1-D
 * tensor or TypedArray whose length is x.shape[axis]), as ONNX.
 */
import { rangeError, typeError, show } from '../errors';
import { checkTensor, dtypeOf, type Tensor } from '../tensor';
import { normalizeAxis } from './input';
import type { QDType } from './round';

export type ScaleArg = number | Tensor<'float32'> | Float32Array;
export type ZeroPointArg = number | Tensor<'int8' | 'uint8' | 'int32'> | Int8Array | Uint8Array | Int32Array;

export interface AxisParams {
  /** One scale per channel (length 1 when per-tensor), float32 values. */
  scales: Float32Array;
  /** One zero point per channel (length 1 when per-tensor). */
  zeroPoints: Int32Array;
  /** The quantized dtype (from the zero point, the dtype option, or the default). */
  dtype: QDType | 'int32';
  /** Iteration layout: outer x channels x inner. */
  outer: number;
  channels: number;
  inner: number;
}

function asFloat32(arg: unknown, name: string): { values: Float32Array; scalar: boolean } {
  if (typeof arg === 'number') return { values: Float32Array.of(arg), scalar: true };
  if (arg instanceof Float32Array) return { values: arg, scalar: false };
  if (typeof arg === 'object' && arg !== null && 'dtype' in arg) {
    checkTensor(arg, name);
    if (arg.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `${name} must be float32, got ${arg.dtype}`);
    if (arg.shape.length > 1) throw rangeError('ERR_QGEMM_SHAPE', `${name} must be a scalar or 1-D, got shape [${arg.shape.join(', ')}]`);
    return { values: arg.data as Float32Array, scalar: arg.shape.length === 0 };
  }
  throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a number, a Float32Array or a float32 tensor`);
}

function asInts(arg: unknown, name: string): { values: ArrayLike<number>; scalar: boolean; dtype?: 'int8' | 'uint8' | 'int32' } {
  if (typeof arg === 'number') return { values: [arg], scalar: true };
  const d = dtypeOf(arg);
  if (d === 'int8' || d === 'uint8' || d === 'int32') return { values: arg as Int8Array, scalar: false, dtype: d };
  if (typeof arg === 'object' && arg !== null && 'dtype' in arg) {
    checkTensor(arg, name);
    if (arg.dtype === 'float32') throw typeError('ERR_QGEMM_DTYPE', `${name} must be int8, uint8 or int32, got float32`);
    if (arg.shape.length > 1) throw rangeError('ERR_QGEMM_SHAPE', `${name} must be a scalar or 1-D, got shape [${arg.shape.join(', ')}]`);
    return { values: arg.data as Int8Array, scalar: arg.shape.length === 0, dtype: arg.dtype as 'int8' | 'uint8' | 'int32' };
  }
  throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a number, an Int8Array/Uint8Array or an int8/uint8 tensor`);
}

export function checkScales(scales: Float32Array, name: string): void {
  for (let i = 0; i < scales.length; i++) {
    const s = scales[i];
    if (!(s > 0) || s === Infinity) {
      throw rangeError('ERR_QGEMM_SCALE', `${name}${scales.length > 1 ? `[${i}]` : ''} must be a finite number > 0, got ${s}`);
    }
  }
}

/**
 * Resolves scale / zero point / axis for `shape`. `dtype` is the explicit
 * option (only allowed when the zero point does not carry a dtype);
 * `fallback` the default dtype.
 */
export function resolveAxisParams(
  shape: readonly number[],
  scale: unknown,
  zeroPoint: unknown,
  axisOpt: number | undefined,
  dtypeOpt: QDType | undefined,
  fallback: QDType | 'int32',
): AxisParams {
  const s = asFloat32(scale, 'scale');
  checkScales(s.values, 'scale');
  const z = zeroPoint === undefined ? undefined : asInts(zeroPoint, 'zeroPoint');
  if (z?.dtype !== undefined && dtypeOpt !== undefined && z.dtype !== dtypeOpt) {
    throw typeError('ERR_QGEMM_DTYPE', `options.dtype ${dtypeOpt} disagrees with zeroPoint's dtype ${z.dtype}`);
  }
  const dtype = z?.dtype ?? dtypeOpt ?? fallback;
  // A 1-element 1-D scale counts as per-tensor, as ONNX Runtime's IsScalarOr1ElementVector.
  const perAxis = !(s.scalar || s.values.length === 1);
  if (z !== undefined && !(z.scalar || z.values.length === 1) !== perAxis) {
    throw rangeError('ERR_QGEMM_SHAPE', 'scale and zeroPoint must both be scalars or both be 1-D');
  }
  let outer = 1;
  let channels = 1;
  let inner = 1;
  for (const d of shape) inner *= d;
  if (perAxis) {
    const axisArg = axisOpt ?? 1; // ONNX default
    const axis = normalizeAxis(axisArg, shape.length);
    if (axis < 0) throw rangeError('ERR_QGEMM_AXIS', `axis ${axisArg} is out of range for a tensor of rank ${shape.length}`);
    channels = shape[axis];
    outer = 1;
    for (let i = 0; i < axis; i++) outer *= shape[i];
    inner = 1;
    for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
    if (s.values.length !== channels) {
      throw rangeError('ERR_QGEMM_AXIS', `scale has ${s.values.length} elements, x.shape[${axis}] is ${channels}`);
    }
    if (z !== undefined && z.values.length !== channels) {
      throw rangeError('ERR_QGEMM_AXIS', `zeroPoint has ${z.values.length} elements, x.shape[${axis}] is ${channels}`);
    }
  } else if (axisOpt !== undefined && !Number.isInteger(axisOpt)) {
    throw typeError('ERR_QGEMM_OPTION', `options.axis must be an integer, got ${show(axisOpt)}`);
  }
  const zeroPoints = new Int32Array(channels);
  if (z !== undefined) {
    const [lo, hi] = dtype === 'int8' ? [-128, 127] : dtype === 'uint8' ? [0, 255] : [0, 0];
    for (let i = 0; i < channels; i++) {
      const v = z.values[i];
      if (!Number.isInteger(v) || v < lo || v > hi) {
        const what = dtype === 'int32' ? 'must be 0 for int32 input (ONNX)' : `must be an integer in [${lo}, ${hi}] for ${dtype}`;
        throw rangeError('ERR_QGEMM_ZERO_POINT', `zeroPoint${channels > 1 ? `[${i}]` : ''} ${what}, got ${v}`);
      }
      zeroPoints[i] = v;
    }
  }
  return { scales: s.values, zeroPoints, dtype, outer, channels, inner };
}
