/**
 * SGD with momentum and Adam, following torch.optim's update rules (PyTorch
 * 1.13 defaults: dampening 0, no Nesterov, Adam without AMSGrad). State is
 * float32 as torch's; each update step is computed in float64 and stored.
 * Adam's step is native (native/train/adam.h), bit-identical to the loop
 * it replaced, and split over the thread pool. Every optimizer refuses a
 * step whose gradients hold NaN or infinity (checkGradients).
 */
import { rangeError } from '../errors';
import type { Param } from './module';
import { nativeTrain } from './native_train';

export interface Optimizer {
  /** One update from the parameters' current gradients. */
  step(): void;
  lr: number;
  /** Bytes of optimizer state (moments, quantization scales), for memory reports. */
  stateBytes?(): number;
}

/**
 * Throws ERR_QGEMM_NOT_FINITE naming the first parameter whose gradient holds
 * NaN or +-Infinity, before the optimizer changes anything: the step is
 * skipped, as torch.cuda.amp.GradScaler skips one, instead of turning the
 * weights (and an 8-bit Adam block's state) into NaN for good. One native,
 * vectorized pass per gradient; the element only when one is found.
 */
export function checkGradients(params: readonly Param[], optimizer: string): void {
  for (const { name, grad } of params) {
    if (nativeTrain().allFinite(grad)) continue;
    let i = 0;
    while (Number.isFinite(grad[i])) i++;
    throw rangeError(
      'ERR_QGEMM_NOT_FINITE',
      `${optimizer}: the gradient of ${name} holds ${grad[i]} (at index ${i}); step refused, parameters and optimizer state unchanged`,
    );
  }
}

function bytesOf(arrays: ArrayBufferView[]): number {
  return arrays.reduce((s, a) => s + a.byteLength, 0);
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

/** torch.optim.SGD: g += wd * p; buf = momentum * buf + g (buf = g at the first step); p -= lr * buf. */
export class SGD implements Optimizer {
  lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly #params: Param[];
  readonly #buf: Float32Array[];
  #started = false;

  constructor(params: Param[], options: SgdOptions) {
    this.#params = params;
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.#buf = params.map((p) => new Float32Array(p.data.length));
  }

  step(): void {
    checkGradients(this.#params, 'SGD');
    const { lr, momentum, weightDecay } = this;
    for (let k = 0; k < this.#params.length; k++) {
      const { data, grad } = this.#params[k];
      const buf = this.#buf[k];
      for (let i = 0; i < data.length; i++) {
        const g = grad[i] + weightDecay * data[i];
        const b = momentum === 0 ? g : this.#started ? momentum * buf[i] + g : g;
        buf[i] = b;
        data[i] -= lr * b;
      }
    }
    this.#started = true;
  }

  stateBytes(): number {
    return bytesOf(this.#buf);
  }
}

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam's hyperparameters and step count, shared by Adam and Adam8bit: each
 * step computes the bias corrections once, then updates each parameter.
 */
export abstract class AdamBase implements Optimizer {
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly params: Param[];
  #t = 0;

  constructor(params: Param[], options: AdamOptions = {}) {
    this.params = params;
    this.lr = options.lr ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  step(): void {
    checkGradients(this.params, this.constructor.name);
    this.#t++;
    const c2 = Math.sqrt(1 - this.beta2 ** this.#t);
    const stepSize = this.lr / (1 - this.beta1 ** this.#t);
    for (let k = 0; k < this.params.length; k++) this.updateParam(k, stepSize, c2);
  }

  abstract stateBytes(): number;

  /** Updates parameter k with step_size = lr / (1 - beta1^t) and c2 = sqrt(1 - beta2^t). */
  protected abstract updateParam(k: number, stepSize: number, c2: number): void;

  /** torch's update of parameter k with float32 moments m, v (native, float64 per element). */
  protected adam32(k: number, m: Float32Array, v: Float32Array, stepSize: number, c2: number): void {
    const { data, grad } = this.params[k];
    const { beta1, beta2, eps, weightDecay } = this;
    nativeTrain().adamStep(data, grad, m, v, beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2);
  }
}

/** torch.optim.Adam: bias-corrected first and second moments, eps added after the square root. */
export class Adam extends AdamBase {
  readonly #m: Float32Array[];
  readonly #v: Float32Array[];

  constructor(params: Param[], options: AdamOptions = {}) {
    super(params, options);
    this.#m = params.map((p) => new Float32Array(p.data.length));
    this.#v = params.map((p) => new Float32Array(p.data.length));
  }

  protected updateParam(k: number, stepSize: number, c2: number): void {
    this.adam32(k, this.#m[k], this.#v[k], stepSize, c2);
  }

  stateBytes(): number {
    return bytesOf(this.#m) + bytesOf(this.#v);
  }
}
