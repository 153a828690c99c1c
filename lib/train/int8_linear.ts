/**
 * int8 training, SwitchBack-style (Wortsman et al. 2023): the two GEMMs whose
 * inner dimension is a layer width run in int8, the weight gradient stays fp32.
 *   forward   Y  = X W^T:  X per row, W per output channel (row of W);
 *   backward  dX = dY W:   dY per row, W per input feature (column of W);
 *             dW = dY^T X in float32 (its inner dimension is the batch, and
 *             it feeds the optimizer directly).
 * Every scale is symmetric int8 on [-127, 127] (lib/train/symmetric.ts), found
 * anew at each step; quantizedMatmul's float32 epilogue applies the row scale
 * of A and the column scale of B (and the bias) in the same native call.
 * Nothing is pre-packed: W changes every step and packing costs more than it
 * saves at these sizes (see docs/TRAINING.md).
 */
import { quantizedMatmul } from '../qmatmul';
import { QuantizedLinear } from '../layers/quantized_linear';
import { checkNonFinitePolicy, guardRows, poisonRows, type NonFinitePolicy } from '../layers/non_finite';
import type { Tensor } from '../tensor';
import { Linear } from './linear';
import type { Rng } from './rng';
import { quantizeColumns, quantizeRows } from './symmetric';

export interface Int8LinearOptions {
  /** A NaN or infinite input row: 'throw' (default) ERR_QGEMM_NOT_FINITE, or 'propagate' NaN to that output row. */
  nonFinite?: NonFinitePolicy;
}

export class Int8Linear extends Linear {
  readonly nonFinite: NonFinitePolicy;

  constructor(inFeatures: number, outFeatures: number, rng: Rng, name = 'int8', options: Int8LinearOptions = {}) {
    super(inFeatures, outFeatures, rng, name);
    this.nonFinite = checkNonFinitePolicy(options.nonFinite, 'options.nonFinite');
  }

  override forward(input: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    const { x, bad } = guardRows(input, 'Int8Linear', this.nonFinite, this.inFeatures);
    const rows = x.shape[0];
    const xq = quantizeRows(x.data, rows, this.inFeatures);
    const wq = quantizeRows(this.weight.data, this.outFeatures, this.inFeatures);
    const y = quantizedMatmul(
      { dtype: 'int8', shape: [rows, this.inFeatures], data: xq.q },
      { dtype: 'int8', shape: [this.outFeatures, this.inFeatures], data: wq.q },
      { transposeB: true, aScale: xq.scales, bScale: wq.scales, bias: this.bias.data },
    ) as Tensor<'float32'>;
    poisonRows(y.data, this.outFeatures, bad);
    this.saved = training ? x : undefined;
    return y;
  }

  override backward(dy: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined {
    const x = this.saved;
    if (x === undefined) throw new Error('Int8Linear.backward() needs a training forward first');
    this.weightAndBiasGrads(dy, x);
    if (!needInputGrad) return undefined;
    const rows = dy.shape[0];
    const dq = quantizeRows(dy.data, rows, this.outFeatures);
    const wq = quantizeColumns(this.weight.data, this.outFeatures, this.inFeatures);
    return quantizedMatmul(
      { dtype: 'int8', shape: [rows, this.outFeatures], data: dq.q },
      { dtype: 'int8', shape: [this.outFeatures, this.inFeatures], data: wq.q },
      { aScale: dq.scales, bScale: wq.scales },
    ) as Tensor<'float32'>;
  }

  /** For inference: QuantizedLinear with dynamic per-row activations (what the forward did, in uint8 affine). */
  toQuantized(relu = false): QuantizedLinear {
    return new QuantizedLinear(this.weightTensor(), this.bias.data, { activation: 'dynamic', relu });
  }
}
