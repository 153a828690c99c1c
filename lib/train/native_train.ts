/**
 * The addon's training functions (binding/train_binding.cc), typed. These are
 * raw calls: the binding checks every buffer's type and length against the
 * dimensions (so a wrong call throws, it never reads out of bounds); the
 * layers and optimizers of lib/train are the API.
 */
import { native } from '../native';

type F32 = Float32Array;
type I8 = Int8Array;
type U8 = Uint8Array;
/** An opaque native handle (qgemm::Int8WeightPacks). */
export type WeightPacks = { readonly __brand: 'Int8WeightPacks' };

/** Adam's step parameters as adamStep takes them: beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2. */
export type AdamNumbers = [number, number, number, number, number, number, number, number];

export interface NativeTrain {
  quantizeRows(x: F32, rows: number, cols: number, q: I8, scales: F32): void;
  quantizeColumns(x: F32, rows: number, cols: number, q: I8, scales: F32): void;
  quantizeRowsColumns(x: F32, rows: number, cols: number, qRows: I8, rowScales: F32, qCols: I8, colScales: F32): void;
  quantizeColumnBlocks(x: F32, rows: number, cols: number, block: number, stochastic: boolean, seed: number, q: I8, scales: F32): void;
  /** With q, the int8 levels too (quantizeRows' output). */
  fakeQuantizeRows(x: F32, rows: number, cols: number, y: F32, scales: F32, q?: I8): void;
  /** A layer's int8 weights in the kernel's packed layout, written in place by each int8Forward (freed by GC). With packs, int8Forward quantizes W straight into them (wQRows unused) and `columns` asks for the input gradient's pack too. */
  int8WeightPacks(): WeightPacks;
  int8Forward(
    x: F32, w: F32, bias: F32 | undefined, rows: number, inF: number, outF: number,
    xQ: I8, xScales: F32, wQRows: I8 | undefined, wRowScales: F32, columns: boolean, y: F32,
    packs?: WeightPacks,
  ): void;
  /** W quantized per row straight into the packs (the input gradient's too with `columns`), the pass int8Forward makes. */
  quantizePackWeights(w: F32, outF: number, inF: number, rowScales: F32, columns: boolean, packs: WeightPacks): void;
  /** dX = (dY diag(wRowScales)) Q, Q = W's row levels (wQRows, or the packs' input-gradient pack). */
  int8InputGrad(
    dy: F32, rows: number, inF: number, outF: number, dyQ: I8, dyScales: F32, wQRows: I8 | undefined, wRowScales: F32, dx: F32,
    packs?: WeightPacks,
  ): void;
  int8WeightGrad(
    dy: F32, x: F32, rows: number, inF: number, outF: number, block: number, seed: number,
    dyQ: I8, dyScales: F32, xQ: I8, xScales: F32, partial: F32 | undefined, dw: F32,
    ...adam: [] | [p: F32, m: F32, v: F32, ...numbers: AdamNumbers]
  ): boolean;
  biasRelu(y: F32, rows: number, cols: number, bias: F32 | undefined, relu: boolean): void;
  reluForward(x: F32, y: F32, bits: U8 | undefined): void;
  reluBackward(dy: F32, y: F32, dx: F32): void;
  reluBackwardBits(dy: F32, bits: U8, dx: F32): void;
  columnSums(a: F32, rows: number, cols: number, out: F32): void;
  allFinite(x: F32): boolean;
  addInto(a: F32, y: F32): void;
  applyMask(dx: F32, mask: U8): void;
  /** With codes (0 <= qmin, qmax <= 255), the clamped uint8 levels too. */
  fakeQuantizeAffine(x: F32, scale: number, zeroPoint: number, qmin: number, qmax: number, y: F32, mask: U8, codes?: U8): void;
  dequantizeRows(q: I8, scales: F32, rows: number, cols: number, x: F32): void;
  adamStep(
    p: F32, grad: F32, m: F32, v: F32, beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number,
    eps: number, weightDecay: number, stepSize: number, c2: number,
  ): void;
  /** params: [beta1, beta2, 1 - beta1, 1 - beta2, eps, weightDecay, stepSize, c2] as float32. */
  /** code: 0 the dynamic tree codes, 1 the float8 codes (native/train/float8_code.h). */
  adam8bitStep(p: F32, grad: F32, qm: U8, qv: U8, absm: F32, absv: F32, params: F32, code: 0 | 1): void;
  dynamicCode(signed: boolean): F32;
  blockwiseQuantize(x: F32, block: number, signed: boolean, q: U8, absmax: F32, code: 0 | 1): void;
  blockwiseDequantize(q: U8, absmax: F32, block: number, signed: boolean, x: F32, code: 0 | 1): void;
}

let cached: NativeTrain | undefined;

export function nativeTrain(): NativeTrain {
  cached ??= (native() as unknown as { train: NativeTrain }).train;
  return cached;
}

/**
 * Grow-only typed buffers, one per name, handed out as views of the length
 * asked for: a layer's per-step scratch is allocated once (and again only
 * when a larger batch arrives), never per step.
 */
export class Scratch {
  readonly #buffers = new Map<string, Float32Array | Int8Array | Uint8Array>();

  f32(name: string, n: number): Float32Array {
    return this.#get(name, n, Float32Array);
  }

  i8(name: string, n: number): Int8Array {
    return this.#get(name, n, Int8Array);
  }

  u8(name: string, n: number): Uint8Array {
    return this.#get(name, n, Uint8Array);
  }

  /** Bytes held (for memory reports). */
  get bytes(): number {
    let total = 0;
    for (const b of this.#buffers.values()) total += b.byteLength;
    return total;
  }

  #get<T extends Float32Array | Int8Array | Uint8Array>(name: string, n: number, type: { new (n: number): T }): T {
    let b = this.#buffers.get(name) as T | undefined;
    if (b === undefined || b.length < n) {
      b = new type(n);
      this.#buffers.set(name, b);
    }
    return (b.length === n ? b : b.subarray(0, n)) as T;
  }
}
