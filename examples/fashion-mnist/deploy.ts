/**
 * The deployed int8 MLPs: a chain of QuantizedLinear layers with ReLU fused.
 * Static: each layer's output is quantized (uint8) with the next layer's input
 * qparams inside the GEMM epilogue, so int8 flows between layers. Dynamic:
 * float32 between layers, each row quantized at run time.
 */
import { QuantizedLinear, type Tensor } from '../../lib';
import type { QParams } from '../../lib/quant';
import { accuracy, type Dataset, type Linear } from '../../lib/train';

export class Int8Mlp {
  constructor(readonly layers: QuantizedLinear[]) {}

  predict(x: Float32Array, rows: number): Tensor<'float32'> {
    let h: Tensor = { dtype: 'float32', shape: [rows, x.length / rows], data: x };
    for (const layer of this.layers) h = layer.forward(h);
    return h as Tensor<'float32'>;
  }

  accuracy(d: Dataset, batch = 256): number {
    return accuracy((x) => this.predict(x.data, x.shape[0]), d, batch);
  }

  /** int8 weights, float32 weight scales and biases. */
  get bytes(): number {
    return this.layers.reduce((s, l) => s + l.inFeatures * l.outFeatures + 4 * (l.weightScales.length + l.outFeatures), 0);
  }
}

/** Static int8 layers from calibrated (or QAT-observed) input qparams, uint8 affine. */
export function staticChain(linears: Linear[], inputs: QParams[]): Int8Mlp {
  return new Int8Mlp(linears.map((l, k) => {
    const last = k === linears.length - 1;
    return new QuantizedLinear(l.weightTensor(), l.bias.data, {
      activation: 'static',
      input: { ...inputs[k], dtype: 'uint8' },
      output: last ? undefined : { ...inputs[k + 1], dtype: 'uint8' },
      relu: !last,
    });
  }));
}

/** Dynamic int8 layers (per-row uint8 activations quantized at run time). */
export function dynamicChain(linears: Linear[]): Int8Mlp {
  return new Int8Mlp(linears.map((l, k) => new QuantizedLinear(l.weightTensor(), l.bias.data, { activation: 'dynamic', relu: k < linears.length - 1 })));
}

export function fp32Bytes(linears: Linear[]): number {
  return linears.reduce((s, l) => s + 4 * (l.weight.data.length + l.bias.data.length), 0);
}
