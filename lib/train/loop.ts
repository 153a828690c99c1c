/**
 * Mini-batch training and evaluation over a data set held as one row-major
 * matrix [samples, features] (float32, or uint8 with a scale: 4x less
 * memory for image data) and integer labels.
 */
import { rangeError, typeError } from '../errors';
import { native } from '../native';
import { checkFunction, checkNumber, checkOptions, describe } from '../options';
import type { Tensor } from '../tensor';
import { argmaxRows, softmaxCrossEntropy } from './activations';
import type { Module } from './module';
import type { Optimizer } from './optim';
import { Rng } from './rng';

export interface Dataset {
  /** Row-major [samples, features]: float32 values, or uint8 values read as float32(x * scale). */
  x: Float32Array | Uint8Array;
  y: ArrayLike<number>;
  features: number;
  /** The scale of uint8 values (default 1); ignored for float32 x. */
  scale?: number;
}

export function datasetSize(d: Dataset): number {
  return d.y.length;
}

/** uint8 values to float32(q * scale) (native, per element as dequantizeLinear with zero point 0). */
function toFloat(q: Uint8Array, scale: number, out: Float32Array): Float32Array {
  if (q.length > 0) native().dequantizeLinear(q, scale, 0, out);
  return out;
}

/** Rows [from, to) of d as a float32 [rows, features] tensor (a view when d.x is float32). */
export function rowsOf(d: Dataset, from: number, to: number): Tensor<'float32'> {
  const f = d.features;
  const shape = [to - from, f];
  if (d.x instanceof Float32Array) return { dtype: 'float32', shape, data: d.x.subarray(from * f, to * f) };
  return { dtype: 'float32', shape, data: toFloat(d.x.subarray(from * f, to * f), d.scale ?? 1, new Float32Array((to - from) * f)) };
}

/** Reusable batch buffers for gatherBatch (sized for the largest batch). */
export interface BatchBuffers {
  x: Float32Array;
  bytes?: Uint8Array;
  y: Int32Array;
}

/**
 * Rows idx[from..to) of d as a [rows, features] batch (copied: the rows are
 * shuffled), into `into` when given (views of it are returned), else into new arrays.
 */
export function gatherBatch(d: Dataset, idx: ArrayLike<number>, from: number, to: number, into?: BatchBuffers): { x: Tensor<'float32'>; y: Int32Array } {
  const f = d.features, n = (to - from) * f;
  const x = into ? into.x.subarray(0, n) : new Float32Array(n);
  const y = into ? into.y.subarray(0, to - from) : new Int32Array(to - from);
  const rows = d.x instanceof Float32Array ? x : into?.bytes?.subarray(0, n) ?? new Uint8Array(n);
  for (let r = from; r < to; r++) {
    const i = idx[r];
    rows.set(d.x.subarray(i * f, (i + 1) * f), (r - from) * f); // a row copy (memcpy), not a per-element loop
    y[r - from] = d.y[i];
  }
  if (rows !== x) toFloat(rows as Uint8Array, d.scale ?? 1, x);
  return { x: { dtype: 'float32', shape: [to - from, f], data: x }, y };
}

export interface TrainEpochOptions {
  batchSize: number;
  rng: Rng;
  /** Called after each step with the steps done, the total, and that step's loss. */
  onStep?: (done: number, total: number, loss: number) => void;
}

/** A data set whose x holds exactly y.length rows of `features` values (a tensor's .data, not the tensor). */
function checkDataset(d: Dataset, where: string): void {
  if (typeof d !== 'object' || d === null) throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: data must be { x, y, features, scale? }, got ${describe(d)}`);
  if (!(d.x instanceof Float32Array || d.x instanceof Uint8Array)) {
    throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: data.x must be a Float32Array or Uint8Array of rows (a tensor's .data), got ${describe(d.x)}`);
  }
  const y = d.y as ArrayLike<number> | undefined;
  if (!(ArrayBuffer.isView(y) || Array.isArray(y))) throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: data.y must be an array or TypedArray of labels, got ${describe(y)}`);
  const f = checkNumber(d.features, 'data.features', { integer: true, min: 1 }, undefined, 'ERR_QGEMM_SHAPE');
  if (f === undefined) throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: data.features (values per row) is missing`);
  checkNumber(d.scale, 'data.scale', { min: 0, minExclusive: true });
  if (d.x.length !== y.length * f) {
    throw rangeError('ERR_QGEMM_DATA_LENGTH', `${where}: data.x holds ${d.x.length / f} rows of ${f} values, data.y ${y.length} labels: they must match`);
  }
}

