/**
 * saveOnnx: a chain of qgemm layers as an ONNX ModelProto (opset 13, IR 8),
 * input and output with a symbolic batch dimension. Each layer is written in
 * the form ONNX Runtime runs to the same numbers (docs/ONNX.md has the forms
 * and the comparison with onnxruntime-node).
 */
import { typeError } from '../errors';
import { checkEnum, checkOptions, checkString } from '../options';
import { QuantizedLinear } from '../layers/quantized_linear';
import { ReLU } from '../train/activations';
import { Linear } from '../train/linear';
import { GraphBuilder, f32, f32Vector, zeroPoint } from './builder';
import { perRowFunction } from './function';
import { Dequantize, Flatten, Quantize, Transpose, type QParamsSpec } from './layers';
import { OnnxModel, type OnnxDim } from './model';
import { PER_ROW_FUNCTION, QGEMM_DOMAIN } from './ops';
import { encodeModel, onnx, onnxError } from './proto';
import { transpose2d } from './fold';
import { DATA_TYPE, type ConstTensor } from './tensor_proto';

export interface SaveOnnxOptions {
  /**
   * Static int8 layers as 'qdq' (default): QuantizeLinear / DequantizeLinear around a float Gemm, the
   * format ONNX Runtime recommends; or 'qoperator': QLinearMatMul, or MatMulInteger + scale + bias
   * where a bias (or a ReLU that the output range does not already clip) needs it.
   */
  format?: 'qdq' | 'qoperator';
  inputName?: string;
  outputName?: string;
  /** The symbolic batch dimension's name; default 'batch'. */
  batchName?: string;
  /** The input's dims after the batch (numbers, or names for symbolic ones such as a sequence length); default the loaded model's, else the first layer's input features. */
  inputDims?: readonly (number | string)[];
}

/** A model saveOnnx takes: an OnnxModel, a Sequential (or anything with `layers`), or an array of layers. */
export type SaveableModel = OnnxModel | { readonly layers: readonly unknown[] } | readonly unknown[];

interface Current {
  name: string;
  dtype: 'float32' | 'int8' | 'uint8';
  dims: OnnxDim[];
}

const unsupported = (what: string, why: string) => onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `saveOnnx: ${what}: ${why}`);
const QMIN = { int8: -128, uint8: 0 } as const;

function layersOf(model: SaveableModel): readonly unknown[] {
  if (Array.isArray(model)) return model;
  const layers = (model as { layers?: unknown })?.layers;
  if (!Array.isArray(layers)) throw typeError('ERR_QGEMM_ARG_TYPE', 'saveOnnx takes an OnnxModel, a Sequential (anything with layers) or an array of layers');
  return layers;
}

function inFeatures(layer: unknown): number | undefined {
  return layer instanceof Linear || layer instanceof QuantizedLinear ? layer.inFeatures : undefined;
}

function defaultInputDims(model: SaveableModel, layers: readonly unknown[], options: SaveOnnxOptions): OnnxDim[] {
  const batch = options.batchName ?? 'batch';
  if (options.inputDims) return [batch, ...options.inputDims];
  if (model instanceof OnnxModel) return model.inputShape.map((d, i) => (i === 0 ? (typeof d === 'string' ? d : batch) : d));
  for (const layer of layers) {
    if (layer instanceof Flatten && layer.inputDims) return [batch, ...layer.inputDims];
    const f = inFeatures(layer);
    if (f !== undefined) return [batch, f];
    if (layer instanceof Transpose) break;
  }
  throw unsupported('input', 'cannot tell the input dims from the layers: pass options.inputDims');
}

