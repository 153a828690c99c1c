/**
 * SGD with momentum and Adam, following torch.optim's update rules (PyTorch
 * 1.13 defaults: dampening 0, no Nesterov, Adam without AMSGrad). State is
 * float32 as torch's; each update step is computed in float64 and stored.
 * Adam's step is native (native/train/adam.h), bit-identical to the loop
 * it replaced, and split over the thread pool. Every optimizer refuses a
 * step whose gradients hold NaN or infinity (checkGradients).
 */
import { rangeError, stateError, typeError } from '../errors';
import { checkBoolean, checkNumber, checkOptions, describe } from '../options';
import type { FusedStep, Param } from './module';
import { nativeTrain, type AdamNumbers } from './native_train';

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

/** params as an array of { data, grad } Float32Arrays of one length (model.params()). */
function checkParams(params: unknown, where: string): Param[] {
  const ok = (p: Param) => p?.data instanceof Float32Array && p.grad instanceof Float32Array && p.data.length === p.grad.length;
  if (!Array.isArray(params) || !params.every(ok)) {
    throw typeError('ERR_QGEMM_ARG_TYPE', `${where}: params must be an array of { name, data, grad } (model.params()), got ${describe(params)}`);
  }
  return params;
}

/** A rate, a momentum or a decay: finite and >= 0 (NaN would train to chance without a word). */
const NON_NEGATIVE = { min: 0 };
/** A beta: in [0, 1), as torch checks. */
const BETA = { min: 0, max: 1, maxExclusive: true };

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
    this.#params = checkParams(params, 'new SGD');
    const o = checkOptions(options, ['lr', 'momentum', 'weightDecay'], 'new SGD', {
      nesterov: 'Nesterov momentum is not implemented (SGD follows torch.optim.SGD with nesterov=False)',
      dampening: 'dampening is not implemented (0, as torch.optim.SGD by default)',
    });
    if (o.lr === undefined) throw typeError('ERR_QGEMM_OPTION', 'new SGD: options.lr is required, e.g. new SGD(model.params(), { lr: 0.1 })');
    this.lr = checkNumber(o.lr, 'options.lr', NON_NEGATIVE, 0);
    this.momentum = checkNumber(o.momentum, 'options.momentum', NON_NEGATIVE, 0);
    this.weightDecay = checkNumber(o.weightDecay, 'options.weightDecay', NON_NEGATIVE, 0);
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
  /** The option names this class's constructor takes (subclasses add theirs). */
  static readonly optionKeys: readonly string[] = ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'];
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected readonly params: Param[];
  #t = 0;

  constructor(params: Param[], options: AdamOptions = {}) {
    const where = `new ${new.target.name}`;
    this.params = checkParams(params, where);
    const o = checkOptions(options, (new.target as unknown as typeof AdamBase).optionKeys, where, {
      amsgrad: 'AMSGrad is not implemented (Adam follows torch.optim.Adam with amsgrad=False)',
    });
    this.lr = checkNumber(o.lr, 'options.lr', NON_NEGATIVE, 1e-3);
    this.beta1 = checkNumber(o.beta1, 'options.beta1', BETA, 0.9);
    this.beta2 = checkNumber(o.beta2, 'options.beta2', BETA, 0.999);
    this.eps = checkNumber(o.eps, 'options.eps', NON_NEGATIVE, 1e-8);
    this.weightDecay = checkNumber(o.weightDecay, 'options.weightDecay', NON_NEGATIVE, 0);
  }

  step(): void {
    checkGradients(this.params, this.constructor.name);
    this.#t++;
    const [stepSize, c2] = this.corrections(this.#t);
    for (let k = 0; k < this.params.length; k++) this.updateParam(k, stepSize, c2);
  }

  /** The steps taken so far. */
  protected get t(): number {
    return this.#t;
  }

  protected set t(t: number) {
    this.#t = t;
  }

  /** [step_size, c2] of step t: lr / (1 - beta1^t) and sqrt(1 - beta2^t). */
  protected corrections(t: number): [number, number] {
    return [this.lr / (1 - this.beta1 ** t), Math.sqrt(1 - this.beta2 ** t)];
  }

  /** adamStep's eight numbers for step t. */
  protected adamNumbers(t: number): AdamNumbers {
    const [stepSize, c2] = this.corrections(t);
    const { beta1, beta2, eps, weightDecay } = this;
    return [beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2];
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

export interface FusableAdamOptions extends AdamOptions {
  /**
   * Let layers apply the step where they make the gradient (Param.fused):
   * Int8Linear with weightGrad 'int8' updates W inside its weight-gradient
   * GEMM, so dW is never written to memory nor read back. The same bits as
   * the separate step; that W's `grad` is then not written, and each
   * backward must be followed by step() (docs/TRAINING.md).
   */
  fused?: boolean;
}

/** torch.optim.Adam: bias-corrected first and second moments, eps added after the square root. */
export class Adam extends AdamBase {
  static override readonly optionKeys: readonly string[] = [...AdamBase.optionKeys, 'fused'];
  readonly fused: boolean;
  readonly #m: Float32Array[];
  readonly #v: Float32Array[];
  /** Parameters a layer stepped (fused) since the last step(). */
  readonly #applied: boolean[];

  constructor(params: Param[], options: FusableAdamOptions = {}) {
    super(params, options);
    this.fused = checkBoolean(options.fused, 'options.fused', false);
    this.#m = params.map((p) => new Float32Array(p.data.length));
    this.#v = params.map((p) => new Float32Array(p.data.length));
    this.#applied = params.map(() => false);
    if (this.fused) params.forEach((p, k) => (p.fused = this.#fusedStep(k)));
  }

  #fusedStep(k: number): FusedStep {
    return {
      adam: () => {
        if (this.#applied[k]) {
          throw stateError('ERR_QGEMM_FUSED_STEP', `Adam (fused): ${this.params[k].name} was already stepped by a backward; call step() after each backward`);
        }
        return { m: this.#m[k], v: this.#v[k], numbers: this.adamNumbers(this.t + 1) };
      },
      applied: () => {
        this.#applied[k] = true;
      },
    };
  }

  /**
   * The parameters a layer stepped already are skipped (their gradient was
   * not written). A gradient of another one holding NaN or infinity still
   * refuses the step for the rest, but the fused ones stay stepped: the
   * step count advances.
   */
  override step(): void {
    if (!this.#applied.some(Boolean)) return super.step();
    try {
      checkGradients(this.params.filter((_, k) => !this.#applied[k]), this.constructor.name);
    } catch (e) {
      this.t++;
      this.#applied.fill(false);
      throw e;
    }
    this.t++;
    const [stepSize, c2] = this.corrections(this.t);
    for (let k = 0; k < this.params.length; k++) {
      if (this.#applied[k]) this.#applied[k] = false;
      else this.updateParam(k, stepSize, c2);
    }
  }

  protected updateParam(k: number, stepSize: number, c2: number): void {
    this.adam32(k, this.#m[k], this.#v[k], stepSize, c2);
  }

  stateBytes(): number {
    return bytesOf(this.#m) + bytesOf(this.#v);
  }
}
