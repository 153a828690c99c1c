/**
 * Linear layer y = x W^T + b (W is [out, in], as torch.nn.Linear) on qgemm's
 * float32 GEMM. The transposes of the backward are read in place:
 *   dW = dy^T x   (transposeA),   dx = dy W,   db = sum over rows of dy.
 */
import { matmul } from '../matmul';
import type { Tensor } from '../tensor';
import { kaimingUniform, linearBiasUniform } from './init';
import { param, type Module, type Param } from './module';
import type { Rng } from './rng';

export class Linear implements Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Param;
  readonly bias: Param;
  /** The input of the last training forward (what dW needs). */
  protected saved: Tensor<'float32'> | undefined;

  constructor(inFeatures: number, outFeatures: number, rng: Rng, name = 'linear') {
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = param(`${name}.weight`, outFeatures * inFeatures);
    this.bias = param(`${name}.bias`, outFeatures);
    kaimingUniform(this.weight.data, inFeatures, rng);
    linearBiasUniform(this.bias.data, inFeatures, rng);
  }

  /** W as a [out, in] tensor over the live parameter data (no copy). */
  weightTensor(): Tensor<'float32'> {
    return { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: this.weight.data };
  }

  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    const y = matmul(x, this.weightTensor(), { transposeB: true });
    addBias(y.data, this.bias.data);
    this.saved = training ? x : undefined;
    return y;
  }

  backward(dy: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined {
    const x = this.saved;
    if (x === undefined) throw new Error('Linear.backward() needs a training forward first');
    this.weightAndBiasGrads(dy, x);
    return needInputGrad ? matmul(dy, this.weightTensor()) : undefined;
  }

  /** dW = dy^T x (fp32, in place into weight.grad) and db = column sums of dy. */
  protected weightAndBiasGrads(dy: Tensor<'float32'>, x: Tensor<'float32'>): void {
    const out: Tensor<'float32'> = { dtype: 'float32', shape: [this.outFeatures, this.inFeatures], data: this.weight.grad };
    matmul(dy, x, { transposeA: true, out });
    columnSums(dy.data, this.outFeatures, this.bias.grad);
  }

  params(): Param[] {
    return [this.weight, this.bias];
  }
}

export function addBias(y: Float32Array, bias: Float32Array): void {
  const n = bias.length;
  for (let i = 0; i < y.length; i += n) for (let j = 0; j < n; j++) y[i + j] += bias[j];
}

/** Sums of each column of a row-major [rows, cols] matrix, in float64, stored as float32. */
export function columnSums(a: Float32Array, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let i = 0; i < a.length; i += cols) for (let j = 0; j < cols; j++) acc[j] += a[i + j];
  out.set(acc);
}
