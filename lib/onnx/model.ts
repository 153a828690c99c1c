/**
 * OnnxModel: what loadOnnx returns, a chain of qgemm layers (Linear, ReLU,
 * QuantizedLinear, Flatten, Transpose, Quantize, Dequantize) run in order.
 */
import { matmulAsync, type AsyncOptions } from '../async';
import { rangeError, stateError, typeError } from '../errors';
import { QuantizedLinear } from '../layers/quantized_linear';
import { checkOptions } from '../options';
import { checkTensor, type Tensor } from '../tensor';
import { addBias, Linear } from '../train/linear';
import { ReLU } from '../train/activations';
import { Dequantize, Flatten, Quantize, Transpose } from './layers';

export type OnnxLayer = Linear | ReLU | QuantizedLinear | Flatten | Transpose | Quantize | Dequantize;

/** A dimension of the model's input or output: a size, a symbolic name, or null when unknown. */
export type OnnxDim = number | string | null;

export interface OnnxModelInfo {
  inputName: string;
  outputName: string;
  /** The input's dims as the model states them (the first is the batch). */
  inputShape: readonly OnnxDim[];
  /** The default-domain opset the model was written for. */
  opset: number;
  /** The input's element type as the model states it; default 'float32'. */
  inputDtype?: 'float32' | 'int8' | 'uint8';
}

export class OnnxModel {
  readonly layers: readonly OnnxLayer[];
  readonly inputName: string;
  readonly outputName: string;
  readonly inputShape: readonly OnnxDim[];
  readonly opset: number;
  /** The dtype forward() takes: the model's input element type. */
  readonly inputDtype: 'float32' | 'int8' | 'uint8';
  #disposed = false;

  constructor(layers: readonly OnnxLayer[], info: OnnxModelInfo) {
    this.layers = Object.freeze([...layers]);
    this.inputName = info.inputName;
    this.outputName = info.outputName;
    this.inputShape = Object.freeze([...info.inputShape]);
    this.opset = info.opset;
    this.inputDtype = info.inputDtype ?? 'float32';
  }

  #checkInput(x: Tensor): void {
    // Every model refuses use after dispose(), not only those whose int8 layers free native memory.
    if (this.#disposed) throw stateError('ERR_QGEMM_DISPOSED', 'OnnxModel was disposed: it cannot be used after dispose()');
    checkTensor(x, 'x');
    const dims = this.inputShape;
    const ok = x.shape.length === dims.length && dims.every((d, i) => i === 0 || typeof d !== 'number' || d === x.shape[i]);
    if (!ok) throw rangeError('ERR_QGEMM_SHAPE', `x must have shape [${dims.map((d, i) => (i === 0 ? 'batch' : d ?? '?')).join(', ')}], got [${x.shape.join(', ')}]`);
    // As onnxruntime: uint8 codes given to a float input would be read as already quantized, silently.
    if (x.dtype !== this.inputDtype) {
      throw typeError('ERR_QGEMM_DTYPE', `x must be ${this.inputDtype} (the model's input "${this.inputName}" is ${this.inputDtype}), got ${x.dtype}`);
    }
  }

  /** Runs the chain on x ([batch, ...] as the model's input states). */
  forward(x: Tensor): Tensor {
    this.#checkInput(x);
    for (const layer of this.layers) {
      if (layer instanceof Linear) x = onRows(x, (r) => layer.forward(asFloat(r), false));
      else if (layer instanceof QuantizedLinear) x = onRows(x, (r) => layer.forward(r));
      else x = layer instanceof ReLU ? layer.forward(asFloat(x), false) : layer.forward(x);
    }
    return x;
  }

  /** forward() with the GEMMs on qgemm's compute queue (off the JS thread); the small layers run in between. */
  async forwardAsync(x: Tensor, options: AsyncOptions = {}): Promise<Tensor> {
    this.#checkInput(x);
    checkOptions(options, ['signal'], 'OnnxModel.forwardAsync');
    for (const layer of this.layers) {
      if (layer instanceof QuantizedLinear) x = await onRowsAsync(x, (r) => layer.forwardAsync(r, options));
      else if (layer instanceof Linear) {
        x = await onRowsAsync(x, async (r) => {
          const y = (await matmulAsync(asFloat(r), layer.weightTensor(), { ...options, transposeB: true })) as Tensor<'float32'>;
          addBias(y.data, layer.bias.data);
          return y;
        });
      } else x = layer instanceof ReLU ? layer.forward(asFloat(x), false) : layer.forward(x);
    }
    return x;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees the packed weights of the QuantizedLinear layers; the model cannot run afterwards. */
  dispose(): void {
    this.#disposed = true;
    for (const layer of this.layers) if (layer instanceof QuantizedLinear) layer.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** [..., K] as [rows, K] for a 2-D layer, and its [rows, N] result back as [..., N] (no copies): MatMul on 3-D activations. */
function rowsOf(x: Tensor): { rows: Tensor; lead: readonly number[] } | undefined {
  if (x.shape.length <= 2) return undefined;
  const lead = x.shape.slice(0, -1);
  return { rows: { ...x, shape: [lead.reduce((a, b) => a * b, 1), x.shape[x.shape.length - 1]] } as Tensor, lead };
}

function onRows(x: Tensor, f: (rows: Tensor) => Tensor): Tensor {
  const r = rowsOf(x);
  if (r === undefined) return f(x);
  const y = f(r.rows);
  return { ...y, shape: [...r.lead, y.shape[1]] } as Tensor;
}

async function onRowsAsync(x: Tensor, f: (rows: Tensor) => Promise<Tensor>): Promise<Tensor> {
  const r = rowsOf(x);
  if (r === undefined) return f(x);
  const y = await f(r.rows);
  return { ...y, shape: [...r.lead, y.shape[1]] } as Tensor;
}

function asFloat(x: Tensor): Tensor<'float32'> {
  if (x.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `this layer takes float32, got ${x.dtype}`);
  return x as Tensor<'float32'>;
}
