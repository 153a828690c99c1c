/**
 * The contract between layers, the model and the optimizers. No autograd:
 * every layer keeps what its backward needs from the last training forward.
 */
import type { Tensor } from '../tensor';

/** A trainable array and its gradient (overwritten by each backward). */
export interface Param {
  readonly name: string;
  readonly data: Float32Array;
  readonly grad: Float32Array;
}

export interface Module {
  /** training: keep what backward needs (and update observers); otherwise pure inference. */
  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'>;
  /** Sets the parameters' gradients; returns dL/dx when needInputGrad. Call after a training forward. */
  backward(dy: Tensor<'float32'>, needInputGrad: boolean): Tensor<'float32'> | undefined;
  params(): Param[];
}

export function param(name: string, size: number): Param {
  return { name, data: new Float32Array(size), grad: new Float32Array(size) };
}
