/**
 * The small layers an imported ONNX graph needs besides Linear, ReLU and
 * QuantizedLinear: reshapes of the input and standalone (de)quantization.
 * Each follows its ONNX operator exactly.
 */
import { rangeError, typeError } from '../errors';
import { dequantizeLinear, quantizeLinear } from '../quant/onnx';
import { checkTensor, type Tensor } from '../tensor';

/** Activation quantization parameters, per tensor. */
export interface QParamsSpec {
  dtype: 'int8' | 'uint8';
  scale: number;
  zeroPoint: number;
}

/** ONNX Flatten with axis 1 (and Reshape to [batch, -1]): [batch, d1, d2, ...] -> [batch, d1 * d2 * ...]. The data is not copied. */
export class Flatten {
  /** The dims after the batch dimension of the input, when the model states them. */
  readonly inputDims: readonly number[] | undefined;

  constructor(inputDims?: readonly number[]) {
    this.inputDims = inputDims === undefined ? undefined : Object.freeze([...inputDims]);
  }

  forward(x: Tensor): Tensor {
    checkTensor(x, 'x');
    if (x.shape.length < 1) throw rangeError('ERR_QGEMM_SHAPE', 'Flatten needs a batch dimension');
    const rows = x.shape[0];
    return { dtype: x.dtype, shape: [rows, rows === 0 ? x.shape.slice(1).reduce((a, b) => a * b, 1) : x.data.length / rows], data: x.data } as Tensor;
  }
}

/** ONNX Transpose with perm [1, 0] (and Gemm's transA) on a 2-D tensor. */
export class Transpose {
  forward(x: Tensor): Tensor {
    checkTensor(x, 'x');
    if (x.shape.length !== 2) throw rangeError('ERR_QGEMM_SHAPE', `Transpose takes a 2-D tensor, got [${x.shape.join(', ')}]`);
    const [r, c] = x.shape;
    const out = new (x.data.constructor as new (n: number) => Tensor['data'])(x.data.length);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = x.data[i * c + j];
    return { dtype: x.dtype, shape: [c, r], data: out } as Tensor;
  }
}

/** ONNX QuantizeLinear per tensor: float32 -> int8 / uint8. */
export class Quantize {
  constructor(readonly qparams: QParamsSpec) {}

  forward(x: Tensor): Tensor {
    if (x?.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `Quantize takes float32, got ${x?.dtype}`);
    const { scale, zeroPoint, dtype } = this.qparams;
    return quantizeLinear(x as Tensor<'float32'>, scale, zeroPoint, { dtype });
  }
}

/** ONNX DequantizeLinear per tensor: int8 / uint8 -> float32. */
export class Dequantize {
  constructor(readonly qparams: QParamsSpec) {}

  forward(x: Tensor): Tensor {
    if (x?.dtype !== this.qparams.dtype) throw typeError('ERR_QGEMM_DTYPE', `Dequantize takes ${this.qparams.dtype}, got ${x?.dtype}`);
    const zp = this.qparams.dtype === 'int8' ? Int8Array.of(this.qparams.zeroPoint) : Uint8Array.of(this.qparams.zeroPoint);
    return dequantizeLinear(x as Tensor<'int8'>, this.qparams.scale, { dtype: this.qparams.dtype, shape: [], data: zp } as Tensor<'int8'>);
  }
}