/** Validates a training call's arguments; returns the batch size. */
function checkTraining(model: Module, data: Dataset, optimizer: Optimizer, options: TrainEpochOptions, where: string, keys: readonly string[]): number {
  if (typeof model?.forward !== 'function' || typeof model.backward !== 'function') throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: model must be a Module (forward, backward), e.g. a Sequential`);
  checkDataset(data, where);
  if (typeof optimizer?.step !== 'function') throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: optimizer must have step(), e.g. new Adam(model.params())`);
  const o = checkOptions(options, keys, where);
  if (!(o.rng instanceof Rng)) throw typeError('ERR_QGEMM_OPTION', `${where}: options.rng must be an Rng (new Rng(seed)), got ${describe(o.rng)}`);
  checkFunction(o.onStep, 'options.onStep');
  if (o.batchSize === undefined) throw typeError('ERR_QGEMM_OPTION', `${where}: options.batchSize is required`);
  return checkNumber(o.batchSize, 'options.batchSize', { integer: true, min: 1 }, 1);
}

/**
 * The steps of one epoch of shuffled mini-batches (the last, smaller batch
 * included), one training step per next(); yields that step's loss and batch
 * size. Lets a caller interleave epochs of several models step by step.
 * The arguments are checked when called, not at the first step.
 */
export function epochSteps(model: Module, data: Dataset, optimizer: Optimizer, options: Omit<TrainEpochOptions, 'onStep'>): Generator<{ loss: number; rows: number }> {
  checkTraining(model, data, optimizer, options as TrainEpochOptions, 'epochSteps', ['batchSize', 'rng']);
  return steps(model, data, optimizer, options);
}

function* steps(model: Module, data: Dataset, optimizer: Optimizer, options: Omit<TrainEpochOptions, 'onStep'>): Generator<{ loss: number; rows: number }> {
  const n = datasetSize(data);
  const order = options.rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const b = Math.min(n, options.batchSize) * data.features;
  const buffers: BatchBuffers = { x: new Float32Array(b), bytes: data.x instanceof Uint8Array ? new Uint8Array(b) : undefined, y: new Int32Array(options.batchSize) };
  for (let from = 0; from < n; from += options.batchSize) {
    const { x, y } = gatherBatch(data, order, from, Math.min(n, from + options.batchSize), buffers);
    const { loss, grad } = softmaxCrossEntropy(model.forward(x, true), y);
    model.backward(grad, false);
    optimizer.step();
    yield { loss, rows: y.length };
  }
}

/** One epoch of shuffled mini-batches (the last, smaller batch included). Returns the mean loss. */
export function trainEpoch(model: Module, data: Dataset, optimizer: Optimizer, options: TrainEpochOptions): number {
  checkTraining(model, data, optimizer, options, 'trainEpoch', ['batchSize', 'rng', 'onStep']);
  const n = datasetSize(data);
  const count = Math.ceil(n / options.batchSize);
  let total = 0;
  let done = 0;
  for (const { loss, rows } of steps(model, data, optimizer, options)) {
    total += loss * rows;
    options.onStep?.(++done, count, loss);
  }
  return total / n;
}

/** Fraction of rows whose largest output is the label; predict maps a [rows, features] batch to logits. */
export function accuracy(predict: (x: Tensor<'float32'>) => Tensor, data: Dataset, batchSize = 256): number {
  const n = datasetSize(data);
  let correct = 0;
  for (let from = 0; from < n; from += batchSize) {
    const to = Math.min(n, from + batchSize);
    const pred = argmaxRows(predict(rowsOf(data, from, to)) as Tensor<'float32'>);
    for (let r = from; r < to; r++) if (pred[r - from] === data.y[r]) correct++;
  }
  return correct / n;
}