/** Writes the model as ONNX bytes. */
export function saveOnnx(model: SaveableModel, rawOptions: SaveOnnxOptions = {}): Uint8Array {
  const options = checkOptions(rawOptions, ['format', 'inputName', 'outputName', 'batchName', 'inputDims'], 'saveOnnx', {
    opset: 'saveOnnx writes opset 13 (every op it writes is the same there and in later opsets)',
    irVersion: 'saveOnnx writes IR version 8',
  });
  const format = checkEnum(options.format, 'options.format', ['qdq', 'qoperator'], 'qdq');
  for (const key of ['inputName', 'outputName', 'batchName'] as const) checkString(options[key], `options.${key}`, '', '', 'ERR_QGEMM_OPTION');
  const dims = options.inputDims;
  if (dims !== undefined && !(Array.isArray(dims) && dims.every((d) => typeof d === 'string' || (Number.isSafeInteger(d) && d >= 0)))) {
    throw typeError('ERR_QGEMM_OPTION', 'options.inputDims must be an array of sizes (integers >= 0) or names');
  }
  const layers = layersOf(model);
  const inputName = options.inputName ?? (model instanceof OnnxModel ? model.inputName : 'input');
  const outputName = options.outputName ?? (model instanceof OnnxModel ? model.outputName : 'output');
  const inputDims = defaultInputDims(model, layers, options);
  const g = new GraphBuilder();
  let cur: Current = { name: inputName, dtype: 'float32', dims: inputDims };
  let usesFunction = false;
  layers.forEach((layer, k) => {
    const w = new LayerWriter(g, `l${k}`, cur, `layer ${k} (${(layer as object)?.constructor?.name ?? typeof layer})`, format);
    cur = w.write(layer);
    usesFunction ||= w.usesFunction;
  });
  if (cur.name === inputName) throw unsupported('model', 'no layers to write');
  g.rename(cur.name, outputName);
  const graph: onnx.IGraphProto = {
    node: g.nodes,
    name: 'qgemm',
    initializer: g.initializers,
    input: [valueInfo(inputName, 'float32', inputDims)],
    output: [valueInfo(outputName, cur.dtype, cur.dims)],
  };
  return encodeModel({
    irVersion: 8,
    producerName: 'qgemm',
    graph,
    opsetImport: [{ domain: '', version: 13 }, ...(usesFunction ? [{ domain: QGEMM_DOMAIN, version: 1 }] : [])],
    ...(usesFunction ? { functions: [perRowFunction()] } : {}),
  });
}

function valueInfo(name: string, dtype: Current['dtype'], dims: readonly OnnxDim[]): onnx.IValueInfoProto {
  const dim = dims.map((d, i) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d ?? `d${i}` }));
  return { name, type: { tensorType: { elemType: DATA_TYPE[dtype], shape: { dim } } } };
}

/** Writes one layer after the value `cur`. */
class LayerWriter {
  usesFunction = false;

  constructor(
    private readonly g: GraphBuilder,
    private readonly p: string,
    private cur: Current,
    private readonly what: string,
    private readonly format: 'qdq' | 'qoperator',
  ) {}

