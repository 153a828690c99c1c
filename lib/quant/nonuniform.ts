/**
 * Non-uniform 8-bit quantization: a codebook of up to 256 float32 values and
 * one uint8 index per element; dequantization is a table lookup. Two ways to
 * build the codebook: a logarithmic grid (power-of-two levels, optionally
 * finer), and seeded 1-D k-means (Lloyd) on the data.
 */
import { checkOptions } from '../options';
import { rangeError, show } from '../errors';
import type { Tensor } from '../tensor';
import { floatInput, type FloatInput } from './input';
import { f32 } from './round';

export interface CodebookQuantized {
  /** Sorted ascending, at most 256 float32 values. */
  codebook: Float32Array;
  /** One codebook index per element, shaped as the input. */
  indices: Tensor<'uint8'>;
}

function checkCodebook(codebook: Float32Array): void {
  if (!(codebook instanceof Float32Array) || codebook.length === 0 || codebook.length > 256) {
    throw rangeError('ERR_QGEMM_OPTION', 'codebook must be a Float32Array of 1 to 256 values');
  }
  for (let i = 0; i < codebook.length; i++) {
    if (!Number.isFinite(codebook[i]) || (i > 0 && !(codebook[i] > codebook[i - 1]))) {
      throw rangeError('ERR_QGEMM_OPTION', 'codebook values must be finite and strictly ascending');
    }
  }
}

/** Nearest codebook entry for each element (ties to the lower entry; NaN to the entry nearest 0). */
export function codebookQuantize(x: FloatInput, codebook: Float32Array): Tensor<'uint8'> {
  checkCodebook(codebook);
  const { data, shape } = floatInput(x, 'x');
  const n = codebook.length;
  // Decision thresholds: midpoints between neighbours (in float64: no ties lost to rounding).
  const mid = new Float64Array(Math.max(n - 1, 0));
  for (let i = 0; i < n - 1; i++) mid[i] = (codebook[i] + codebook[i + 1]) / 2;
  let zeroIndex = 0;
  for (let i = 0; i < n - 1; i++) if (0 > mid[i]) zeroIndex = i + 1;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) {
      out[i] = zeroIndex;
      continue;
    }
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (v > mid[m]) lo = m + 1;
      else hi = m;
    }
    out[i] = lo;
  }
  return { dtype: 'uint8', shape: Object.freeze([...shape]), data: out };
}

/** codebook[indices[i]] for each element. */
export function codebookDequantize(q: CodebookQuantized): Tensor<'float32'> {
  const { codebook, indices } = q;
  checkCodebook(codebook);
  const src = indices.data;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const k = src[i];
    if (k >= codebook.length) throw rangeError('ERR_QGEMM_OPTION', `index ${k} at ${i} is outside the codebook of ${codebook.length}`);
    out[i] = codebook[k];
  }
  return { dtype: 'float32', shape: indices.shape, data: out };
}

export interface LogQuantizeOptions {
  /** Levels per factor of two: 1 = powers of two; 4 = ratio 2^(1/4). Default 1. */
  stepsPerOctave?: number;
  /** Largest magnitude; default max |x|. */
  maxAbs?: number;
}

/**
 * Logarithmic codebook: 0 and +-maxAbs * 2^(-j / stepsPerOctave) for
 * j = 0..126 (255 values). Elements go to the nearest value.
 */
export function logCodebook(maxAbs: number, stepsPerOctave = 1): Float32Array {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) throw rangeError('ERR_QGEMM_OPTION', `maxAbs must be finite and > 0, got ${maxAbs}`);
  if (!(stepsPerOctave > 0) || !Number.isFinite(stepsPerOctave)) {
    throw rangeError('ERR_QGEMM_OPTION', `stepsPerOctave must be finite and > 0, got ${stepsPerOctave}`);
  }
  const mags: number[] = [];
  for (let j = 0; j < 127; j++) {
    const m = f32(maxAbs * 2 ** (-j / stepsPerOctave));
    if (m > 0 && (mags.length === 0 || m < mags[mags.length - 1])) mags.push(m);
  }
  const book = new Float32Array(2 * mags.length + 1);
  for (let j = 0; j < mags.length; j++) {
    book[j] = -mags[j];
    book[book.length - 1 - j] = mags[j];
  }
  return book; // the middle entry stays 0
}

/** Log / power-of-two quantization of x (see logCodebook). */
export function logQuantize(x: FloatInput, options: LogQuantizeOptions = {}): CodebookQuantized {
  checkOptions(options, ['stepsPerOctave', 'maxAbs'], 'logQuantize');
  const { data, shape } = floatInput(x, 'x');
  let maxAbs = options.maxAbs;
  if (maxAbs === undefined) {
    maxAbs = 0;
    for (let i = 0; i < data.length; i++) {
      const a = Math.abs(data[i]);
      if (a > maxAbs) maxAbs = a;
    }
    if (maxAbs === 0) maxAbs = 1; // all zeros: any grid works
  }
  const codebook = logCodebook(maxAbs, options.stepsPerOctave ?? 1);
  return { codebook, indices: codebookQuantize({ dtype: 'float32', shape, data }, codebook) };
}

