/**
 * 8-bit Adam (Dettmers et al. 2022, "8-bit Optimizers via Block-wise
 * Quantization"): Adam whose two moments are stored in 8 bits, block-wise:
 *   - blocks of 2048 values, each with its float32 absmax;
 *   - the first moment with the signed dynamic (tree) code, the second with
 *     the unsigned one (one more fraction bit; bitsandbytes' "dynamic" and
 *     "udynamic" maps), see native/train/dynamic_code.h;
 *   - each step dequantizes a block, runs the Adam update in float32 (torch's
 *     formula, weight decay added to the gradient as Adam here), updates the
 *     parameters with the float32 moments, then re-quantizes them against
 *     the block's new absmax (nearest code value), except that a positive
 *     second moment never becomes 0 (it takes the code's smallest positive
 *     value): a second moment of 0 under a non-zero first moment makes the
 *     next step m / eps, the "zero-point problem" of Li et al. 2023 ("Memory
 *     Efficient Optimizers with 4-bit States"), which diverged on the demo's
 *     --wide MLP (gradients within a block span more than the code's range);
 *   - fp32 master weights; parameters with fewer than `minBlockwiseSize`
 *     values (default 4096, bitsandbytes' min_8bit_size) keep 32-bit state
 *     and take exactly Adam's step.
 * State: 2 bytes per value plus 8 bytes per block, against Adam's 8 per value.
 * Native (scalar, AVX2 and AVX-512, identical results), blocks split over the pool.
 *
 * `stateCode: 'float8'` stores the moments in small floats instead (per block
 * scaled like the tree code; m: sign, 4 exponent and 3 mantissa bits, 2^-15 to
 * 1 of the block maximum; v: 5 and 3 bits, 2^-31 to 1; native/train/float8_code.h):
 * the nearest code is arithmetic on the float bits, not a search over 255
 * unevenly spaced midpoints, which makes the step several times cheaper
 * (docs/TRAINING.md has the measurements). Same floor: a positive second
 * moment never becomes 0.
 */
import { checkEnum, checkNumber } from '../options';
import type { Param } from './module';
import { nativeTrain } from './native_train';
import { AdamBase, type AdamOptions } from './optim';

/** The 8-bit codes of the moments: the paper's dynamic tree codes, or table-free small floats. */
export type Adam8bitStateCode = 'tree' | 'float8';
export const ADAM8BIT_STATE_CODES: readonly Adam8bitStateCode[] = ['tree', 'float8'];

export interface Adam8bitOptions extends AdamOptions {
  /** Parameters with fewer values keep float32 moments; default 4096. */
  minBlockwiseSize?: number;
  /** Default 'tree' (Dettmers et al. 2022, bitsandbytes' maps). */
  stateCode?: Adam8bitStateCode;
}

/** Values per quantization block (the paper's and bitsandbytes' block size). */
export const ADAM8BIT_BLOCK = 2048;

type State =
  | { kind: '8bit'; qm: Uint8Array; qv: Uint8Array; absm: Float32Array; absv: Float32Array }
  | { kind: '32bit'; m: Float32Array; v: Float32Array };

export class Adam8bit extends AdamBase {
  static override readonly optionKeys: readonly string[] = [...AdamBase.optionKeys, 'minBlockwiseSize', 'stateCode'];
  /** The code of the 8-bit moments. */
  readonly stateCode: Adam8bitStateCode;
  readonly #code: 0 | 1;
  readonly #states: State[];
  readonly #hyper = new Float32Array(8);

  constructor(params: Param[], options: Adam8bitOptions = {}) {
    super(params, options);
    const min = checkNumber(options?.minBlockwiseSize, 'options.minBlockwiseSize', { integer: true, min: 0 }, 4096);
    this.stateCode = checkEnum(options?.stateCode, 'options.stateCode', ADAM8BIT_STATE_CODES, 'tree');
    this.#code = this.stateCode === 'float8' ? 1 : 0;
    this.#states = params.map(({ data: { length: n } }): State => {
      if (n < min) return { kind: '32bit', m: new Float32Array(n), v: new Float32Array(n) };
      const blocks = Math.ceil(n / ADAM8BIT_BLOCK);
      return { kind: '8bit', qm: new Uint8Array(n), qv: new Uint8Array(n), absm: new Float32Array(blocks), absv: new Float32Array(blocks) };
    });
  }

  protected updateParam(k: number, stepSize: number, c2: number): void {
    const s = this.#states[k];
    if (s.kind === '32bit') return this.adam32(k, s.m, s.v, stepSize, c2);
    this.#hyper.set([this.beta1, this.beta2, 1 - this.beta1, 1 - this.beta2, this.eps, this.weightDecay, stepSize, c2]); // float32
    const { data, grad } = this.params[k];
    nativeTrain().adam8bitStep(data, grad, s.qm, s.qv, s.absm, s.absv, this.#hyper, this.#code);
  }

  stateBytes(): number {
    return this.#states.reduce((sum, s) => sum + (s.kind === '8bit' ? s.qm.byteLength + s.qv.byteLength + s.absm.byteLength + s.absv.byteLength : s.m.byteLength + s.v.byteLength), 0);
  }

  /** The moments of parameter k dequantized to float32 (for inspection and tests). */
  moments(k: number): { m: Float32Array; v: Float32Array } {
    const s = this.#states[k];
    if (s.kind === '32bit') return { m: s.m.slice(), v: s.v.slice() };
    const n = s.qm.length;
    const m = new Float32Array(n), v = new Float32Array(n);
    nativeTrain().blockwiseDequantize(s.qm, s.absm, ADAM8BIT_BLOCK, true, m, this.#code);
    nativeTrain().blockwiseDequantize(s.qv, s.absv, ADAM8BIT_BLOCK, false, v, this.#code);
    return { m, v };
  }
}
