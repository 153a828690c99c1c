/**
 * Bit-exact emulations of the few PyTorch 1.13 CPU kernels HistogramObserver
 * depends on. Each was checked against torch on this machine's kind (x86-64,
 * AVX2 dispatch) by scripts/make_quant_fixtures.py's fixtures.
 */

import { histcNative } from './native_path';

const f32 = Math.fround;

const LANES = 8; // Vectorized<float>::size() under AVX2 dispatch
const ILP = 4; // row_sum's ilp_factor
const LEVELS = 4; // multi_row_sum's num_levels

// acc buffers reused across calls: sums run in hot loops (the L2 search).
const acc = new Float64Array(LEVELS * ILP);

/**
 * torch.sum of a contiguous float32 vector (SumKernel.cpp cascade_sum): per
 * lane of an 8-wide vector, 4 interleaved rows summed with a 4-level cascade,
 * then the rows, then the scalar tail, then the lanes. Every add is float32.
 */
export function torchSumF32(x: Float32Array): number {
  const n = x.length;
  const vecs = Math.floor(n / LANES);
  const sizeIlp = Math.floor(vecs / ILP);
  const levelPower = Math.max(4, Math.floor(bitWidth(sizeIlp) / LEVELS));
  const step = 2 ** levelPower;
  const mask = step - 1;
  let final = 0;
  for (let k = vecs * LANES; k < n; k++) final = f32(final + x[k]);
  const lanes = new Float64Array(LANES);
  for (let l = 0; l < LANES; l++) {
    acc.fill(0);
    let i = 0;
    for (; i + step <= sizeIlp; ) {
      for (let j = 0; j < step; j++, i++) {
        for (let k = 0; k < ILP; k++) acc[k] = f32(acc[k] + x[(i * ILP + k) * LANES + l]);
      }
      for (let j = 1; j < LEVELS; j++) {
        for (let k = 0; k < ILP; k++) {
          acc[j * ILP + k] = f32(acc[j * ILP + k] + acc[(j - 1) * ILP + k]);
          acc[(j - 1) * ILP + k] = 0;
        }
        if ((i & (mask * 2 ** (j * levelPower))) !== 0) break;
      }
    }
    for (; i < sizeIlp; i++) {
      for (let k = 0; k < ILP; k++) acc[k] = f32(acc[k] + x[(i * ILP + k) * LANES + l]);
    }
    for (let j = 1; j < LEVELS; j++) {
      for (let k = 0; k < ILP; k++) acc[k] = f32(acc[k] + acc[j * ILP + k]);
    }
    for (let v = sizeIlp * ILP; v < vecs; v++) acc[0] = f32(acc[0] + x[v * LANES + l]);
    let s = acc[0];
    for (let k = 1; k < ILP; k++) s = f32(s + acc[k]);
    lanes[l] = s;
  }
  for (let l = 0; l < LANES; l++) final = f32(final + lanes[l]);
  return final;
}

// utils::CeilLog2 as used by multi_row_sum: bit width of (x - 1), at least 1.
function bitWidth(x: number): number {
  if (x <= 2) return 1;
  return 32 - Math.clz32(x - 1);
}

/** torch.div(a, b, rounding_mode='floor') for float32 (Python-style floor division). */
export function floorDivF32(a: number, b: number): number {
  const q = a / b;
  // Fast path, exact: for float32 a and b > 0, torch's steps give the floor of the exact
  // quotient while it stays below 2^22, and a double quotient of two float32 values
  // never rounds across an integer there (a non-integer quotient lies at least 2^-24
  // below one, or is tiny). Math.floor keeps the sign of a zero, as torch's copysign.
  if (b > 0 && q < 4194304 && q > -4194304) return Math.floor(q);
  if (b === 0) return q;
  const mod = a % b; // fmod: exact
  let div = f32(f32(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = f32(div - 1);
  if (div !== 0) {
    let fl = Math.floor(div);
    if (f32(div - fl) > 0.5) fl = f32(fl + 1);
    return fl;
  }
  return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
}

/**
 * torch.histc(x, bins, min, max) into `out` (float32 counts, added to `out`):
 * linear bin index trunc(float32((x - lo) * bins) / (hi - lo)), elements
 * outside [lo, hi] skipped, the top edge in the last bin. min == max means
 * the data's range; a degenerate range widens by 1 each side.
 */
export function histcInto(x: Float32Array, bins: number, min: number, max: number, out: Float32Array): void {
  let lo = min;
  let hi = max;
  if (lo === hi && x.length > 0) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const left = f32(lo);
  const right = f32(hi);
  const width = f32(right - left);
  if (width > 0 && Number.isFinite(width) && histcNative(x, bins, left, right, out)) return;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < left || v > right) continue;
    let pos = Math.trunc(f32(f32(f32(v - left) * bins) / width));
    if (pos === bins) pos -= 1;
    out[pos] = out[pos] + 1; // exact while counts stay below 2^24 per bin
  }
}

/** torch.cumsum of float32 on CPU: accumulates in double, stores float32. */
export function cumsumF32(x: Float32Array, out: Float32Array): void {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i];
    out[i] = s;
  }
}
