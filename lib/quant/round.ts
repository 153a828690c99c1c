/**
 * Rounding and float32 helpers shared by the quantization code. JS numbers are
 * float64; these reproduce the float32 / round-half-to-even steps of the
 * references (numpy.rint, torch.round, C's nearbyint).
 */

/** Rounds to float32 (re-exported for readability at call sites). */
export const f32 = Math.fround;

// 2^52 + 2^51: adding and subtracting it rounds a double with |v| < 2^51 to an
// integer in the FPU's round-to-nearest-even mode, i.e. half to even.
const MAGIC = 6755399441055744;

/** Round half to even (banker's rounding), as numpy.rint / torch.round. */
export function roundHalfEven(v: number): number {
  if (!(Math.abs(v) < 2 ** 51)) return v; // already an integer, or NaN/Infinity
  return v + MAGIC - MAGIC;
}

/** Integer range of a quantized dtype. */
export type QDType = 'int8' | 'uint8';

export function qRange(dtype: QDType): [number, number] {
  return dtype === 'int8' ? [-128, 127] : [0, 255];
}

/** float32 epsilon (torch.finfo(torch.float32).eps), the smallest scale PyTorch allows. */
export const FLOAT32_EPS = 2 ** -23;
