/**
 * Mini-batch training and evaluation over a data set held as one row-major
 * float32 matrix [samples, features] and integer labels.
 */
import type { Tensor } from '../tensor';
import { argmaxRows, softmaxCrossEntropy } from './activations';
import type { Module } from './module';
import type { Optimizer } from './optim';
import type { Rng } from './rng';

export interface Dataset {
  x: Float32Array;
  y: ArrayLike<number>;
  features: number;
}

export function datasetSize(d: Dataset): number {
  return d.y.length;
}

/** Rows idx[from..to) of d as a [rows, features] batch (copied: the rows are shuffled). */
export function gatherBatch(d: Dataset, idx: ArrayLike<number>, from: number, to: number): { x: Tensor<'float32'>; y: Int32Array } {
  const f = d.features;
  const x = new Float32Array((to - from) * f);
  const y = new Int32Array(to - from);
  for (let r = from; r < to; r++) {
    const i = idx[r];
    x.set(d.x.subarray(i * f, (i + 1) * f), (r - from) * f);
    y[r - from] = d.y[i];
  }
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
    const x: Tensor<'float32'> = { dtype: 'float32', shape: [to - from, data.features], data: data.x.subarray(from * data.features, to * data.features) };
    const pred = argmaxRows(predict(x) as Tensor<'float32'>);
    for (let r = from; r < to; r++) if (pred[r - from] === data.y[r]) correct++;
  }
  return correct / n;
}
