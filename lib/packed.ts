/**
 * PackedWeights: a B matrix packed once into the layout of the kernel that
 * will multiply it (with whatever per-column data that kernel needs), reusable
 * for any M. Owns native memory: free it with dispose() or `using`; garbage
 * collection frees it too if you forget.
 */
import { rangeError, stateError, typeError } from './errors';
import { native, NativePackedWeights } from './native';
import { checkOptions } from './options';
import { checkTensor, maxByteLength, Tensor } from './tensor';

export interface PackOptions {
  /** b is stored as its transpose, [N, K] (a PyTorch Linear weight, for example). */
  transpose?: boolean;
}

export class PackedWeights {
  /** int8 for int8 GEMMs, float32 for float GEMMs. */
  readonly dtype: 'int8' | 'float32';
  /** The logical shape [K, N] of B. */
  readonly shape: readonly [number, number];
  readonly #native: NativePackedWeights;

  /** @internal use packWeights() */
  constructor(dtype: 'int8' | 'float32', k: number, n: number, handle: NativePackedWeights) {
    this.dtype = dtype;
    this.shape = Object.freeze([k, n]) as readonly [number, number];
    this.#native = handle;
  }

  /** The kernel B was packed for, e.g. "avx2" or "scalar". */
  get kernel(): string {
    return this.#native.kernel;
  }

  /** Bytes of native memory held (0 once disposed). */
  get bytes(): number {
    return this.#native.bytes;
  }

  get disposed(): boolean {
    return this.#native.disposed;
  }

  /** Frees the native memory now. Safe to call twice. */
  dispose(): void {
    this.#native.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * @internal the native handle, checked not to be disposed. `owner` names the
   * object the user holds (a QuantizedLinear owns its PackedWeights).
   */
  handle(owner = 'PackedWeights'): NativePackedWeights {
    if (this.#native.disposed) throw stateError('ERR_QGEMM_DISPOSED', `${owner} was disposed: it cannot be used after dispose()`);
    return this.#native;
  }
}

/** Packs B ([K, N], or [N, K] with transpose) for repeated matmul calls. */
export function packWeights(b: Tensor<'int8'> | Tensor<'float32'>, options: PackOptions = {}): PackedWeights {
  const { dtype, k, n, transpose } = planPack(b, options);
  return new PackedWeights(dtype, k, n, native().packWeights(b.data, k, n, transpose));
}

/** Validates packWeights' arguments. */
export function planPack(b: Tensor, options: PackOptions = {}): { dtype: 'int8' | 'float32'; k: number; n: number; transpose: boolean } {
  checkTensor(b, 'b');
  if (b.dtype !== 'int8' && b.dtype !== 'float32') {
    throw typeError('ERR_QGEMM_DTYPE', `b must be an int8 or float32 tensor, got ${(b as Tensor).dtype}`);
  }
  if (b.shape.length !== 2) throw rangeError('ERR_QGEMM_SHAPE', `b must be 2-D, got shape [${b.shape.join(', ')}]`);
  checkOptions(options, ['transpose'], 'packWeights');
  const transpose = options.transpose === undefined ? false : options.transpose;
  if (typeof transpose !== 'boolean') throw typeError('ERR_QGEMM_OPTION', 'options.transpose must be a boolean');
  const [k, n] = transpose ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  // An empty B may still name a huge K or N: its per-column sums and padded panels would not fit.
  if (k * 4 > maxByteLength() || n * 4 > maxByteLength()) {
    throw rangeError('ERR_QGEMM_TOO_LARGE', `b [${b.shape.join(', ')}] is too large to pack`);
  }
  return { dtype: b.dtype as 'int8' | 'float32', k, n, transpose };
}
