/**
 * Linear layer y = x W^T + b (W is [out, in], as torch.nn.Linear) on qgemm's
 * float32 GEMM. The transposes of the backward are read in place:
 *   dW = dy^T x   (transposeA),   dx = dy W,   db = sum over rows of dy.
 * The bias add and the bias gradient are native passes (no per-element JS).
 * With savedActivations 'int8' the input is kept as int8 rows + scales and
 * dequantized for dW (see module.ts).
 */
import { rangeError, stateError, typeError } from '../errors';
import { matmul } from '../matmul';
import { checkEnum, checkOptions, checkSize, checkString, describe } from '../options';
import type { Tensor } from '../tensor';
import { kaimingUniform, linearBiasUniform } from './init';
import { param, type Module, type Param, type SavedActivations } from './module';
import { nativeTrain, Scratch } from './native_train';
import { Rng } from './rng';

export interface LinearOptions {
  /** What the layer keeps of its input for the backward; default 'float32'. */
  savedActivations?: SavedActivations;
}

/**
 * Buffers that live only inside one forward or backward call, shared by all
 * layers (calls never overlap: the training step is synchronous).
 */
export const transientScratch = new Scratch();

interface SavedInput {
  rows: number;
  x?: Float32Array;
  q?: Int8Array;
  scales?: Float32Array;
}

export class Linear implements Module {
  /** The option names this class's constructor takes (subclasses add theirs). */
  static readonly optionKeys: readonly string[] = ['savedActivations'];
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Param;
  readonly bias: Param;
  readonly savedActivations: SavedActivations;
  /** Per-layer buffers reused every step. */
  protected readonly scratch = new Scratch();
  #saved: SavedInput | undefined;

  constructor(inFeatures: number, outFeatures: number, rng: Rng, name = 'linear', options: LinearOptions = {}) {
    const cls = new.target as typeof Linear;
    const call = `new ${cls.name}(inFeatures, outFeatures, rng, name?, options?)`;
    this.inFeatures = checkSize(inFeatures, `${cls.name}: inFeatures`);
    this.outFeatures = checkSize(outFeatures, `${cls.name}: outFeatures`);
    if (!(rng instanceof Rng)) throw typeError('ERR_QGEMM_ARG_TYPE', `${cls.name}: rng must be an Rng (new Rng(seed)), got ${describe(rng)}: ${call}`);
    name = checkString(name, `${cls.name}: name`, 'linear', `; options go after the name: ${call}`);
    checkOptions(options, cls.optionKeys, `new ${cls.name}`);
    this.weight = param(`${name}.weight`, outFeatures * inFeatures);
    this.bias = param(`${name}.bias`, outFeatures);
    this.savedActivations = checkEnum(options.savedActivations, 'options.savedActivations', ['float32', 'int8'], 'float32');
    kaimingUniform(this.weight.data, inFeatures, rng);
    linearBiasUniform(this.bias.data, inFeatures, rng);
  }

  /** W as a [out, in] tensor over the live parameter data (no copy). */
  weightTensor(): Tensor<'float32'> {
    return { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: this.weight.data };
  }

  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    const y = this.output(training, 'y', [x.shape[0], this.outFeatures]);
    matmul(x, this.weightTensor(), { transposeB: true, out: y });
    nativeTrain().biasRelu(y.data, x.shape[0], this.outFeatures, this.bias.data, false);
    this.save(training ? x : undefined);
    return y;
  }

  backward(dy: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined {
    this.weightAndBiasGrads(dy, this.savedInput('Linear'));
    if (!needInputGrad) return undefined;
    const dx = this.output(true, 'dx', [dy.shape[0], this.inFeatures]);
    matmul(dy, this.weightTensor(), { out: dx });
    return dx;
  }

  /** A [rows, cols] float32 result: the layer's buffer `name` in training, else a fresh array (see Module). */
  protected output(training: boolean, name: string, shape: [number, number]): Tensor<'float32'> {
    const n = shape[0] * shape[1];
    return { dtype: 'float32', shape, data: training ? this.scratch.f32(name, n) : new Float32Array(n) };
  }

  /**
   * Keeps x for the backward (undefined: forget it). In 'int8' mode x is
   * quantized per row, unless the caller already did (`quantized`, which
   * must stay valid until the backward).
   */
  protected save(x: Tensor<'float32'> | undefined, quantized?: { q: Int8Array; scales: Float32Array }): void {
    if (x === undefined) {
      this.#saved = undefined;
      return;
    }
    const rows = x.shape[0];
    if (this.savedActivations === 'float32') {
      this.#saved = { rows, x: x.data };
    } else if (quantized !== undefined) {
      this.#saved = { rows, ...quantized };
    } else {
      const q = this.scratch.i8('saved.q', rows * this.inFeatures);
      const scales = this.scratch.f32('saved.scales', rows);
      nativeTrain().quantizeRows(x.data, rows, this.inFeatures, q, scales);
      this.#saved = { rows, q, scales };
    }
  }

  /** The saved input as float32: itself, or dequantized into a transient buffer. */
  protected savedInput(layer: string): Tensor<'float32'> {
    const s = this.#saved;
    if (s === undefined) throw stateError('ERR_QGEMM_NO_FORWARD', `${layer}.backward() needs a training forward first (forward(x, true))`);
    const shape = [s.rows, this.inFeatures];
    if (s.x !== undefined) return { dtype: 'float32', shape, data: s.x };
    const x = transientScratch.f32('dequantized input', s.rows * this.inFeatures);
    nativeTrain().dequantizeRows(s.q!, s.scales!, s.rows, this.inFeatures, x);
    return { dtype: 'float32', shape, data: x };
  }

  savedForBackward(): ArrayBufferView[] {
    const s = this.#saved;
    return s === undefined ? [] : s.x !== undefined ? [s.x] : [s.q!, s.scales!];
  }

  /** dW = dy^T x (fp32, in place into weight.grad) and db = column sums of dy. */
  protected weightAndBiasGrads(dy: Tensor<'float32'>, x: Tensor<'float32'>): void {
    const out: Tensor<'float32'> = { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: this.weight.grad };
    matmul(dy, x, { transposeA: true, out });
    nativeTrain().columnSums(dy.data, dy.shape[0], this.outFeatures, this.bias.grad);
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }
}

/** y[r][j] += bias[j] for a row-major y of bias.length columns (float32, native). */
export function addBias(y: Float32Array, bias: Float32Array): void {
  const n = bias.length;
  if (n === 0 || y.length % n !== 0) throw rangeError('ERR_QGEMM_SHAPE', `y holds ${y.length} values, not whole rows of ${n}`);
  nativeTrain().biasRelu(y, y.length / n, n, bias, false);
}

/** Sums of each column of a row-major [rows, cols] matrix, in float64 in row order, stored as float32 (native). */
export function columnSums(a: Float32Array, cols: number, out: Float32Array): void {
  if (cols === 0 || a.length % cols !== 0) throw rangeError('ERR_QGEMM_SHAPE', `a holds ${a.length} values, not whole rows of ${cols}`);
  nativeTrain().columnSums(a, a.length / cols, cols, out);
}
