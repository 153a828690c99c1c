/**
 * A SYNTHETIC click log (no real data): each sample has 13 dense features
 * and one id per sparse feature, ids drawn from a Zipf distribution (a few
 * ids carry most of the traffic, as in real logs), and a click drawn from a
 * hidden teacher: a logistic model of the dense features, of per-id hidden
 * vectors and of their pairwise dot products. The teacher's vectors come
 * from a hash of (table, id), so a 10M-row table costs no memory to teach.
 * Everything is a function of the seed.
 */
import { Rng } from '../../lib/train';

export const DENSE = 13;

export interface SizeConfig {
  name: 'default' | 'large' | 'smoke';
  tableRows: number[];
  dim: number;
  trainSamples: number;
  testSamples: number;
  epochs: number;
}

export const SIZES: Record<SizeConfig['name'], SizeConfig> = {
  default: { name: 'default', tableRows: [200_000, 100_000, 50_000, 20_000, 5_000, 1_000, 200, 50], dim: 64, trainSamples: 1_000_000, testSamples: 100_000, epochs: 1 },
  large: { name: 'large', tableRows: [4_000_000, 3_000_000, 2_000_000, 1_000_000, 200_000, 10_000, 1_000, 100], dim: 32, trainSamples: 1_000_000, testSamples: 100_000, epochs: 1 },
  smoke: { name: 'smoke', tableRows: [2_000, 500, 100, 20], dim: 16, trainSamples: 4_000, testSamples: 2_000, epochs: 1 },
};

export interface ClickLog {
  n: number;
  dense: Float32Array; // n x DENSE
  sparse: Int32Array[]; // per table: n ids
  labels: Uint8Array;
  /** The teacher's logits: the best any model can do (its AUC is the ceiling). */
  teacher: Float32Array;
}

const HIDDEN = 4;
const ZIPF_S = 1.05;

// A 32-bit hash (murmur3's finalizer) of two integers.
function hash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// The teacher's hidden vector of (table, id): 4 values, about N(0, 0.6^2).
function hidden(table: number, id: number, out: Float64Array, seed: number): void {
  for (let k = 0; k < HIDDEN; k++) {
    let s = 0;
    for (let j = 0; j < 3; j++) s += hash(seed * 131 + table * 8 + k, id * 3 + j) / 2 ** 32;
    out[k] = (s - 1.5) * 1.2;
  }
}

/** Rank r of a Zipf(s) law over n items, by inverting its continuous CDF; then a fixed bijection to ids. */
function zipfId(rng: Rng, n: number): number {
  const a = 1 - ZIPF_S;
  const x = (((n + 1) ** a - 1) * rng.next() + 1) ** (1 / a); // in [1, n + 1)
  const rank = Math.min(n - 1, Math.max(0, Math.floor(x) - 1));
  return (rank * 1_000_003) % n; // 1000003 is prime: a bijection unless n is a multiple of it
}

export function makeClickLog(size: SizeConfig, n: number, seed: number, stream: number): ClickLog {
  const rng = new Rng(seed * 7919 + stream);
  const teacherRng = new Rng(seed);
  const T = size.tableRows.length;
  const wDense = Array.from({ length: DENSE }, () => teacherRng.uniform(-1, 1));
  const wTable = Array.from({ length: T }, () => Array.from({ length: HIDDEN }, () => teacherRng.uniform(-1, 1)));
  const dense = new Float32Array(n * DENSE), labels = new Uint8Array(n), teacher = new Float32Array(n);
  const sparse = size.tableRows.map(() => new Int32Array(n));
  const h = Array.from({ length: T }, () => new Float64Array(HIDDEN));
  for (let i = 0; i < n; i++) {
    let logit = -1.2;
    for (let k = 0; k < DENSE; k++) {
      const x = rng.uniform(-1, 1) + rng.uniform(-1, 1);
      dense[i * DENSE + k] = x;
      logit += (0.5 * wDense[k] * x) / Math.sqrt(DENSE);
    }
    for (let t = 0; t < T; t++) {
      const id = zipfId(rng, size.tableRows[t]);
      sparse[t][i] = id;
      hidden(t, id, h[t], seed);
      for (let k = 0; k < HIDDEN; k++) logit += 0.5 * wTable[t][k] * h[t][k];
    }
    for (let t = 0; t < Math.min(T, 4); t++) {
      for (let u = t + 1; u < Math.min(T, 4); u++) {
        let dot = 0;
        for (let k = 0; k < HIDDEN; k++) dot += h[t][k] * h[u][k];
        logit += 0.5 * dot;
      }
    }
    teacher[i] = logit;
    labels[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { n, dense, sparse, labels, teacher };
}
