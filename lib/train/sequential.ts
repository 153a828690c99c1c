/** A chain of modules: forward in order, backward in reverse. */
import { typeError } from '../errors';
import type { Tensor } from '../tensor';
import { distinctBytes, type Module, type Param } from './module';

export class Sequential implements Module {
  readonly layers: Module[];

  constructor(layers: Module[]) {
    if (!Array.isArray(layers) || !layers.every((l) => typeof l?.forward === 'function' && typeof l.backward === 'function' && typeof l.params === 'function')) {
      throw typeError('ERR_QGEMM_ARG_TYPE', 'new Sequential(layers): layers must be an array of modules (Linear, ReLU, ...)');
    }
    this.layers = layers;
  }

  forward(x: Tensor<'float32'>, training: boolean): Tensor<'float32'> {
    for (const layer of this.layers) x = layer.forward(x, training);
    return x;
  }

  /** The first layer's input gradient is skipped unless asked for (it saves a GEMM per step). */
  backward(dy: Tensor<'float32'>, needInputGrad = false): Tensor<'float32'> | undefined {
    let g: Tensor<'float32'> | undefined = dy;
    for (let i = this.layers.length - 1; i >= 0 && g !== undefined; i--) g = this.layers[i].backward(g, i > 0 || needInputGrad);
    return g;
  }

  params(): Param[] {
    return this.layers.flatMap((l) => l.params());
  }

  savedForBackward(): ArrayBufferView[] {
    return this.layers.flatMap((l) => l.savedForBackward?.() ?? []);
  }

  /** Bytes kept from the last training forward for the backward, each array counted once. */
  savedBytes(): number {
    return distinctBytes(this.savedForBackward());
  }
}