export interface KMeansOptions {
  /** Number of centroids, 1..256; default 256. */
  clusters?: number;
  /** Lloyd iterations at most; default 100 (stops early when nothing moves; each costs O(k log n)). */
  iterations?: number;
  /** PRNG seed for the k-means++ initialisation; default 0. */
  seed?: number;
  /** k-means++ runs on a seeded sample of at most this many elements (the extremes always in); default 131072. Smaller samples miss heavy tails. */
  sampleSize?: number;
}

// mulberry32: a small seeded PRNG, enough for initialisation.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 1-D k-means codebook: k-means++ seeds on a sample, then Lloyd iterations on
 * all (non-NaN) elements. The data is sorted once, so each cluster is a
 * contiguous run and an iteration costs O(k log n). Deterministic for a seed.
 */
export function kmeansQuantize(x: FloatInput, options: KMeansOptions = {}): CodebookQuantized {
  checkOptions(options, ['clusters', 'iterations', 'seed', 'sampleSize'], 'kmeansQuantize');
  const { data, shape } = floatInput(x, 'x');
  const k = options.clusters ?? 256;
  const iterations = options.iterations ?? 100;
  const sampleSize = options.sampleSize ?? 131072;
  if (!Number.isInteger(k) || k < 1 || k > 256) throw rangeError('ERR_QGEMM_OPTION', `options.clusters must be an integer in [1, 256], got ${show(k)}`);
  if (!Number.isInteger(iterations) || iterations < 0) throw rangeError('ERR_QGEMM_OPTION', 'options.iterations must be a non-negative integer');
  if (!Number.isInteger(sampleSize) || sampleSize < 1) throw rangeError('ERR_QGEMM_OPTION', 'options.sampleSize must be a positive integer');
  const sorted = data.filter((v) => v === v).sort();
  if (sorted.length === 0) throw rangeError('ERR_QGEMM_EMPTY', 'kmeansQuantize needs at least one non-NaN element');
  if (!Number.isFinite(sorted[0]) || !Number.isFinite(sorted[sorted.length - 1])) {
    throw rangeError('ERR_QGEMM_NOT_FINITE', 'kmeansQuantize needs finite values');
  }
  const distinct = uniqueSorted(sorted, k + 1);
  let centroids: Float64Array;
  if (distinct.length <= k) {
    centroids = Float64Array.from(distinct); // exact: every value gets its own entry
  } else {
    centroids = kmeansPlusPlus(sorted, k, sampleSize, prng(options.seed ?? 0));
    lloyd(sorted, centroids, iterations);
  }
  const codebook = toCodebook(centroids);
  return { codebook, indices: codebookQuantize({ dtype: 'float32', shape, data }, codebook) };
}

function uniqueSorted(sorted: Float32Array, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < sorted.length && out.length < limit; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]);
  }
  return out;
}

function kmeansPlusPlus(sorted: Float32Array, k: number, sampleSize: number, rand: () => number): Float64Array {
  const n = Math.min(sampleSize, sorted.length);
  const sample = new Float64Array(n);
  for (let i = 0; i < n; i++) sample[i] = sorted[n === sorted.length ? i : Math.floor(rand() * sorted.length)];
  // Keep the extremes: a sample would mostly miss a heavy tail, and Lloyd moves slowly out to it.
  sample[0] = sorted[0];
  sample[n - 1] = sorted[sorted.length - 1];
  const dist = new Float64Array(n).fill(Infinity);
  const centroids = new Float64Array(k);
  let next = sample[Math.floor(rand() * n)];
  for (let c = 0; c < k; c++) {
    centroids[c] = next;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = (sample[i] - next) ** 2;
      if (d < dist[i]) dist[i] = d;
      total += dist[i];
    }
    if (total === 0) {
      // Fewer distinct sample values than clusters: spread the rest over the data's quantiles.
      for (let r = c + 1; r < k; r++) centroids[r] = sorted[Math.floor(((r + 0.5) / k) * sorted.length)];
      break;
    }
    let target = rand() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      target -= dist[i];
      if (target < 0) {
        pick = i;
        break;
      }
    }
    next = sample[pick];
  }
  return centroids.sort();
}

/** Lloyd iterations on sorted data: clusters are runs split at centroid midpoints. */
function lloyd(sorted: Float32Array, centroids: Float64Array, iterations: number): void {
  const n = sorted.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + sorted[i];
  const k = centroids.length;
  for (let it = 0; it < iterations; it++) {
    centroids.sort();
    let moved = false;
    let start = 0;
    for (let c = 0; c < k; c++) {
      const end = c === k - 1 ? n : upperBound(sorted, (centroids[c] + centroids[c + 1]) / 2, start);
      if (end > start) {
        const mean = (prefix[end] - prefix[start]) / (end - start);
        if (mean !== centroids[c]) moved = true;
        centroids[c] = mean;
      }
      start = end;
    }
    if (!moved) break;
  }
}

// First index >= from whose value is > v.
function upperBound(sorted: Float32Array, v: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (sorted[m] <= v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

function toCodebook(centroids: Float64Array): Float32Array {
  const values = Array.from(centroids, (c) => f32(c)).sort((a, b) => a - b);
  const out: number[] = [];
  for (const v of values) if (out.length === 0 || v > out[out.length - 1]) out.push(v);
  return Float32Array.from(out);
}
