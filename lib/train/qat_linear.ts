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
 * The fake quantizations, the mask and the bias are native passes
 * (bit-identical to fakeQuantize and the TypeScript loops they replaced).
 *
 * With the default 'onnx' rounding and an observer on [0, 255] (PyTorch's
 * quint8 default, no reduced range) the forward runs the int8 GEMM itself:
 * the fake quantizations also write the uint8 input levels and int8 weight
 * levels, and y is the converted layer's output bit for bit
 * (toQuantized().forward(x) with the same input qparams), at int8 speed. The
 * backward stays float32 on the fake-quantized values (the straight-through
 * estimator). With 'torch' rounding, or any other observer range, the
 * forward is the float32 GEMM of the fake-quantized values.
 */
import { stateError, typeError } from '../errors';
import { checkEnum, checkOptions, describe } from '../options';
import { fakeQuantize, type Rounding } from '../quant/fake_quantize';
import { MinMaxObserver, MovingAverageMinMaxObserver } from '../quant/observers';
import type { QParams } from '../quant/qparams';
import { matmul, planMatmul } from '../matmul';
import { native } from '../native';
import { QuantizedLinear, type QParamsLike } from '../layers/quantized_linear';
import { checkNonFinitePolicy, guardGradient, guardRows, layerName, poisonRows, poisonWeightGrads, type NonFinitePolicy } from '../layers/non_finite';
import type { Tensor } from '../tensor';
import { Linear, type LinearOptions } from './linear';
import { nativeTrain } from './native_train';
import type { Rng } from './rng';

export interface QATLinearOptions extends LinearOptions {
  /** The input observer (uint8 affine); default MovingAverageMinMaxObserver(). */
  observer?: MinMaxObserver;
  /**
   * A NaN or infinite row of x (forward) or dy (backward): 'throw' (default) ERR_QGEMM_NOT_FINITE,
   * or 'propagate' NaN to what it reaches (that output row; dx's row, dW's rows and db's entries).
   */
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
  static override readonly optionKeys: readonly string[] = [...Linear.optionKeys, 'observer', 'nonFinite', 'rounding'];
  readonly observer: MinMaxObserver;
  readonly nonFinite: NonFinitePolicy;
  readonly rounding: Rounding;
  #mask: Uint8Array | undefined;
  #wq: Float32Array | undefined;

  constructor(inFeatures: number, outFeatures: number, rng: Rng, name = 'qat', options: QATLinearOptions = {}) {
    super(inFeatures, outFeatures, rng, name, options);
    if (options.observer !== undefined && !(options.observer instanceof MinMaxObserver)) {
      throw typeError('ERR_QGEMM_OPTION', `options.observer must be a MinMaxObserver (or MovingAverageMinMaxObserver), got ${describe(options.observer)}`);
    }
    this.observer = options.observer ?? new MovingAverageMinMaxObserver();
    this.nonFinite = checkNonFinitePolicy(options.nonFinite, 'options.nonFinite');
    this.rounding = checkEnum(options.rounding, 'options.rounding', ['onnx', 'torch'], 'onnx');
  }

