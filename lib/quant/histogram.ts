/**
 * HistogramObserver with PyTorch 1.13 semantics, replicated op by op
 * (torch/ao/quantization/observer.py): histc over the int()-truncated range,
 * _adjust_min_max / _combine_histograms when the range grows, and
 * _non_linear_param_search (L2) for the clipping range. Memory is O(bins): the
 * upsampled grid of _combine_histograms is walked, never materialised.
 * Other range searches ('percentile', 'entropy', 'mse') are in histogram_methods.ts.
 */
import { rangeError, stateError, show } from '../errors';
import { l2SearchNative, minMaxNative } from './native_path';
import { floatInput, type FloatInput } from './input';
import { QPARAMS_KEYS, qparamsInto, resolveQSpec, type QParams, type QParamsOptions, type QSpec } from './qparams';
import * as round from './round';
import * as torchOps from './torch_ops';
import { entropyRange, mseRange, percentileRange } from './histogram_methods';
import type { Observer } from './observers';

// Bound once: a call through an imported binding is a getter call per element in CommonJS
// output (esbuild / tsx), which cost more than the arithmetic in these loops.
const f32 = Math.fround;
const roundHalfEven = round.roundHalfEven;
const { cumsumF32, floorDivF32, histcInto, torchSumF32 } = torchOps;

export type HistogramMethod = 'l2' | 'percentile' | 'entropy' | 'mse';

export interface HistogramObserverOptions extends QParamsOptions {
  /** Histogram bins; default 2048 as PyTorch. */
  bins?: number;
  /** Upsampling factor when combining histograms; default 128 as PyTorch 1.13. */
  upsampleRate?: number;
  /** Range search: 'l2' (default, PyTorch's), 'percentile', 'entropy' (KL, TensorRT-style), 'mse'. */
  method?: HistogramMethod;
  /** For method 'percentile': the percentile kept, in (0, 100]; default 99.99. */
  percentile?: number;
}

export class HistogramObserver implements Observer<QParams> {
  readonly spec: QSpec;
  readonly bins: number;
  readonly upsampleRate: number;
  readonly method: HistogramMethod;
  readonly percentile: number;
  /** The histogram over [min, max] (float32 counts, fractional after combining). */
  histogram: Float32Array;
  min = Infinity;
  max = -Infinity;
  // 2 ** bits of the dtype: the L2 search's destination bins (256 for 8 bits, whatever the range).
  private readonly dstBins = 256;

  constructor(options: HistogramObserverOptions = {}) {
    const spec = resolveQSpec(options, 'per_tensor_affine', [...QPARAMS_KEYS, 'bins', 'upsampleRate', 'method', 'percentile'], 'new HistogramObserver');
    if (spec.perChannel) throw rangeError('ERR_QGEMM_OPTION', `HistogramObserver takes a per_tensor qscheme, got ${show(options.qscheme)}`);
    this.spec = spec;
    this.bins = intOption(options.bins, 2048, 'bins', 1);
    this.upsampleRate = intOption(options.upsampleRate, 128, 'upsampleRate', 1);
    const method = options.method ?? 'l2';
    if (!['l2', 'percentile', 'entropy', 'mse'].includes(method)) {
      throw rangeError('ERR_QGEMM_OPTION', `options.method must be 'l2', 'percentile', 'entropy' or 'mse', got ${show(method)}`);
    }
    this.method = method;
    const p = options.percentile ?? 99.99;
    if (typeof p !== 'number' || !(p > 0 && p <= 100)) throw rangeError('ERR_QGEMM_OPTION', `options.percentile must be in (0, 100], got ${show(p)}`);
    this.percentile = p;
    if (method === 'entropy' && this.bins < 256) throw rangeError('ERR_QGEMM_OPTION', "method 'entropy' needs at least 256 bins");
    this.histogram = new Float32Array(this.bins);
  }

