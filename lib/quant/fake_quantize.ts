/**
 * Fake quantization for quantization-aware training: quantize then dequantize
 * in float, with the gradients that training needs.
 *
 * Forward (per tensor, or per channel along `axis`), rounding 'onnx' (default):
 * the same float32 steps as quantizeLinear followed by dequantizeLinear, so a
 * fake-quantized operand is bit for bit the dequantized int8 operand that the
 * real int8 path multiplies:
 *   q = roundHalfEven(float32(x / scale)) + zeroPoint      (NaN: the integer 0, as quantizeLinear)
 *   y = float32(float32(clamp(q, qmin, qmax) - zeroPoint) * scale)
 * Rounding 'torch': PyTorch 1.13's fake_quantize_per_{tensor,channel}_affine on
 * x86, which multiplies by the float32 reciprocal instead of dividing:
 *   q = int64(float32(zeroPoint + roundHalfEven(float32(x * float32(1 / scale)))))
 * where NaN, +-Infinity and |q| >= 2^63 become INT64_MIN (x86's conversion), so
 * they give qmin with no gradient. The two differ where x / scale and
 * x * (1 / scale) round to different integers (a few elements in 10^4).
 * Backward:
 *   straight-through estimator (PyTorch fake_quantize_*_affine): dx = dy where
 *   the rounded q lies in [qmin, qmax], 0 where it was clamped (or x is NaN);
 *   LSQ (Esser et al. 2020, learnable step size): dscale = g * sum dy * dq/ds with
 *   dq/ds = q - zeroPoint - x/scale inside the range, qmin - zeroPoint below it,
 *   qmax - zeroPoint above it, and g = 1/sqrt(numel * qmax) (numel: the elements
 *   sharing that scale), as PyTorch's _fake_quantize_learnable_*.
 */
import { rangeError, typeError } from '../errors';
import { floatInput, normalizeAxis, type FloatInput } from './input';
import * as round from './round';

// Bound once: a call through the module namespace per element is a getter call in CommonJS output.
const f32 = Math.fround;
const roundHalfEven = round.roundHalfEven;

export interface FakeQuantizeParams {
  /** One scale, or one per channel along `axis`. */
  scale: number | Float32Array;
  /** One zero point or one per channel; default 0. */
  zeroPoint?: number | Int32Array;
  /** The integer range, e.g. [0, 255] for uint8, [-127, 127] for narrow int8. */
  qmin: number;
  qmax: number;
  /** Channel axis for per-channel params (negative counts from the end); default 0 (PyTorch's weight ch_axis). */
  axis?: number;
  /**
   * 'onnx' (default): divide by the scale, as quantizeLinear (and so the int8 inference path);
   * 'torch': multiply by the float32 reciprocal, as PyTorch's fake_quantize_per_*_affine.
   */
  rounding?: Rounding;
}

export type Rounding = 'onnx' | 'torch';

export interface FakeQuantized {
  /** The fake-quantized values (same layout as x). */
  y: Float32Array;
  /** 1 where the straight-through gradient passes (q inside [qmin, qmax]), else 0. */
  mask: Uint8Array;
}

interface Layout {
  data: Float32Array;
  outer: number;
  channels: number;
  inner: number;
  scales: Float32Array;
  zeroPoints: Int32Array;
  qmin: number;
  qmax: number;
  torch: boolean;
}

function layout(x: FloatInput, p: FakeQuantizeParams): Layout {
  const { data, shape } = floatInput(x, 'x');
  if (typeof p !== 'object' || p === null) throw typeError('ERR_QGEMM_ARG_TYPE', 'params must be { scale, zeroPoint?, qmin, qmax, axis? }');
  const { qmin, qmax } = p;
  const rounding = p.rounding ?? 'onnx';
  if (rounding !== 'onnx' && rounding !== 'torch') throw typeError('ERR_QGEMM_OPTION', `params.rounding must be 'onnx' or 'torch', got ${String(rounding)}`);
  const torch = rounding === 'torch';
  if (!Number.isInteger(qmin) || !Number.isInteger(qmax) || qmin > 0 || qmax < 0 || qmin >= qmax) {
    throw rangeError('ERR_QGEMM_OPTION', `qmin/qmax must be integers with qmin <= 0 <= qmax and qmin < qmax, got ${qmin}, ${qmax}`);
  }
  const scales = typeof p.scale === 'number' ? Float32Array.of(p.scale) : p.scale;
  if (!(scales instanceof Float32Array)) throw typeError('ERR_QGEMM_ARG_TYPE', 'params.scale must be a number or a Float32Array');
  for (const s of scales) if (!(s > 0) || !Number.isFinite(s)) throw rangeError('ERR_QGEMM_SCALE', `params.scale must be positive and finite, got ${s}`);
  const zp = p.zeroPoint ?? 0;
  const zeroPoints = typeof zp === 'number' ? Int32Array.of(zp) : zp;
  if (!(zeroPoints instanceof Int32Array)) throw typeError('ERR_QGEMM_ARG_TYPE', 'params.zeroPoint must be a number or an Int32Array');
  for (const z of zeroPoints) if (!Number.isInteger(z) || z < qmin || z > qmax) throw rangeError('ERR_QGEMM_ZERO_POINT', `params.zeroPoint must be integers in [${qmin}, ${qmax}], got ${z}`);
  const perChannel = scales.length !== 1 || zeroPoints.length !== 1;
  if (!perChannel) return { data, outer: 1, channels: 1, inner: data.length, scales, zeroPoints, qmin, qmax, torch };
  const axis = normalizeAxis(p.axis ?? 0, shape.length);
  if (axis < 0) throw rangeError('ERR_QGEMM_AXIS', `axis ${String(p.axis)} is out of range for rank ${shape.length}`);
  const channels = shape[axis];
  for (const [name, v] of [['scale', scales], ['zeroPoint', zeroPoints]] as const) {
    if (v.length !== 1 && v.length !== channels) throw rangeError('ERR_QGEMM_AXIS', `params.${name} must hold 1 or ${channels} values, got ${v.length}`);
  }
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  const full = (v: Float32Array | Int32Array) => (v.length === channels ? v : new (v.constructor as Float32ArrayConstructor)(channels).fill(v[0]));
  return { data, outer: data.length / (channels * inner) || 0, channels, inner, scales: full(scales) as Float32Array, zeroPoints: full(zeroPoints) as Int32Array, qmin, qmax, torch };
}

