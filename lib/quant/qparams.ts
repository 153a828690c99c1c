/**
 * Range -> (scale, zeroPoint), following torch.ao.quantization.observer's
 * _calculate_qparams (PyTorch 1.13) step for step in float32. narrowRange gives
 * the ONNX Runtime / TFLite weight convention (symmetric int8 on [-127, 127],
 * scale = amax / 127).
 */
import { rangeError, typeError, show } from '../errors';
import { checkBoolean, checkOptions } from '../options';
import { f32, FLOAT32_EPS, roundHalfEven, type QDType } from './round';

export type QScheme = 'per_tensor_affine' | 'per_tensor_symmetric' | 'per_channel_affine' | 'per_channel_symmetric';

export interface QParamsOptions {
  /** Quantized dtype; default 'uint8' (torch.quint8, PyTorch's default). */
  dtype?: QDType;
  /** PyTorch qscheme; default 'per_tensor_affine'. Only its affine/symmetric part matters here. */
  qscheme?: QScheme;
  /** Shorthand for a symmetric qscheme (overrides qscheme's choice when given). */
  symmetric?: boolean;
  /** Halve the quantized range: [-64, 63] / [0, 127] (PyTorch's x86 vpmaddubsw workaround). */
  reduceRange?: boolean;
  /** Custom quantized range; both or neither, must include 0. */
  quantMin?: number;
  quantMax?: number;
  /** int8 only: the range [-127, 127] (ONNX Runtime / TFLite weights). */
  narrowRange?: boolean;
  /** Smallest scale; default float32 epsilon (2^-23) as PyTorch. */
  eps?: number;
}

export interface QParams {
  scale: number;
  zeroPoint: number;
}

export interface PerChannelQParams {
  scale: Float32Array;
  zeroPoint: Int32Array;
}

/** The resolved quantized range and scheme. */
export interface QSpec {
  dtype: QDType;
  symmetric: boolean;
  perChannel: boolean;
  qmin: number;
  qmax: number;
  customRange: boolean;
  eps: number;
}

const QSCHEMES: readonly QScheme[] = ['per_tensor_affine', 'per_tensor_symmetric', 'per_channel_affine', 'per_channel_symmetric'];

/** The QParamsOptions names (observers add theirs). */
export const QPARAMS_KEYS: readonly string[] = ['dtype', 'qscheme', 'symmetric', 'reduceRange', 'quantMin', 'quantMax', 'narrowRange', 'eps'];

/** Validates options (`keys` allowed, named by `where` in errors) and computes PyTorch's calculate_qmin_qmax. */
export function resolveQSpec(options: QParamsOptions = {}, defaultQScheme: QScheme = 'per_tensor_affine', keys = QPARAMS_KEYS, where = 'calculateQParams'): QSpec {
  checkOptions(options, keys, where);
  if (typeof options !== 'object' || options === null) throw typeError('ERR_QGEMM_OPTION', 'options must be an object');
  for (const key of ['symmetric', 'reduceRange', 'narrowRange'] as const) checkBoolean(options[key], `options.${key}`);
  const dtype = options.dtype ?? 'uint8';
  if (dtype !== 'int8' && dtype !== 'uint8') throw rangeError('ERR_QGEMM_OPTION', `options.dtype must be 'int8' or 'uint8', got ${show(dtype)}`);
  const qscheme = options.qscheme ?? defaultQScheme;
  if (!QSCHEMES.includes(qscheme)) throw rangeError('ERR_QGEMM_OPTION', `options.qscheme must be one of ${QSCHEMES.join(', ')}, got ${show(qscheme)}`);
  const symmetric = options.symmetric ?? qscheme.endsWith('symmetric');
  const reduceRange = options.reduceRange === true;
  let qmin: number;
  let qmax: number;
  let customRange = false;
  if (options.narrowRange) {
    if (dtype !== 'int8') throw rangeError('ERR_QGEMM_OPTION', "options.narrowRange needs dtype 'int8' (the range [-127, 127])");
    if (options.quantMin !== undefined || options.quantMax !== undefined) {
      throw rangeError('ERR_QGEMM_OPTION', 'options.narrowRange and options.quantMin/quantMax are exclusive');
    }
    options = { ...options, quantMin: -127, quantMax: 127 };
  }
  if (options.quantMin !== undefined || options.quantMax !== undefined) {
    const lo = options.quantMin;
    const hi = options.quantMax;
    const [dlo, dhi] = dtype === 'int8' ? [-128, 127] : [0, 255];
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || (lo as number) > 0 || (hi as number) < 0 || (lo as number) >= (hi as number) || (lo as number) < dlo || (hi as number) > dhi) {
      throw rangeError('ERR_QGEMM_OPTION', `options.quantMin/quantMax must be integers with ${dlo} <= quantMin <= 0 <= quantMax <= ${dhi} and quantMin < quantMax, got ${show(lo)}, ${show(hi)}`);
    }
    customRange = true;
    // PyTorch halves a custom range too (floor division).
    qmin = reduceRange ? Math.floor((lo as number) / 2) : (lo as number);
    qmax = reduceRange ? Math.floor((hi as number) / 2) : (hi as number);
  } else if (dtype === 'int8') {
    [qmin, qmax] = reduceRange ? [-64, 63] : [-128, 127];
  } else {
    [qmin, qmax] = reduceRange ? [0, 127] : [0, 255];
  }
  if (symmetric && reduceRange && dtype === 'uint8') {
    throw rangeError('ERR_QGEMM_OPTION', 'reduceRange is not supported for symmetric uint8 quantization (as PyTorch)');
  }
  const eps = options.eps ?? FLOAT32_EPS;
  if (!(eps > 0) || !Number.isFinite(eps)) throw rangeError('ERR_QGEMM_OPTION', `options.eps must be a finite number > 0, got ${show(eps)}`);
  return { dtype, symmetric, perChannel: qscheme.startsWith('per_channel'), qmin, qmax, customRange, eps: f32(eps) };
}