  /** Starts from a trained float Linear (copies its parameters). */
  static fromLinear(linear: Linear, rng: Rng, options: QATLinearOptions = {}): QATLinear {
    if (!(linear instanceof Linear)) throw typeError('ERR_QGEMM_ARG_TYPE', `QATLinear.fromLinear: linear must be a Linear, got ${describe(linear)}`);
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
  fakeQuantizedWeights(out?: Float32Array): Float32Array {
    const n = this.outFeatures * this.inFeatures;
    const w = out?.length === n ? out : new Float32Array(n);
    nativeTrain().fakeQuantizeRows(this.weight.data, this.outFeatures, this.inFeatures, w, this.scratch.f32('w.scales', this.outFeatures));
    return w;
  }

  override forward(input: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    // Before observing: a NaN would poison the observer's range for good.
    const { x, bad } = guardRows(input, 'QATLinear', this.nonFinite, this.inFeatures);
    // A batch whose range overflows the scale is refused, not averaged in (it would fail the next ~56 batches).
    if (training) this.observer.observeChecked(x, layerName('QATLinear', this.weight.name));
    const { scale, zeroPoint } = this.inputQParams();
    const { spec } = this.observer;
    const n = x.data.length;
    const xq = this.scratch.f32('x.fake', n);
    const mask = this.scratch.u8('x.mask', n);
    // Exactly the converted layer's input range (it quantizes to uint8 [0, 255]): a reduced range
    // (reduceRange, quantMin/quantMax) clamps where the converted layer would not, so it keeps the fp32 forward.
    const int8 = this.rounding === 'onnx' && spec.qmin === 0 && spec.qmax === 255;
    const xCodes = int8 ? this.scratch.u8('x.codes', n) : undefined;
    if (this.rounding === 'onnx') {
      nativeTrain().fakeQuantizeAffine(x.data, scale, zeroPoint, spec.qmin, spec.qmax, xq, mask, xCodes);
    } else {
      // PyTorch's multiply-by-reciprocal rounding: the TypeScript path (the native pass divides, as ONNX).
      const f = fakeQuantize(x, { scale, zeroPoint, qmin: spec.qmin, qmax: spec.qmax, rounding: 'torch' });
      xq.set(f.y);
      mask.set(f.mask);
    }
    const wShape = [this.outFeatures, this.inFeatures];
    const wScales = this.scratch.f32('w.scales', this.outFeatures);
    const wq = this.scratch.f32('w.fake', this.outFeatures * this.inFeatures);
    const wCodes = int8 ? this.scratch.i8('w.codes', wq.length) : undefined;
    if (wCodes !== undefined && !training) {
      nativeTrain().quantizeRows(this.weight.data, this.outFeatures, this.inFeatures, wCodes, wScales); // no backward: levels only
    } else {
      nativeTrain().fakeQuantizeRows(this.weight.data, this.outFeatures, this.inFeatures, wq, wScales, wCodes);
    }
    const xt: Tensor<'float32'> = { dtype: 'float32', shape: x.shape, data: xq };
    const y = this.output(training, 'y', [x.shape[0], this.outFeatures]);
    if (xCodes !== undefined && wCodes !== undefined) {
      // QuantizedLinear's epilogue: float32(acc) * float32(scale * wScale[j]) + bias[j].
      const plan = planMatmul({ dtype: 'uint8', shape: x.shape, data: xCodes }, { dtype: 'int8', shape: wShape, data: wCodes }, { transposeB: true, out: y }, 'js', 'float32');
      const epilogue = { aZeroPoint: Int32Array.of(zeroPoint), aScale: Float32Array.of(scale), bScale: wScales, bias: this.bias.data, relu: false };
      native().gemm({ ...plan.desc, epilogue });
    } else {
      matmul(xt, { dtype: 'float32', shape: wShape, data: wq }, { transposeB: true, out: y });
      nativeTrain().biasRelu(y.data, x.shape[0], this.outFeatures, this.bias.data, false);
    }
    poisonRows(y.data, this.outFeatures, bad);
    this.save(training ? xt : undefined);
    this.#mask = training ? mask : undefined;
    this.#wq = training ? wq : undefined;
    return y;
  }

  override backward(input: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined {
    // As Int8Linear's: the STE mask would zero a NaN of dx where the input was clamped.
    const where = layerName('QATLinear', this.weight.name);
    const { dy, rows: badRows, cols: badCols } = guardGradient(input, where, this.nonFinite, this.outFeatures);
    const xt = this.savedInput('QATLinear'), mask = this.#mask, wq = this.#wq;
    if (mask === undefined || wq === undefined) throw stateError('ERR_QGEMM_NO_FORWARD', 'QATLinear.backward() needs a training forward first (forward(x, true))');
    this.weightAndBiasGrads(dy, xt); // dW through the weights' STE (all ones, see above)
    poisonWeightGrads(this.weight.grad, this.bias.grad, this.inFeatures, badCols);
    if (!needInputGrad) return undefined;
    const dx = this.output(true, 'dx', [dy.shape[0], this.inFeatures]);
    matmul(dy, { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: wq }, { out: dx });
    nativeTrain().applyMask(dx.data, mask.subarray(0, dx.data.length));
    poisonRows(dx.data, this.inFeatures, badRows);
    return dx;
  }

  override savedForBackward(): ArrayBufferView[] {
    return this.#mask === undefined ? [] : [...super.savedForBackward(), this.#mask];
  }

  /** The int8 layer this one simulates. */
  toQuantized(rawOptions: ConvertOptions = {}): QuantizedLinear {
    const options = checkOptions(rawOptions, ['activation', 'relu', 'output'], 'QATLinear.toQuantized');
    const activation = checkEnum(options.activation, 'options.activation', ['static', 'dynamic'], 'static');
    // The observer's dtype: an int8 (symmetric) observer's negative inputs must not clamp to 0.
    const input = activation === 'static' ? { ...this.inputQParams(), dtype: this.observer.spec.dtype } : undefined;
    return new QuantizedLinear(this.weightTensor(), this.bias.data, { activation, input, relu: options.relu, output: options.output });
  }
}
