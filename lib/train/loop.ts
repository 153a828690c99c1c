/**
 * Mini-batch training and evaluation over a data set held as one row-major
 * matrix [samples, features] (float32, or uint8 with a scale: 4x less
 * memory for image data) and integer labels.
 */
import { native } from '../native';
import type { Tensor } from '../tensor';
import { argmaxRows, softmaxCrossEntropy } from './activations';
import type { Module } from './module';
import type { Optimizer } from './optim';
import type { Rng } from './rng';

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

/** Rows idx[from..to) of d as a [rows, features] batch (copied: the rows are shuffled). */
export function gatherBatch(d: Dataset, idx: ArrayLike<number>, from: number, to: number): { x: Tensor<'float32'>; y: Int32Array } {
  const f = d.features;
  const rows = d.x instanceof Float32Array ? new Float32Array((to - from) * f) : new Uint8Array((to - from) * f);
  const y = new Int32Array(to - from);
  for (let r = from; r < to; r++) {
    const i = idx[r];
    rows.set(d.x.subarray(i * f, (i + 1) * f), (r - from) * f); // a row copy (memcpy), not a per-element loop
    y[r - from] = d.y[i];
  }
  const x = rows instanceof Float32Array ? rows : toFloat(rows, d.scale ?? 1, new Float32Array(rows.length));
  return { x: { dtype: 'float32', shape: [to - from, f], data: x }, y };
}

export interface TrainEpochOptions {
  batchSize: number;
  rng: Rng;
  /** Called after each step with the steps done, the total, and that step's loss. */
  onStep?: (done: number, total: number, loss: number) => void;
}

/** One epoch of shuffled mini-batches (the last, smaller batch included). Returns the mean loss. */
export function trainEpoch(model: Module, data: Dataset, optimizer: Optimizer, options: TrainEpochOptions): number {
  const n = datasetSize(data);
  const order = options.rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const steps = Math.ceil(n / options.batchSize);
  let total = 0;
  for (let s = 0; s < steps; s++) {
    const { x, y } = gatherBatch(data, order, s * options.batchSize, Math.min(n, (s + 1) * options.batchSize));
    const { loss, grad } = softmaxCrossEntropy(model.forward(x, true), y);
    model.backward(grad, false);
    optimizer.step();
    total += loss * y.length;
    options.onStep?.(s + 1, steps, loss);
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