/** The unclamped rounded level of x (NaN stays NaN); huge values stay far outside any range. */
function level(x: number, s: number): number {
  let v = f32(x / s); // float32 division, as quantizeLinear
  if (v > 2 ** 40) v = 2 ** 40;
  else if (v < -(2 ** 40)) v = -(2 ** 40);
  return roundHalfEven(v);
}

// x86 converts NaN, +-Infinity and out-of-range floats to INT64_MIN.
const INT64_LIMIT = 2 ** 63;

/** PyTorch's quantized level (x86): an integer, or -Infinity for INT64_MIN. */
function torchLevel(x: number, inv: number, zp: number): number {
  const q = f32(zp + roundHalfEven(f32(x * inv)));
  return q >= -INT64_LIMIT && q < INT64_LIMIT ? q : -Infinity;
}

/**
 * Quantize-dequantize x; see the top of this file. With rounding 'onnx', NaN
 * becomes the integer 0 (as quantizeLinear); with 'torch', qmin. It gets no gradient either way.
 */
export function fakeQuantize(x: FloatInput, params: FakeQuantizeParams, out?: FakeQuantized): FakeQuantized {
  const L = layout(x, params);
  const n = L.data.length;
  const y = out?.y.length === n ? out.y : new Float32Array(n);
  const mask = out?.mask.length === n ? out.mask : new Uint8Array(n);
  const { data, qmin, qmax, torch } = L;
  let i = 0;
  for (let o = 0; o < L.outer; o++) {
    for (let c = 0; c < L.channels; c++) {
      const s = L.scales[c], zp = L.zeroPoints[c];
      const inv = f32(1 / s);
      for (const end = i + L.inner; i < end; i++) {
        const r = torch ? torchLevel(data[i], inv, zp) - zp : level(data[i], s);
        if (r !== r) {
          y[i] = f32((0 - zp) * s); // +0, not -0, when zp is 0: as dequantizing a stored 0
          mask[i] = 0;
          continue;
        }
        let q = r + zp;
        mask[i] = q >= qmin && q <= qmax ? 1 : 0;
        if (q < qmin) q = qmin;
        else if (q > qmax) q = qmax;
        y[i] = f32((q - zp) * s); // (q - zp) is an exact small integer
      }
    }
  }
  return { y, mask };
}

/** The straight-through estimator: dx = dy * mask. */
export function fakeQuantizeBackward(dy: Float32Array, mask: Uint8Array, out?: Float32Array): Float32Array {
  if (dy.length !== mask.length) throw rangeError('ERR_QGEMM_SHAPE', `dy has ${dy.length} values, mask ${mask.length}`);
  const dx = out?.length === dy.length ? out : new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) dx[i] = mask[i] ? dy[i] : 0;
  return dx;
}

export interface LsqGradients {
  /** Gradient for x (the straight-through estimator). */
  dx: Float32Array;
  /** Gradient for each scale, already multiplied by the grad scale. */
  dScale: Float32Array;
}

/**
 * LSQ backward: the gradients for x and for the (learnable) scales, given the
 * forward's inputs and dy. `gradScale` overrides g = 1/sqrt(numel * qmax).
 */
export function lsqBackward(x: FloatInput, dy: Float32Array, params: FakeQuantizeParams, gradScale?: number): LsqGradients {
  const L = layout(x, params);
  const n = L.data.length;
  if (dy.length !== n) throw rangeError('ERR_QGEMM_SHAPE', `dy has ${dy.length} values, x ${n}`);
  const dx = new Float32Array(n);
  const sums = new Float64Array(L.channels);
  const { data, qmin, qmax } = L;
  let i = 0;
  for (let o = 0; o < L.outer; o++) {
    for (let c = 0; c < L.channels; c++) {
      const s = L.scales[c], zp = L.zeroPoints[c];
      let acc = 0;
      for (const end = i + L.inner; i < end; i++) {
        const r = level(data[i], s);
        if (r !== r) continue;
        const q = r + zp;
        if (q < qmin) acc += dy[i] * (qmin - zp);
        else if (q > qmax) acc += dy[i] * (qmax - zp);
        else {
          acc += dy[i] * (r - f32(data[i] / s));
          dx[i] = dy[i];
        }
      }
      sums[c] += acc;
    }
  }
  const perScale = n / L.channels;
  const g = gradScale ?? 1 / Math.sqrt(perScale * qmax);
  const dScale = new Float32Array(L.channels);
  for (let c = 0; c < L.channels; c++) dScale[c] = sums[c] * g;
  return { dx, dScale };
}
