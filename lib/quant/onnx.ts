/**
 * ONNX QuantizeLinear / DequantizeLinear / DynamicQuantizeLinear (opset 13),
 * bit-exact: the division x / scale is done in float32, rounding is half to
 * even, the result saturates to the output dtype. See docs/QUANTIZATION.md.
 */
import { checkOptions } from '../options';
import { rangeError } from '../errors';
import { dequantizeBlockNative, minMaxNative, quantizeBlockNative } from './native_path';
import { checkTensor, type Tensor } from '../tensor';
import { floatInput, type FloatInput } from './input';
import { outArray, outDtype, outTensor } from './out';
import { resolveAxisParams, type ScaleArg, type ZeroPointArg } from './params';
import * as round from './round';
import { qRange, type QDType } from './round';

// Bound once: a call through an imported binding is a getter call per element in CommonJS
// output (esbuild / tsx), which cost more than the arithmetic in these loops.
const f32 = Math.fround;
const roundHalfEven = round.roundHalfEven;

export interface QuantizeLinearOptions {
  /** The per-axis dimension (negative counts from the end); default 1 as ONNX. Ignored per-tensor. */
  axis?: number;
  /** Output dtype when zeroPoint is a plain number or absent; default: out's dtype, else 'uint8' as ONNX. */
  dtype?: QDType;
  /** Write the result here: an int8/uint8 tensor of x's shape, or an Int8Array/Uint8Array of its length. */
  out?: Tensor<'int8'> | Tensor<'uint8'> | Int8Array | Uint8Array;
}

/**
 * y = saturate(roundHalfEven(float32(x / scale)) + zeroPoint).
 * NaN maps to 0 (what numpy's cast gives on x86, the ONNX reference's backend);
 * +-Infinity saturate.
 */
export function quantizeLinear(
  x: FloatInput,
  scale: ScaleArg,
  zeroPoint?: ZeroPointArg,
  options: QuantizeLinearOptions = {},
): Tensor<'int8'> | Tensor<'uint8'> {
  checkOptions(options, ['axis', 'dtype', 'out'], 'quantizeLinear');
  const { data, shape } = floatInput(x, 'x');
  // A zero point with a dtype says the output dtype; otherwise options.dtype, then out's dtype.
  const fromOut = typeof zeroPoint === 'number' || zeroPoint === undefined ? outDtype(options.out) : undefined;
  const dtypeOpt = options.dtype ?? (fromOut === 'int8' || fromOut === 'uint8' ? fromOut : undefined);
  const p = resolveAxisParams(shape, scale, zeroPoint, options.axis, dtypeOpt, 'uint8');
  if (p.dtype === 'int32') throw rangeError('ERR_QGEMM_DTYPE', 'quantizeLinear outputs int8 or uint8, not int32');
  const out = outArray(options.out, p.dtype, shape, data) ?? (p.dtype === 'int8' ? new Int8Array(data.length) : new Uint8Array(data.length));
  const [lo, hi] = qRange(p.dtype);
  let i = 0;
  for (let o = 0; o < p.outer; o++) {
    for (let c = 0; c < p.channels; c++) {
      const s = p.scales[c];
      const zp = p.zeroPoints[c];
      if (quantizeBlockNative(data, i, i + p.inner, s, zp, out)) {
        i += p.inner;
        continue;
      }
      for (const end = i + p.inner; i < end; i++) {
        let v = f32(data[i] / s); // float32 division, as the reference
        if (v !== v) {
          out[i] = 0;
          continue;
        }
        // Clamp before rounding so huge values stay in roundHalfEven's exact range; the result saturates anyway.
        if (v > 1024) v = 1024;
        else if (v < -1024) v = -1024;
        let q = roundHalfEven(v) + zp;
        if (q < lo) q = lo;
        else if (q > hi) q = hi;
        out[i] = q;
      }
    }
  }
  return outTensor(options.out, p.dtype, shape, out) as Tensor<'int8'> | Tensor<'uint8'>;
}

export interface DequantizeLinearOptions {
  /** The per-axis dimension; default 1 as ONNX. Ignored per-tensor. */
  axis?: number;
  /** Write the result here: a float32 tensor of x's shape, or a Float32Array of its length. */
  out?: Tensor<'float32'> | Float32Array;
}

export type QuantizedInput = Tensor<'int8'> | Tensor<'uint8'> | Tensor<'int32'> | Int8Array | Uint8Array | Int32Array;