/**
 * PyTorch's _calculate_qparams for one channel; min and max are float32.
 * Writes into out[0] (scale), out[1] (zero point) to avoid allocation in per-channel loops.
 */
export function qparamsInto(min: number, max: number, spec: QSpec, out: Float64Array | number[]): void {
  const { qmin, qmax, eps } = spec;
  const minNeg = min < 0 ? min : 0;
  let maxPos = max > 0 ? max : 0;
  let scale: number;
  let zeroPoint = 0;
  if (spec.symmetric) {
    if (-minNeg > maxPos) maxPos = -minNeg;
    scale = f32(maxPos / f32((qmax - qmin) / 2));
    if (scale < eps) scale = eps;
    if (spec.dtype === 'uint8') zeroPoint = spec.customRange ? Math.floor((qmin + qmax) / 2) : 128;
  } else {
    scale = f32(f32(maxPos - minNeg) / (qmax - qmin));
    if (scale < eps) scale = eps;
    zeroPoint = qmin - roundHalfEven(f32(minNeg / scale));
    if (zeroPoint < qmin) zeroPoint = qmin;
    else if (zeroPoint > qmax) zeroPoint = qmax;
  }
  out[0] = scale;
  out[1] = zeroPoint;
}

function checkRange(min: number, max: number, what: string): void {
  if (typeof min !== 'number' || typeof max !== 'number') throw typeError('ERR_QGEMM_ARG_TYPE', `${what}min and max must be numbers`);
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    throw rangeError('ERR_QGEMM_NOT_FINITE', `${what}min and max must be finite, got ${min}, ${max}`);
  }
  if (min > max) throw rangeError('ERR_QGEMM_MIN_MAX', `${what}min ${min} must not be above max ${max}`);
}

/** Scale and zero point for the range [min, max] (rounded to float32 first), PyTorch semantics. */
export function calculateQParams(min: number, max: number, options: QParamsOptions = {}): QParams {
  checkRange(min, max, '');
  const spec = resolveQSpec(options);
  const out = [0, 0];
  qparamsInto(f32(min), f32(max), spec, out);
  return { scale: out[0], zeroPoint: out[1] };
}

/** Per-channel scale and zero point, one per element of min / max. */
export function calculateQParamsPerChannel(
  min: ArrayLike<number>,
  max: ArrayLike<number>,
  options: QParamsOptions = {},
): PerChannelQParams {
  if (min.length !== max.length) throw rangeError('ERR_QGEMM_AXIS', `min has ${min.length} channels, max has ${max.length}`);
  const spec = resolveQSpec(options, 'per_channel_affine');
  const scale = new Float32Array(min.length);
  const zeroPoint = new Int32Array(min.length);
  const out = [0, 0];
  for (let c = 0; c < min.length; c++) {
    checkRange(min[c], max[c], `channel ${c}: `);
    qparamsInto(f32(min[c]), f32(max[c]), spec, out);
    scale[c] = out[0];
    zeroPoint[c] = out[1];
  }
  return { scale, zeroPoint };
}
