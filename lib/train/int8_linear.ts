/**
 * int8 training: a Linear whose GEMMs run in int8, each as one native call
 * that quantizes its operands and applies the scales (and bias) in the int8
 * GEMM's float32 epilogue (native/train/int8_linear.h):
 *   forward   Y  = X W^T:  X per row, W per output channel (row of W:
 *                          W = diag(s) Q);
 *   backward  dX = dY W:   the forward's levels Q, with s folded into dY:
 *                          (dY diag(s)) per row, times Q (a row of Q all 0
 *                          folds in 0, not its scale);
 *             dW = dY^T X: 'float32' (SwitchBack, Wortsman et al. 2023: the
 *                          GEMM whose inner dimension is the batch stays fp32)
 *                          or 'int8' (full int8: X and dY per column within
 *                          blocks of `block` batch rows, dY stochastically
 *                          rounded; see docs/TRAINING.md for the recipe).
 * Every scale is symmetric int8 on [-127, 127], found anew at each step; W is
 * read once a step, for both GEMMs' packs. Deterministic for a given
 * seed: the stochastic rounding draws one uint32 seed per step from its own
 * Rng, seeded from the layer's initialisation Rng.
 */
import { QuantizedLinear } from '../layers/quantized_linear';
import { checkNonFinitePolicy, guardGradient, guardRows, layerName, poisonRows, poisonWeightGrads, type NonFinitePolicy } from '../layers/non_finite';
import { checkBoolean, checkEnum, checkNumber } from '../options';
import type { Tensor } from '../tensor';
import { Linear, transientScratch, type LinearOptions } from './linear';
import { nativeTrain } from './native_train';
import { Rng } from './rng';
import { rowBlocks } from './symmetric';

export interface Int8LinearOptions extends LinearOptions {
  /** The weight-gradient GEMM: 'float32' (SwitchBack, the default) or 'int8' (full int8). */
  weightGrad?: 'float32' | 'int8';
  /** Full int8: batch rows per block of dW's scales; 0 (the default) = the whole batch. */
  block?: number;
  /**
   * A NaN or infinite row of x (forward) or dy (backward): 'throw' (default) ERR_QGEMM_NOT_FINITE,
   * or 'propagate' NaN to what it reaches (that output row; dx's row, dW's rows and db's entries).
   */
  nonFinite?: NonFinitePolicy;
}

export class Int8Linear extends Linear {
  static override readonly optionKeys: readonly string[] = [...Linear.optionKeys, 'weightGrad', 'block', 'nonFinite'];
  readonly weightGrad: 'float32' | 'int8';
  readonly block: number;
  readonly nonFinite: NonFinitePolicy;
  readonly #rounding: Rng;
  /** W quantized and packed for this step's GEMMs (re-packed in place by each forward). */
  readonly #packs = nativeTrain().int8WeightPacks();
  /** Whether the forward also packs W's levels for dX: learned from the last backward. */
  #columnsWanted = true;
  #columnsReady = false;

  constructor(inFeatures: number, outFeatures: number, rng: Rng, name = 'int8', options: Int8LinearOptions = {}) {
    super(inFeatures, outFeatures, rng, name, options);
    this.weightGrad = checkEnum(options.weightGrad, 'options.weightGrad', ['float32', 'int8'], 'float32');
    this.block = checkNumber(options.block, 'options.block', { integer: true, min: 0 }, 0);
    this.#rounding = new Rng(rng.nextU32()); // drawn after the weights: they equal a Linear's from the same rng
    this.nonFinite = checkNonFinitePolicy(options.nonFinite, 'options.nonFinite');
  }

