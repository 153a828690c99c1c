/**
 * The contract between layers, the model and the optimizers. No autograd:
 * every layer keeps what its backward needs from the last training forward.
 */
import type { Tensor } from '../tensor';
import type { AdamNumbers } from './native_train';

/** A trainable array and its gradient (overwritten by each backward). */
export interface Param {
  readonly name: string;
  readonly data: Float32Array;
  readonly grad: Float32Array;
  /**
   * Set by an optimizer built with `fused: true` (Adam): a layer that can
   * apply the coming step where it makes the gradient (Int8Linear's int8
   * weight gradient) does so, and then `grad` is not written for that step.
   */
  fused?: FusedStep;
}

/** The optimizer's side of a step fused into a layer's backward (see Param.fused). */
export interface FusedStep {
  /**
   * The state and step parameters of the coming step(); throws
   * ERR_QGEMM_FUSED_STEP when this parameter was already stepped since the
   * last step() (two backwards without a step between).
   */
  adam(): { m: Float32Array; v: Float32Array; numbers: AdamNumbers };
  /** The layer applied the coming step to this parameter. */
  applied(): void;
}

/**
 * How a layer keeps what its backward needs: 'float32' keeps the input as
 * given; 'int8' keeps it as int8 with one float32 scale per row (symmetric,
 * [-127, 127]), about 4x smaller, and the weight gradient then uses the
 * dequantized input; ReLU keeps a 1-bit mask instead of its output.
 */
export type SavedActivations = 'float32' | 'int8';

/**
 * A layer's training forward writes its output, and its backward the input
 * gradient, into buffers the layer reuses every step (no allocation per
 * step): they stay valid until the layer's next training forward / backward.
 * An inference forward (training false) returns fresh arrays.
 */
export interface Module {
  /** training: keep what backward needs (and update observers); otherwise pure inference. */
  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'>;
  /** Sets the parameters' gradients; returns dL/dx when needInputGrad. Call after a training forward. */
  backward(dy: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined;
  params(): Param[];
  /** The arrays kept from the last training forward for the backward (for memory reports). */
  savedForBackward?(): ArrayBufferView[];
}

export function param(name: string, size: number): Param {
  return { name, data: new Float32Array(size), grad: new Float32Array(size) };
}

/** Bytes of distinct arrays (a ReLU's output is also the next Linear's saved input: counted once). */
export function distinctBytes(arrays: Iterable<ArrayBufferView>): number {
  const seen = new Set<ArrayBufferView>();
  let bytes = 0;
  for (const a of arrays) {
    if (seen.has(a)) continue;
    seen.add(a);
    bytes += a.byteLength;
  }
  return bytes;
}
