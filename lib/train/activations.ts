/** ReLU and softmax cross-entropy with their explicit backward passes. */
import { rangeError, stateError } from '../errors';
import { checkEnum, checkOptions } from '../options';
import type { Tensor } from '../tensor';
import type { Module, Param, SavedActivations } from './module';
import { nativeTrain, Scratch } from './native_train';

export interface ReLUOptions {
  /** 'float32' keeps the output for the backward; 'int8' keeps 1 bit per element (the sign). */
  savedActivations?: SavedActivations;
}

/**
 * y = x <= 0 ? 0 : x: NaN stays NaN (torch.relu, onnxruntime's Relu), -0 gives +0;
 * dx = y <= 0 ? 0 : dy (torch's threshold_backward: the subgradient 0 at x = 0). Native passes.
 */
export class ReLU implements Module {
  readonly savedActivations: SavedActivations;
  readonly #scratch = new Scratch();
  #y: Float32Array | undefined;
  #bits: Uint8Array | undefined;

  constructor(options: ReLUOptions = {}) {
    checkOptions(options, ['savedActivations'], 'new ReLU');
    this.savedActivations = checkEnum(options.savedActivations, 'options.savedActivations', ['float32', 'int8'], 'float32');
  }

  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    const y = training ? this.#scratch.f32('y', x.data.length) : new Float32Array(x.data.length);
    const bits = training && this.savedActivations === 'int8' ? this.#scratch.u8('bits', Math.ceil(y.length / 8)) : undefined;
    nativeTrain().reluForward(x.data, y, bits);
    this.#y = training && bits === undefined ? y : undefined;
    this.#bits = bits;
    return { dtype: 'float32', shape: x.shape, data: y };
  }

  backward(dy: Tensor<'float32'>): Tensor<'float32'> {
    const dx = this.#scratch.f32('dx', dy.data.length);
    if (this.#y !== undefined) nativeTrain().reluBackward(dy.data, this.#y, dx);
    else if (this.#bits !== undefined) nativeTrain().reluBackwardBits(dy.data, this.#bits, dx);
    else throw stateError('ERR_QGEMM_NO_FORWARD', 'ReLU.backward() needs a training forward first (forward(x, true))');
    return { dtype: 'float32', shape: dy.shape, data: dx };
  }

  params(): Param[] {
    return [];
  }

  savedForBackward(): ArrayBufferView[] {
    const kept = this.#y ?? this.#bits;
    return kept === undefined ? [] : [kept];
  }
}

export interface LossAndGrad {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** dLoss/dlogits = (softmax - onehot) / batch. */
  grad: Tensor<'float32'>;
}

/**
 * Softmax cross-entropy of logits [batch, classes] against integer labels
 * (float64 inside, max-shifted). A JS loop, but over batch x classes values
 * only (1280 for a batch of 128 and 10 classes), not over a layer's width.
 */
export function softmaxCrossEntropy(logits: Tensor<'float32'>, labels: ArrayLike<number>): LossAndGrad {
  const [batch, classes] = logits.shape;
  if (labels?.length !== batch) throw rangeError('ERR_QGEMM_SHAPE', `labels has ${labels?.length} entries, logits ${batch} rows`);
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
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) throw rangeError('ERR_QGEMM_LABEL', `label ${label} (row ${r}) is not an integer in [0, ${classes}): the model has ${classes} outputs`);
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
