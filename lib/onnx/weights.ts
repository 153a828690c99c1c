/**
 * Weights for qgemm's QuantizedLinear (symmetric int8 [out, in], zero point 0)
 * from the quantized forms ONNX graphs store: int8 or uint8, zero points per
 * tensor or per output column, absorbed when the shifted values fit int8.
 */
import { transpose2d, type QuantInfo } from './fold';
import { onnxError } from './proto';
import type { ConstTensor } from './tensor_proto';

const unsupported = (what: string, why: string) => onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `${what}: ${why}`);
const invalid = (what: string, why: string) => onnxError('ERR_QGEMM_ONNX_INVALID', `${what}: ${why}`);

/** Symmetric int8 [out, in] from quantized weights W ([K, N], or [N, K] with transB), or undefined when W has no such form. */
export function int8Weights(info: QuantInfo, transB: boolean): { q: Int8Array; scales: Float32Array } | undefined {
  const { q, scales, zeroPoints, axis } = info;
  if (q.dtype === 'int32' || q.dims.length !== 2) return undefined;
  const outAxis = transB ? 0 : 1;
  if (axis !== undefined && axis !== outAxis) return undefined;
  const [r, c] = q.dims;
  const shifted = new Int8Array(q.data.length);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      const v = q.data[i * c + j] - zeroPoints[axis === undefined ? 0 : outAxis === 0 ? i : j];
      if (v < -128 || v > 127) return undefined; // a zero point that int8 cannot absorb
      shifted[i * c + j] = v;
    }
  }
  return { q: transB ? shifted : transpose2d(shifted, r, c), scales: Float32Array.from(scales) };
}

/** B - bZeroPoint as int8 [out, in]: the zero point must be absorbable (the values fit int8). */
export function intWeights(b: ConstTensor, bzp: ConstTensor | undefined, what: string): { q: Int8Array; out: number; in: number } {
  if ((b.dtype !== 'int8' && b.dtype !== 'uint8') || b.dims.length !== 2) throw unsupported(what, `B must be a 2-D int8 or uint8 constant, got ${b.dtype} [${b.dims.join(', ')}]`);
  if (bzp !== undefined && (bzp.dtype !== b.dtype || (bzp.data.length !== 1 && bzp.data.length !== b.dims[1]))) throw invalid(what, "B's zero point must match B's type, per tensor or per column");
  const zps = Int32Array.from(bzp?.data ?? [0]);
  const w = int8Weights({ q: b as QuantInfo['q'], scales: new Float32Array(zps.length).fill(1), zeroPoints: zps, axis: zps.length > 1 ? 1 : undefined }, false);
  if (w === undefined) throw unsupported(what, "B minus its zero point does not fit int8 (qgemm's QuantizedLinear takes symmetric int8 weights)");
  return { q: w.q, in: b.dims[0], out: b.dims[1] };
}
