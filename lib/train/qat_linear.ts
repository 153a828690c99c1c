/**
 * Quantization-aware training: a Linear whose forward sees its input and its
 * weights fake-quantized exactly as the converted QuantizedLinear will quantize
 * them, and whose backward uses the straight-through estimator.
 *   input:   uint8 affine, qparams from an observer (default: PyTorch's
 *            MovingAverageMinMaxObserver, averaging constant 0.01) updated on
 *            every training forward and frozen at inference;
 *   weights: int8 per output channel, symmetric on [-127, 127], scale = amax / 127
 *            recomputed each step (quantizeWeights' scheme).
 * Min-max weight scales never clamp, so the weights' STE mask is all ones; the
 * input's mask drops gradients of values clamped by the observer's range.
 */
import { typeError, show } from '../errors';
import { fakeQuantize, type FakeQuantized, type Rounding } from '../quant/fake_quantize';
import { MovingAverageMinMaxObserver, type MinMaxObserver } from '../quant/observers';
import type { QParams } from '../quant/qparams';
import { matmul } from '../matmul';
import { QuantizedLinear, type QParamsLike } from '../layers/quantized_linear';
import { checkNonFinitePolicy, guardRows, poisonRows, type NonFinitePolicy } from '../layers/non_finite';
import type { Tensor } from '../tensor';
import { addBias, Linear } from './linear';
import type { Rng } from './rng';
import { quantizeRows, type SymmetricInt8 } from './symmetric';

export interface QATLinearOptions {
  /** The input observer (uint8 affine); default MovingAverageMinMaxObserver(). */
  observer?: MinMaxObserver;
  /** A NaN or infinite input row: 'throw' (default) ERR_QGEMM_NOT_FINITE, or 'propagate' NaN to that output row. */
  nonFinite?: NonFinitePolicy;
  /**
   * The input's fake quantization: 'onnx' (default) divides by the scale, as the converted
   * QuantizedLinear quantizes; 'torch' multiplies by the float32 reciprocal, as PyTorch's
   * FakeQuantize (then a few inputs in 10^4 land one level apart from the converted layer's).
   */
  rounding?: Rounding;
}

export interface ConvertOptions {
  /** 'static' (default): input qparams from the observer; 'dynamic': per-row at run time. */
  activation?: 'static' | 'dynamic';
  relu?: boolean;
  /** Static only: quantize the output for the next layer's static input. */
  output?: QParamsLike;
}

export class QATLinear extends Linear {
  readonly observer: MinMaxObserver;
  readonly nonFinite: NonFinitePolicy;
  readonly rounding: Rounding;
  #xq: FakeQuantized | undefined;
  #wq: Float32Array | undefined;
  #wInt8: SymmetricInt8 | undefined; // reused buffers

  constructor(inFeatures: number, outFeatures: number, rng: Rng, name = 'qat', options: QATLinearOptions = {}) {
    super(inFeatures, outFeatures, rng, name);
    this.observer = options.observer ?? new MovingAverageMinMaxObserver();
    this.nonFinite = checkNonFinitePolicy(options.nonFinite, 'options.nonFinite');
    this.rounding = options.rounding ?? 'onnx';
    if (this.rounding !== 'onnx' && this.rounding !== 'torch') {
      throw typeError('ERR_QGEMM_OPTION', `options.rounding must be 'onnx' or 'torch', got ${show(this.rounding)}`);
    }
  }

  /** Starts from a trained float Linear (copies its parameters). */
  static fromLinear(linear: Linear, rng: Rng, options: QATLinearOptions = {}): QATLinear {
    const q = new QATLinear(linear.inFeatures, linear.outFeatures, rng, linear.weight.name.replace(/\.weight$/, ''), options);
    q.weight.data.set(linear.weight.data);
    q.bias.data.set(linear.bias.data);
    return q;
  }

  /** The observer's current input qparams (uint8 affine). */
  inputQParams(): QParams {
    return this.observer.calculateQParams();
  }

  /** The weights after quantize-dequantize (per output channel): dequantizeLinear(quantizeWeights(W)), exactly. */
  fakeQuantizedWeights(): Float32Array {
    const { q, scales } = quantizeRows(this.weight.data, this.outFeatures, this.inFeatures, this.#wInt8);
    this.#wInt8 = { q, scales };
    const w = new Float32Array(q.length);
    const n = this.inFeatures;
    for (let o = 0; o < this.outFeatures; o++) {
      const s = scales[o];
      for (let i = o * n; i < (o + 1) * n; i++) w[i] = Math.fround(q[i] * s);
    }
    return w;
  }

  override forward(input: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    // Before observing: a NaN would poison the observer's range for good.
    const { x, bad } = guardRows(input, 'QATLinear', this.nonFinite, this.inFeatures);
    if (training) this.observer.observe(x);
    const { scale, zeroPoint } = this.inputQParams();
    const { spec } = this.observer;
    const xq = fakeQuantize(x, { scale, zeroPoint, qmin: spec.qmin, qmax: spec.qmax, rounding: this.rounding });
    const wq = this.fakeQuantizedWeights();
    const xt: Tensor<'float32'> = { dtype: 'float32', shape: x.shape, data: xq.y };
    const y = matmul(xt, { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: wq }, { transposeB: true });
    addBias(y.data, this.bias.data);
    poisonRows(y.data, this.outFeatures, bad);
    this.saved = training ? xt : undefined;
    this.#xq = training ? xq : undefined;
    this.#wq = training ? wq : undefined;
    return y;
  }

  override backward(dy: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined {
    const xt = this.saved, xq = this.#xq, wq = this.#wq;
    if (xt === undefined || xq === undefined || wq === undefined) throw new Error('QATLinear.backward() needs a training forward first');
    this.weightAndBiasGrads(dy, xt); // dW through the weights' STE (all ones, see above)
    if (!needInputGrad) return undefined;
    const dx = matmul(dy, { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: wq });
    for (let i = 0; i < dx.data.length; i++) if (!xq.mask[i]) dx.data[i] = 0;
    return dx;
  }

  /** The int8 layer this one simulates. */
  toQuantized(options: ConvertOptions = {}): QuantizedLinear {
    const activation = options.activation ?? 'static';
    const input = activation === 'static' ? { ...this.inputQParams(), dtype: 'uint8' as const } : undefined;
    return new QuantizedLinear(this.weightTensor(), this.bias.data, { activation, input, relu: options.relu, output: options.output });
  }
}
