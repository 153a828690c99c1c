/**
 * Range searches on a HistogramObserver's histogram other than PyTorch's L2
 * search. These follow no reference bit for bit (no shared convention
 * exists); they are deterministic and documented in docs/QUANTIZATION.md.
 * The histogram covers [min, max] in equal bins; mass is taken as uniform within a bin.
 */
import { qparamsInto, type QSpec } from './qparams';
import * as round from './round';

// Bound once: a call through an imported binding is a getter call per element in CommonJS
// output (esbuild / tsx), which cost more than the arithmetic in these loops.
const f32 = Math.fround;
const roundHalfEven = round.roundHalfEven;

/**
 * Two-sided percentile: the (100 - p)th and pth percentiles of the histogram,
 * interpolated linearly inside the bin where the cumulative count crosses.
 */
export function percentileRange(hist: Float32Array, min: number, max: number, p: number, _spec: QSpec): [number, number] {
  const bins = hist.length;
  const bw = (max - min) / bins;
  let total = 0;
  for (let i = 0; i < bins; i++) total += hist[i];
  const lowTarget = (total * (100 - p)) / 100;
  const highTarget = (total * p) / 100;
  let lo = min;
  let hi = max;
  let cum = 0;
  let foundLow = lowTarget <= 0;
  for (let i = 0; i < bins; i++) {
    const c = hist[i];
    if (!foundLow && cum + c > lowTarget) {
      lo = min + bw * (i + (lowTarget - cum) / c);
      foundLow = true;
    }
    if (cum + c >= highTarget && c > 0) {
      hi = min + bw * (i + (highTarget - cum) / c);
      break;
    }
    cum += c;
  }
  return [f32(lo), f32(Math.max(f32(hi), f32(lo)))];
}

/**
 * The magnitude histogram: the [min, max] histogram folded at zero onto
 * `n` equal bins over [0, amax], mass spread uniformly over each source bin.
 */
export function absHistogram(hist: Float32Array, min: number, max: number, n: number): { abs: Float64Array; amax: number } {
  const bins = hist.length;
  const bw = (max - min) / bins;
  const amax = Math.max(Math.abs(min), Math.abs(max));
  const abs = new Float64Array(n);
  const w = amax / n;
  const spread = (u: number, v: number, mass: number) => {
    if (mass === 0) return;
    if (v <= u) {
      abs[Math.min(n - 1, Math.floor(u / w))] += mass;
      return;
    }
    const density = mass / (v - u);
    for (let k = Math.floor(u / w); k < n && k * w < v; k++) {
      const a = Math.max(u, k * w);
      const b = Math.min(v, (k + 1) * w);
      if (b > a) abs[k] += density * (b - a);
    }
  };
  for (let i = 0; i < bins; i++) {
    const c = hist[i];
    if (c === 0) continue;
    const a = min + i * bw;
    const b = a + bw;
    if (a >= 0) spread(a, b, c);
    else if (b <= 0) spread(-b, -a, c);
    else {
      spread(0, -a, (c * -a) / bw);
      spread(0, b, (c * b) / bw);
    }
  }
  return { abs, amax };
}

const KL_EPS = 1e-4; // smoothing of empty quantized bins (MXNet / ONNX Runtime use 1e-4)

/** KL(P || Q) of two non-negative vectors, each normalised; Q's zeros smoothed. */
function klDivergence(p: Float64Array, q: Float64Array, n: number): number {
  let ps = 0;
  let qs = 0;
  let qZeros = 0;
  for (let i = 0; i < n; i++) {
    ps += p[i];
    qs += q[i];
    if (q[i] === 0) qZeros++;
  }
  if (ps === 0 || qs === 0) return Infinity;
  // Take KL_EPS from the non-zero bins, spread it over the zero ones.
  const nonZeros = n - qZeros;
  const take = qZeros > 0 && nonZeros > 0 ? (KL_EPS * qZeros) / nonZeros : 0;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    if (p[i] === 0) continue;
    const pi = p[i] / ps;
    const qi = q[i] === 0 ? KL_EPS : q[i] / qs - take;
    kl += pi * Math.log(pi / Math.max(qi, 1e-30));
  }
  return kl;
}

/**
 * TensorRT's entropy calibration: on the magnitude histogram (the histogram's
 * bin count, 2048 by default), for each threshold of i >= 128 bins, clip the
 * outliers into bin i - 1, quantize the i bins to 128 levels (spread back over
 * the non-empty source bins), and keep the i of least KL divergence. The range
 * is [-T, T] with T = i * width, intersected with the observed [min, max].
 */
export function entropyRange(hist: Float32Array, min: number, max: number, _spec: QSpec): [number, number] {
  const n = hist.length;
  const levels = 128;
  const { abs, amax } = absHistogram(hist, min, max, n);
  const w = amax / n;
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  let suffix = 0;
  const tail = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) tail[i] = suffix += abs[i];
  let best = n;
  let bestKl = Infinity;
  for (let i = levels; i <= n; i++) {
    for (let k = 0; k < i; k++) p[k] = abs[k];
    p[i - 1] += tail[i];
    const merged = i / levels;
    for (let j = 0; j < levels; j++) {
      const s = Math.floor(j * merged);
      const e = j === levels - 1 ? i : Math.floor((j + 1) * merged);
      let sum = 0;
      let nonZero = 0;
      for (let k = s; k < e; k++) {
        sum += abs[k];
        if (abs[k] !== 0) nonZero++;
      }
      const avg = nonZero > 0 ? sum / nonZero : 0;
      for (let k = s; k < e; k++) q[k] = abs[k] !== 0 ? avg : 0;
    }
    const kl = klDivergence(p, q, i);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  const t = best * w;
  return [f32(Math.max(min, -t)), f32(Math.min(max, t))];
}

/**
 * Least expected squared error: candidate ranges alpha * [min(min, 0), max(max, 0)]
 * for alpha = 2^(-j/16), j = 0..127; each bin's mass sits at its centre.
 */
export function mseRange(hist: Float32Array, min: number, max: number, spec: QSpec): [number, number] {
  const bins = hist.length;
  const bw = (max - min) / bins;
  const lo0 = Math.min(min, 0);
  const hi0 = Math.max(max, 0);
  const qp = [0, 0];
  let best: [number, number] = [f32(min), f32(max)];
  let bestErr = Infinity;
  for (let j = 0; j < 128; j++) {
    const alpha = 2 ** (-j / 16);
    const lo = f32(lo0 * alpha);
    const hi = f32(hi0 * alpha);
    qparamsInto(lo, hi, spec, qp);
    const [s, zp] = qp;
    let err = 0;
    for (let i = 0; i < bins; i++) {
      const c = hist[i];
      if (c === 0) continue;
      const x = min + (i + 0.5) * bw;
      let qv = roundHalfEven(x / s) + zp;
      if (qv < spec.qmin) qv = spec.qmin;
      else if (qv > spec.qmax) qv = spec.qmax;
      const d = (qv - zp) * s - x;
      err += c * d * d;
    }
    if (err < bestErr) {
      bestErr = err;
      best = [lo, hi];
    }
  }
  return best;
}