/** y = float32(float32(x) - float32(zeroPoint)) * scale, rounded to float32. int32 input takes no zero point. */
export function dequantizeLinear(
  x: QuantizedInput,
  scale: ScaleArg,
  zeroPoint?: ZeroPointArg,
  options: DequantizeLinearOptions = {},
): Tensor<'float32'> {
  checkOptions(options, ['axis', 'out'], 'dequantizeLinear');
  const { data, shape, dtype } = intInput(x);
  const p = resolveAxisParams(shape, scale, zeroPoint, options.axis, undefined, dtype);
  if (p.dtype !== dtype) {
    throw rangeError('ERR_QGEMM_DTYPE', `zeroPoint's dtype ${p.dtype} must match x's dtype ${dtype}`);
  }
  const out = outArray(options.out, 'float32', shape, data) ?? new Float32Array(data.length);
  let i = 0;
  for (let o = 0; o < p.outer; o++) {
    for (let c = 0; c < p.channels; c++) {
      const s = p.scales[c];
      const zp = p.zeroPoints[c];
      if (dequantizeBlockNative(data, i, i + p.inner, s, zp, out)) {
        i += p.inner;
        continue;
      }
      for (const end = i + p.inner; i < end; i++) out[i] = f32(f32(f32(data[i]) - zp) * s);
    }
  }
  return outTensor(options.out, 'float32', shape, out);
}

function intInput(x: unknown): { data: Int8Array | Uint8Array | Int32Array; shape: readonly number[]; dtype: 'int8' | 'uint8' | 'int32' } {
  if (x instanceof Int8Array) return { data: x, shape: [x.length], dtype: 'int8' };
  if (x instanceof Int32Array) return { data: x, shape: [x.length], dtype: 'int32' };
  if (x instanceof Uint8Array && !(x instanceof Uint8ClampedArray)) return { data: x, shape: [x.length], dtype: 'uint8' };
  const t = x as Tensor;
  if (typeof t !== 'object' || t === null || t.dtype === 'float32') {
    throw rangeError('ERR_QGEMM_DTYPE', 'x must be an int8, uint8 or int32 tensor or TypedArray');
  }
  checkTensor(t, 'x');
  return { data: t.data as Int8Array, shape: t.shape, dtype: t.dtype as 'int8' | 'uint8' | 'int32' };
}

export interface DynamicQuantized {
  y: Tensor<'uint8'>;
  scale: number;
  zeroPoint: number;
}

/**
 * ONNX DynamicQuantizeLinear, following its function body in float32:
 * scale = (max(x_max, 0) - min(x_min, 0)) / 255,
 * zeroPoint = roundHalfEven(clip(0 - x_min_adj / scale, 0, 255)), y = quantizeLinear(x, scale, zeroPoint).
 * NaNs are skipped when taking min/max (then quantize to 0). An all-zero input
 * gives scale 0 in ONNX's body (then NaN); we return scale 1, zero point 0 as ONNX Runtime does.
 */
export interface DynamicQuantizeLinearOptions {
  /** Write y here: a uint8 tensor of x's shape, or a Uint8Array of its length. */
  out?: Tensor<'uint8'> | Uint8Array;
}

export function dynamicQuantizeLinear(x: FloatInput, options: DynamicQuantizeLinearOptions = {}): DynamicQuantized {
  checkOptions(options, ['out'], 'dynamicQuantizeLinear');
  const { data, shape } = floatInput(x, 'x');
  if (data.length === 0) throw rangeError('ERR_QGEMM_EMPTY', 'dynamicQuantizeLinear needs a non-empty x');
  let [min, max] = minMaxNative(data) ?? [NaN, NaN];
  if (min !== min) {
    // No native path, or a NaN somewhere (the native min/max propagates it; here NaNs are skipped).
    min = 0;
    max = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      else if (v > max) max = v;
    }
  } else {
    min = min < 0 ? min : 0;
    max = max > 0 ? max : 0;
  }
  if (min === -Infinity || max === Infinity) {
    throw rangeError('ERR_QGEMM_NOT_FINITE', 'dynamicQuantizeLinear needs finite values in x');
  }
  let scale = f32(f32(max - min) / 255);
  let zeroPoint = 0;
  if (scale === 0) {
    scale = 1;
  } else {
    let zp = 0 - f32(min / scale);
    zp = zp < 0 ? 0 : zp > 255 ? 255 : zp;
    zeroPoint = roundHalfEven(zp);
  }
  const y = quantizeLinear({ dtype: 'float32', shape, data }, scale, zeroPoint, { dtype: 'uint8', out: options.out }) as Tensor<'uint8'>;
  return { y, scale, zeroPoint };
}