  observe(x: FloatInput): void {
    const { data } = floatInput(x, 'x');
    if (data.length === 0) throw rangeError('ERR_QGEMM_EMPTY', 'HistogramObserver.observe() got an empty tensor');
    let [lo, hi] = minMaxNative(data) ?? [Infinity, -Infinity];
    if (lo === Infinity && hi === -Infinity) {
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        if (v !== v) lo = hi = NaN;
      }
    }
    // torch.histc refuses a non-finite range; refuse before touching the state.
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw rangeError('ERR_QGEMM_NOT_FINITE', 'HistogramObserver.observe() got a NaN or infinite value');
    }
    const uninitialized = this.min === Infinity && this.max === -Infinity;
    if (uninitialized || this.min === this.max) {
      this.min = lo;
      this.max = hi;
      this.histogram.fill(0);
      // torch 1.13 passes min=int(min_val), max=int(max_val): the range is truncated toward zero.
      histcInto(data, this.bins, Math.trunc(lo), Math.trunc(hi), this.histogram);
      return;
    }
    let cmin = lo < this.min ? lo : this.min;
    let cmax = hi > this.max ? hi : this.max;
    // _adjust_min_max, float32 tensor arithmetic.
    const bins = this.bins;
    const up = this.upsampleRate;
    const hbw = f32(f32(this.max - this.min) / (bins * up));
    const span = f32(bins * hbw);
    const down = Math.ceil(f32(f32(cmax - cmin) / span));
    const e = f32(f32(down * span) - f32(cmax - cmin));
    cmax = f32(cmax + e);
    const startIdx = roundHalfEven(f32(f32(this.min - cmin) / hbw));
    const combined = new Float32Array(bins);
    histcInto(data, bins, Math.trunc(cmin), Math.trunc(cmax), combined);
    if (cmin === this.min && cmax === this.max) {
      for (let i = 0; i < bins; i++) combined[i] = f32(combined[i] + this.histogram[i]);
    } else {
      this.combineInto(combined, down, startIdx);
    }
    this.histogram = combined;
    this.min = cmin;
    this.max = cmax;
  }

  /**
   * _combine_histograms: the old histogram repeated upsampleRate times at
   * startIdx on a grid of bins * down cells, cumulative sums in double read
   * every `down` cells, differenced (the previous sum rounded to float32, as
   * torch stores it in a float32 tensor), divided by upsampleRate.
   */
  private combineInto(out: Float32Array, down: number, startIdx: number): void {
    const bins = this.bins;
    const up = this.upsampleRate;
    const old = this.histogram;
    // torch would raise on a slice overflowing the grid; we clip to the grid.
    const end = Math.min(startIdx + bins * up, bins * down);
    let p = startIdx;
    let sum = 0;
    let prev = 0;
    // p = startIdx + j * up + r: walk the old bins without a division per cell.
    let j = 0;
    let r = 0;
    for (let k = 0; k < bins; k++) {
      const checkpoint = (k + 1) * down - 1;
      for (; p <= checkpoint && p < end; p++) {
        sum += old[j];
        if (++r === up) {
          r = 0;
          j++;
        }
      }
      const interpolated = f32((sum - prev) / up);
      out[k] = f32(out[k] + interpolated);
      prev = f32(sum);
    }
  }

  calculateQParams(): QParams {
    if (this.min === Infinity && this.max === -Infinity) {
      throw stateError('ERR_QGEMM_NOT_OBSERVED', 'HistogramObserver.calculateQParams() called before observe()');
    }
    const [lo, hi] = this.searchRange();
    if (lo > hi) throw rangeError('ERR_QGEMM_MIN_MAX', `HistogramObserver found min ${lo} above max ${hi}`);
    const out = [0, 0];
    qparamsInto(lo, hi, this.spec, out);
    return { scale: out[0], zeroPoint: out[1] };
  }

  /** The clipping range [min, max] the method picks (float32 values). */
  searchRange(): [number, number] {
    switch (this.method) {
      case 'percentile':
        return percentileRange(this.histogram, this.min, this.max, this.percentile, this.spec);
      case 'entropy':
        return entropyRange(this.histogram, this.min, this.max, this.spec);
      case 'mse':
        return mseRange(this.histogram, this.min, this.max, this.spec);
      default:
        return this.nonLinearParamSearch();
    }
  }

  /**
   * _non_linear_param_search: shrink [start_bin, end_bin] while the L2 error keeps falling.
   * The native version (same steps, bit for bit; tested both ways) spares a first call the JIT's warm-up.
   */
  private nonLinearParamSearch(): [number, number] {
    const viaNative = l2SearchNative(this.histogram, this.min, this.max, this.dstBins);
    if (viaNative !== undefined) return viaNative;
    const bins = this.bins;
    const binWidth = f32(f32(this.max - this.min) / bins);
    const total = torchSumF32(this.histogram);
    const cSum = new Float32Array(bins);
    cumsumF32(this.histogram, cSum);
    const stepsize = 1e-5;
    let alpha = 0;
    let beta = 1;
    let startBin = 0;
    let endBin = bins - 1;
    let normMin = Infinity;
    const scratch = new Float32Array(bins);
    while (alpha < beta) {
      const nextAlpha = alpha + stepsize;
      const nextBeta = beta - stepsize;
      // torch compares a float32 tensor with a Python float: the float is rounded to float32.
      const lowT = f32(nextAlpha * total);
      const highT = f32(nextBeta * total);
      let l = startBin;
      let r = endBin;
      while (l < endBin && cSum[l] < lowT) l++;
      while (r > startBin && cSum[r] > highT) r--;
      let nextStart = startBin;
      let nextEnd = endBin;
      if (l - startBin > endBin - r) {
        nextStart = l;
        alpha = nextAlpha;
      } else {
        nextEnd = r;
        beta = nextBeta;
      }
      if (nextStart === startBin && nextEnd === endBin) continue;
      const norm = this.quantizationError(nextStart, nextEnd, scratch);
      if (norm > normMin) break;
      normMin = norm;
      startBin = nextStart;
      endBin = nextEnd;
    }
    return [f32(this.min + f32(binWidth * startBin)), f32(this.min + f32(binWidth * (endBin + 1)))];
  }

  /** _compute_quantization_error: Python doubles for the widths, float32 tensors for the rest. */
  private quantizationError(nextStart: number, nextEnd: number, norm: Float32Array): number {
    const bins = this.bins;
    const bw = (this.max - this.min) / bins;
    const dbw = (bw * (nextEnd - nextStart + 1)) / this.dstBins;
    if (dbw === 0) return 0;
    const fbw = f32(bw);
    const fdbw = f32(dbw);
    const half = f32(dbw / 2);
    const nhalf = f32(-dbw / 2);
    const half3 = f32(f32(half * half) * half);
    const nhalf3 = f32(f32(nhalf * nhalf) * nhalf);
    const midNorm = f32(f32(half3 - nhalf3) / 3);
    const last = this.dstBins - 1;
    const hist = this.histogram;
    for (let i = 0; i < bins; i++) {
      const begin = f32((i - nextStart) * fbw);
      const end = f32(begin + fbw);
      let dBegin = floorDivF32(begin, fdbw);
      dBegin = dBegin < 0 ? 0 : dBegin > last ? last : dBegin;
      let dEnd = floorDivF32(end, fdbw);
      dEnd = dEnd < 0 ? 0 : dEnd > last ? last : dEnd;
      const density = f32(hist[i] / fbw);
      const db = f32(begin - f32(f32(dBegin + 0.5) * fdbw));
      let n = f32(density * f32(f32(half3 - f32(f32(db * db) * db)) / 3));
      n = f32(n + f32(f32(f32(dEnd - dBegin) - 1) * f32(density * midNorm)));
      const de = f32(end - f32(f32(dEnd * fdbw) + half));
      n = f32(n + f32(density * f32(f32(f32(f32(de * de) * de) - nhalf3) / 3)));
      norm[i] = n;
    }
    return torchSumF32(norm);
  }

  reset(): void {
    this.histogram = new Float32Array(this.bins);
    this.min = Infinity;
    this.max = -Infinity;
  }
}

function intOption(v: number | undefined, dflt: number, name: string, min: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < min || x > 2 ** 24) throw rangeError('ERR_QGEMM_OPTION', `options.${name} must be an integer >= ${min}, got ${show(v)}`);
  return x;
}