  #set(name: string, dtype: Current['dtype'], dims: OnnxDim[] = this.cur.dims): Current {
    this.cur = { name, dtype, dims };
    return this.cur;
  }

  #needFloat(): void {
    if (this.cur.dtype !== 'float32') throw unsupported(this.what, `takes float32 but the layer before gives ${this.cur.dtype}`);
  }

  #node(op: string, suffix: string, inputs: string[], attrs = {}, outputs = 1, domain?: string): string[] {
    return this.g.node(op, `${this.p}.${suffix}`, inputs, attrs, outputs, domain);
  }

  #init(suffix: string, t: ConstTensor): string {
    return this.g.init(`${this.p}.${suffix}`, t);
  }

  #quantize(qp: QParamsSpec, suffix = 'quantize'): void {
    const s = this.#init(`${suffix}.scale`, f32(qp.scale)), z = this.#init(`${suffix}.zero_point`, zeroPoint(qp.dtype, qp.zeroPoint));
    this.#set(this.#node('QuantizeLinear', suffix, [this.cur.name, s, z])[0], qp.dtype);
  }

  #dequantize(qp: QParamsSpec, suffix = 'dequantize'): void {
    const s = this.#init(`${suffix}.scale`, f32(qp.scale)), z = this.#init(`${suffix}.zero_point`, zeroPoint(qp.dtype, qp.zeroPoint));
    this.#set(this.#node('DequantizeLinear', suffix, [this.cur.name, s, z])[0], 'float32');
  }

  write(layer: unknown): Current {
    const { cur } = this;
    if (layer instanceof ReLU) return this.#needFloat(), this.#set(this.#node('Relu', 'relu', [cur.name])[0], 'float32');
    if (layer instanceof Flatten) {
      const rest = cur.dims.slice(1);
      const features = rest.every((d) => typeof d === 'number') ? (rest as number[]).reduce((a, b) => a * b, 1) : null;
      return this.#set(this.#node('Flatten', 'flatten', [cur.name], { axis: 1 })[0], cur.dtype, [cur.dims[0], features]);
    }
    if (layer instanceof Transpose) {
      if (cur.dims.length !== 2) throw unsupported(this.what, 'Transpose takes 2-D input');
      return this.#set(this.#node('Transpose', 'transpose', [cur.name], { perm: [1, 0] })[0], cur.dtype, [cur.dims[1], cur.dims[0]]);
    }
    if (layer instanceof Quantize) return this.#needFloat(), this.#quantize(layer.qparams), this.cur;
    if (layer instanceof Dequantize) {
      if (cur.dtype !== layer.qparams.dtype) throw unsupported(this.what, `takes ${layer.qparams.dtype}, the layer before gives ${cur.dtype}`);
      return this.#dequantize(layer.qparams), this.cur;
    }
    if (layer instanceof Linear) {
      if (layer.constructor !== Linear) throw unsupported(this.what, `a ${layer.constructor.name} is a training layer: convert it (e.g. toQuantized()) before saving`);
      this.#needFloat();
      this.#checkFeatures(layer.inFeatures);
      const [out, inF] = [layer.outFeatures, layer.inFeatures];
      const bias = Float32Array.from(layer.bias.data);
      if (cur.dims.length === 2) {
        const w = this.#init('weight', { dtype: 'float32', dims: [out, inF], data: Float32Array.from(layer.weight.data) });
        return this.#set(this.#node('Gemm', 'gemm', [cur.name, w, this.#init('bias', f32Vector(bias))], { transB: 1 })[0], 'float32', this.#outDims(out));
      }
      // Gemm is 2-D only: [..., K] activations (a transformer's [batch, sequence, hidden]) take MatMul + Add.
      const wT = this.#init('weight_t', { dtype: 'float32', dims: [inF, out], data: transpose2d(layer.weight.data, out, inF) });
      this.#set(this.#node('MatMul', 'matmul', [cur.name, wT])[0], 'float32', this.#outDims(out));
      return this.#addBias(bias), this.cur;
    }
    if (layer instanceof QuantizedLinear) return this.#quantizedLinear(layer);
    throw unsupported(this.what, 'not a layer saveOnnx writes (Linear, ReLU, QuantizedLinear, Flatten, Transpose, Quantize, Dequantize)');
  }

  #checkFeatures(k: number): void {
    const d = this.cur.dims;
    if (d.length < 2) throw unsupported(this.what, `takes [batch, ..., ${k}], the layer before gives rank ${d.length}`);
    if (typeof d[d.length - 1] === 'number' && d[d.length - 1] !== k) throw unsupported(this.what, `takes ${k} features, the layer before gives ${d[d.length - 1]}`);
  }

  /** The current dims with the last one replaced by `out`. */
  #outDims(out: number): OnnxDim[] {
    return [...this.cur.dims.slice(0, -1), out];
  }

  #quantizedLinear(layer: QuantizedLinear): Current {
    const o = layer.options;
    const { outFeatures: out, inFeatures: inF } = layer;
    this.#checkFeatures(inF);
    const dims = this.#outDims(out);
    const perChannel = layer.weightScales.length > 1;
    const ws = this.#init('weight_scale', perChannel ? f32Vector(layer.weightScales) : f32(layer.weightScales[0]));
    const wT = () => this.#init('weight_t', { dtype: 'int8', dims: [inF, out], data: transpose2d(layer.weightInt8.data, out, inF) });
    if (o.activation === 'dynamic') {
      this.#needFloat();
      if (o.perRow) {
        const bias = this.#init('bias', f32Vector(layer.bias ? Float32Array.from(layer.bias) : new Float32Array(out)));
        this.usesFunction = true;
        this.#set(this.#node(PER_ROW_FUNCTION, 'linear', [this.cur.name, wT(), ws, bias], {}, 1, QGEMM_DOMAIN)[0], 'float32', dims);
      } else {
        const [xq, xs, xzp] = this.#node('DynamicQuantizeLinear', 'quantize_x', [this.cur.name], {}, 3);
        this.#integerTail(this.#node('MatMulInteger', 'matmul', [xq, wT(), xzp])[0], this.#node('Mul', 'scale', [xs, ws])[0], dims);
        this.#addBias(layer.bias);
      }
    } else {
      const qp = o.input as QParamsSpec;
      if (this.cur.dtype === 'float32') this.#quantize(qp, 'quantize_x');
      else if (this.cur.dtype !== qp.dtype) throw unsupported(this.what, `takes ${qp.dtype} (or float32), the layer before gives ${this.cur.dtype}`);
      const output = o.output as QParamsSpec | undefined;
      const clipsAtZero = output !== undefined && output.zeroPoint === QMIN[output.dtype];
      // ONNX Runtime's QLinearMatMul needs y of A's type.
      if (this.format === 'qoperator' && !layer.bias && output?.dtype === qp.dtype && (!o.relu || clipsAtZero)) {
        const zps = perChannel ? { dtype: 'int8' as const, dims: [out], data: new Int8Array(out) } : zeroPoint('int8', 0);
        const ins = [this.cur.name, this.#init('x_scale', f32(qp.scale)), this.#init('x_zero_point', zeroPoint(qp.dtype, qp.zeroPoint)), wT(), ws, this.#init('weight_zero_point', zps),
          this.#init('y_scale', f32(output.scale)), this.#init('y_zero_point', zeroPoint(output.dtype, output.zeroPoint))];
        return this.#set(this.#node('QLinearMatMul', 'matmul', ins)[0], output.dtype, dims);
      }
      if (this.format === 'qoperator') {
        const acc = this.#node('MatMulInteger', 'matmul', [this.cur.name, wT(), this.#init('x_zero_point', zeroPoint(qp.dtype, qp.zeroPoint))])[0];
        this.#integerTail(acc, this.#node('Mul', 'scale', [this.#init('x_scale', f32(qp.scale)), ws])[0], dims);
        this.#addBias(layer.bias);
      } else {
        this.#dequantize(qp, 'dequantize_x');
        if (this.cur.dims.length === 2) {
          const wq = this.#init('weight', { dtype: 'int8', dims: [out, inF], data: Int8Array.from(layer.weightInt8.data) });
          const wdq = this.#node('DequantizeLinear', 'dequantize_weight', [wq, ws], perChannel ? { axis: 0 } : {})[0];
          const ins = [this.cur.name, wdq, ...(layer.bias ? [this.#init('bias', f32Vector(Float32Array.from(layer.bias)))] : [])];
          this.#set(this.#node('Gemm', 'gemm', ins, { transB: 1 })[0], 'float32', dims);
        } else {
          const wdq = this.#node('DequantizeLinear', 'dequantize_weight', [wT(), ws], perChannel ? { axis: 1 } : {})[0];
          this.#set(this.#node('MatMul', 'matmul', [this.cur.name, wdq])[0], 'float32', dims);
          this.#addBias(layer.bias);
        }
      }
    }
    if (o.relu) this.#set(this.#node('Relu', 'relu', [this.cur.name])[0], 'float32');
    if (o.output) this.#quantize(o.output as QParamsSpec, 'quantize_y');
    return this.cur;
  }

  /** int32 accumulators -> float32(acc) * scale (qgemm's epilogue order). */
  #integerTail(acc: string, scale: string, dims: OnnxDim[]): void {
    const accF = this.#node('Cast', 'acc_float', [acc], { to: onnx.TensorProto.DataType.FLOAT })[0];
    this.#set(this.#node('Mul', 'scaled', [accF, scale])[0], 'float32', dims);
  }

  #addBias(bias: Float32Array | undefined): void {
    if (bias) this.#set(this.#node('Add', 'bias_add', [this.cur.name, this.#init('bias', f32Vector(Float32Array.from(bias)))])[0], 'float32');
  }
}