  override forward(input: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    const { x, bad } = guardRows(input, 'Int8Linear', this.nonFinite, this.inFeatures);
    const rows = x.shape[0], inF = this.inFeatures, outF = this.outFeatures;
    const s = this.scratch;
    const columns = training && this.#columnsWanted;
    const xQ = s.i8('x.q', rows * inF), xScales = s.f32('x.scales', rows);
    const y = this.output(training, 'y', [rows, outF]);
    nativeTrain().int8Forward(
      x.data, this.weight.data, this.bias.data, rows, inF, outF, xQ, xScales,
      undefined, s.f32('w.rowScales', outF), columns, y.data,
      this.#packs,
    );
    this.#columnsReady = columns;
    this.save(training ? x : undefined, { q: xQ, scales: xScales });
    poisonRows(y.data, outF, bad);
    return y;
  }

  override backward(input: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined {
    const where = layerName('Int8Linear', this.weight.name);
    const { dy, rows: badRows, cols: badCols } = guardGradient(input, where, this.nonFinite, this.outFeatures);
    const x = this.savedInput('Int8Linear');
    this.#columnsWanted = needInputGrad;
    // dX first: an optimizer step fused into the int8 weight gradient's GEMM changes W.
    const dx = needInputGrad ? this.#inputGrad(dy, badRows) : undefined;
    if (this.weightGrad === 'int8') this.#int8WeightGrad(dy, x, badRows.length === 0 && badCols.length === 0);
    else this.weightAndBiasGrads(dy, x);
    poisonWeightGrads(this.weight.grad, this.bias.grad, this.inFeatures, badCols);
    return dx;
  }

  /** dX = (dY diag(s)) Q with the forward's levels Q = W / s per row: the packs, or W quantized again here. */
  #inputGrad(dy: Tensor<'float32'>, badRows: readonly number[]): Tensor<'float32'> {
    const rows = dy.shape[0], inF = this.inFeatures, outF = this.outFeatures;
    const s = this.scratch, t = transientScratch;
    const packed = this.#columnsReady;  // the forward packed W's levels for dX this step
    const wQ = packed ? undefined : s.i8('w.rows', outF * inF);
    if (wQ) nativeTrain().quantizeRows(this.weight.data, outF, inF, wQ, s.f32('w.rowScales', outF));
    const dx = this.output(true, 'dx', [rows, inF]);
    nativeTrain().int8InputGrad(
      dy.data, rows, inF, outF, t.i8('dy.q', rows * outF), t.f32('dy.scales', rows), wQ, s.f32('w.rowScales', outF), dx.data,
      packed ? this.#packs : undefined,
    );
    poisonRows(dx.data, inF, badRows);
    return dx;
  }

  /** fusable: no poisoned rows or columns (a fused optimizer step may take W's update here). */
  #int8WeightGrad(dy: Tensor<'float32'>, x: Tensor<'float32'>, fusable: boolean): void {
    const rows = dy.shape[0], inF = this.inFeatures, outF = this.outFeatures;
    const blocks = rowBlocks(rows, this.block);
    const t = transientScratch;
    // One scale block: the optimizer's step can run in the GEMM's epilogue (dW never stored).
    const step = fusable && blocks === 1 ? this.weight.fused : undefined;
    const adam = step?.adam();
    const fused = nativeTrain().int8WeightGrad(
      dy.data, x.data, rows, inF, outF, this.block, this.#rounding.nextU32(),
      t.i8('dy.q', rows * outF), t.f32('dy.blockScales', blocks * outF), t.i8('x.blockQ', rows * inF), t.f32('x.blockScales', blocks * inF),
      blocks > 1 ? t.f32('dw.partial', outF * inF) : undefined, this.weight.grad,
      ...(adam ? ([this.weight.data, adam.m, adam.v, ...adam.numbers] as const) : ([] as const)),
    );
    if (fused) step!.applied();
    nativeTrain().columnSums(dy.data, rows, outF, this.bias.grad);
  }

  /** For inference: QuantizedLinear with dynamic per-row activations (what the forward did, in uint8 affine). */
  toQuantized(relu = false): QuantizedLinear {
    checkBoolean(relu, 'Int8Linear.toQuantized(relu): relu', false);
    return new QuantizedLinear(this.weightTensor(), this.bias.data, { activation: 'dynamic', relu });
  }
}
