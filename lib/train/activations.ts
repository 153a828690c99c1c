/** ReLU and softmax cross-entropy with their explicit backward passes. */
import type { Tensor } from '../tensor';
import type { Module, Param } from './module';

export class ReLU implements Module {
  #y: Float32Array | undefined;

  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    const y = new Float32Array(x.data.length);
    for (let i = 0; i < y.length; i++) y[i] = x.data[i] > 0 ? x.data[i] : 0;
    this.#y = training ? y : undefined;
    return { dtype: 'float32', shape: x.shape, data: y };
  }

  /** dx = dy where the output was positive (the subgradient 0 at x = 0, as torch). */
  backward(dy: Tensor<'float32'>): Tensor<'float32'> {
    const y = this.#y;
    if (y === undefined) throw new Error('ReLU.backward() needs a training forward first');
    const dx = new Float32Array(dy.data.length);
    for (let i = 0; i < dx.length; i++) dx[i] = y[i] > 0 ? dy.data[i] : 0;
    return { dtype: 'float32', shape: dy.shape, data: dx };
  }

  params(): Param[] {
    return [];
  }
}

export interface LossAndGrad {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** dLoss/dlogits = (softmax - onehot) / batch. */
  grad: Tensor<'float32'>;
}

/** Softmax cross-entropy of logits [batch, classes] against integer labels (float64 inside, max-shifted). */
export function softmaxCrossEntropy(logits: Tensor<'float32'>, labels: ArrayLike<number>): LossAndGrad {
  const [batch, classes] = logits.shape;
  if (labels.length !== batch) throw new RangeError(`labels has ${labels.length} entries, logits ${batch} rows`);
  const grad = new Float32Array(batch * classes);
  const p = new Float64Array(classes);
  let loss = 0;
  for (let r = 0; r < batch; r++) {
    const row = r * classes;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits.data[row + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += p[c] = Math.exp(logits.data[row + c] - max);
    const label = labels[r];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw new RangeError(`label ${label} is not in [0, ${classes})`);
    loss += Math.log(sum) - (logits.data[row + label] - max);
    for (let c = 0; c < classes; c++) grad[row + c] = (p[c] / sum - (c === label ? 1 : 0)) / batch;
  }
  return { loss: loss / batch, grad: { dtype: 'float32', shape: [batch, classes], data: grad } };
}

/** Index of the largest logit of each row. */
export function argmaxRows(logits: Tensor<'float32'>): Int32Array {
  const [rows, cols] = logits.shape;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (logits.data[r * cols + c] > logits.data[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}
