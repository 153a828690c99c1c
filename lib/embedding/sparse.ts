/**
 * Training embedding tables: the bag lookup's gradient as sparse rows (one
 * per distinct id) and fused sparse optimizers that touch only those rows
 * (native/embedding/sparse.h gives the formulas). On rowwise8 tables each
 * touched row is dequantized, updated and re-quantized with stochastic
 * rounding, seeded so that a seed gives the same table on any thread count.
 */
import { rangeError, show, typeError } from '../errors';
import { type Tensor } from '../tensor';
import { parseBag, type EmbeddingBagOptions } from './bag';
import { nativeEmbedding, type Indices } from './native';
import { checkTable, FORMAT_CODE, type EmbeddingTable } from './table';

/** The gradient of a table: `count` rows (ascending, distinct) and their gradients (count x dim). */
export interface SparseGradient {
  readonly dim: number;
  readonly count: number;
  readonly rows: Int32Array;
  readonly grads: Float32Array;
}

/**
 * The gradient of embeddingBag(table, ids, options) given the gradient of its
 * output (bags x dim): sum and mean pooling (max: ERR_QGEMM_OPTION). A row's
 * gradient sums w * dOut[bag] over its occurrences (mean: w = 1 / n).
 */
export function embeddingBagBackward(
  table: EmbeddingTable, ids: Indices, options: Omit<EmbeddingBagOptions, 'out'>, dOut: Tensor<'float32'> | Float32Array,
): SparseGradient {
  const p = parseBag(table, ids, options);
  if (p.mode === 'max') throw rangeError('ERR_QGEMM_OPTION', "the backward of mode 'max' is not supported");
  const dy = dOut instanceof Float32Array ? dOut : (dOut as Tensor<'float32'>)?.data;
  if (!(dy instanceof Float32Array)) throw typeError('ERR_QGEMM_DTYPE', `dOut must be float32, got ${show(dOut)}`);
  if (dy.length !== p.bags * table.dim) throw rangeError('ERR_QGEMM_SHAPE', `dOut must hold ${p.bags} x ${table.dim} values, got ${dy.length}`);
  if (table.rows > 0x7fffffff) throw rangeError('ERR_QGEMM_TOO_LARGE', 'tables of more than 2^31 - 1 rows');
  const rows = new Int32Array(ids.length), grads = new Float32Array(ids.length * table.dim);
  const count = nativeEmbedding().bagBackward(
    table.rows, table.dim, FORMAT_CODE[table.format], ids, p.offsets, p.includeLastOffset, p.perSampleWeights,
    p.modeCode, p.pad, dy, rows, grads,
  );
  return { dim: table.dim, count, rows: rows.subarray(0, count), grads: grads.subarray(0, count * table.dim) };
}

export interface SparseOptimizerOptions {
  lr?: number;
  eps?: number;
  weightDecay?: number;
  /** Seeds the stochastic rounding of rowwise8 tables (uint32; default 0). */
  seed?: number;
}

function checkTrainable(table: EmbeddingTable): void {
  checkTable(table);
  if (table.format === 'rowwise4') throw rangeError('ERR_QGEMM_OPTION', 'rowwise4 tables are for serving: train float32 or rowwise8 tables');
}

function num(v: unknown, name: string, fallback: number, ok: (x: number) => boolean): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !ok(v)) throw rangeError('ERR_QGEMM_OPTION', `${name} is out of range: ${show(v)}`);
  return v;
}

function checkGradient(table: EmbeddingTable, g: SparseGradient): void {
  if (typeof g !== 'object' || g === null || !(g.rows instanceof Int32Array) || !(g.grads instanceof Float32Array)) {
    throw typeError('ERR_QGEMM_ARG_TYPE', 'the gradient must be an embeddingBagBackward result');
  }
  if (g.dim !== table.dim || g.rows.length < g.count || g.grads.length < g.count * table.dim) {
    throw rangeError('ERR_QGEMM_SHAPE', `the gradient's rows do not match the table's dim ${table.dim}`);
  }
}

abstract class SparseOptimizer {
  readonly table: EmbeddingTable;
  readonly lr: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly seed: number;
  /** Steps taken (also the stochastic rounding's stream). */
  steps = 0;

  constructor(table: EmbeddingTable, o: SparseOptimizerOptions, lr: number, eps: number) {
    checkTrainable(table);
    this.table = table;
    this.lr = num(o.lr, 'lr', lr, (x) => x > 0 && Number.isFinite(x));
    this.eps = num(o.eps, 'eps', eps, (x) => x > 0 && Number.isFinite(x));
    this.weightDecay = num(o.weightDecay, 'weightDecay', 0, (x) => x >= 0 && Number.isFinite(x));
    this.seed = num(o.seed, 'seed', 0, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff);
  }

  /** Updates the gradient's rows (only those); returns how many rows were written. */
  step(g: SparseGradient): number {
    checkGradient(this.table, g);
    this.update(g, this.steps + 1);
    this.steps++;
    return g.count;
  }

  /** step: 1 for the first (the stochastic rounding's stream and Adam's bias correction). */
  protected abstract update(g: SparseGradient, step: number): void;
}

/** Row-wise Adagrad as in DLRM (one float of state per row): w -= lr / (sqrt(h) + eps) * g, h += mean(g^2). */
export class RowwiseAdagrad extends SparseOptimizer {
  /** Per row: the sum of its mean squared gradients. */
  readonly state: Float32Array;

  constructor(table: EmbeddingTable, options: SparseOptimizerOptions = {}) {
    super(table, options, 0.01, 1e-8);
    this.state = new Float32Array(table.rows);
  }

  protected update(g: SparseGradient, step: number): void {
    const t = this.table;
    nativeEmbedding().rowwiseAdagrad(
      t.data, t.rows, t.dim, FORMAT_CODE[t.format], g.rows, g.count, g.grads, this.state, this.lr, this.eps, this.weightDecay,
      this.seed, step >>> 0,
    );
  }
}

export interface SparseAdamOptions extends SparseOptimizerOptions {
  beta1?: number;
  beta2?: number;
}

/**
 * Lazy Adam (torch.optim.SparseAdam's update, on the touched rows only; m and
 * v are float32, rows x dim each, so it costs 8 bytes of state per value).
 */
export class SparseAdam extends SparseOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly m: Float32Array;
  readonly v: Float32Array;

  constructor(table: EmbeddingTable, options: SparseAdamOptions = {}) {
    super(table, options, 1e-3, 1e-8);
    this.beta1 = num(options.beta1, 'beta1', 0.9, (x) => x >= 0 && x < 1);
    this.beta2 = num(options.beta2, 'beta2', 0.999, (x) => x >= 0 && x < 1);
    this.m = new Float32Array(table.rows * table.dim);
    this.v = new Float32Array(table.rows * table.dim);
  }

  protected update(g: SparseGradient, k: number): void {
    const t = this.table;
    const stepSize = (this.lr * Math.sqrt(1 - this.beta2 ** k)) / (1 - this.beta1 ** k);
    nativeEmbedding().sparseAdam(
      t.data, t.rows, t.dim, FORMAT_CODE[t.format], g.rows, g.count, g.grads, this.m, this.v, this.beta1, this.beta2,
      this.eps, stepSize, this.weightDecay, this.seed, k >>> 0,
    );
  }
}
