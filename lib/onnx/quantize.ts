/**
 * Post-training static quantization of an ONNX model in Node, the workflow
 * of ONNX Runtime's quantize_static: load a float model, run calibration data
 * through it while observers watch each MatMul/Gemm input, then write int8
 * layers (QDQ by default) with those activation ranges.
 */
import * as fs from 'node:fs';
import { rangeError, typeError } from '../errors';
import { checkEnum, checkNumber, checkOptions } from '../options';
import { QuantizedLinear } from '../layers/quantized_linear';
import { HistogramObserver } from '../quant/histogram';
import { MinMaxObserver, type Observer } from '../quant/observers';
import type { QParams } from '../quant/qparams';
import type { Tensor } from '../tensor';
import { ReLU } from '../train/activations';
import { parseIdx } from '../train/idx';
import { Linear } from '../train/linear';
import { saveOnnx, type SaveOnnxOptions } from './export';
import { Flatten, Transpose } from './layers';
import { loadOnnx } from './load';
import { OnnxModel, type OnnxLayer } from './model';
import { parseNpy } from './npy';
import { onnxError } from './proto';

export type CalibrationMethod = 'minmax' | 'histogram' | 'entropy' | 'percentile';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'histogram', 'entropy', 'percentile'];

export interface QuantizeOnnxOptions {
  /**
   * How activation ranges come from the calibration data: 'minmax' (default, as ONNX Runtime and
   * PyTorch's MinMaxObserver), 'histogram' (PyTorch's HistogramObserver, L2 search), 'entropy'
   * (KL divergence, TensorRT-style) or 'percentile' (see `percentile`).
   */
  method?: CalibrationMethod;
  /** For 'percentile': the percentile of |x| kept, in (0, 100]; default 99.999 as ONNX Runtime. */
  percentile?: number;
  /** Activation dtype; default 'uint8' (ONNX Runtime's default QUInt8, affine). */
  activations?: 'uint8' | 'int8';
  /** Weight scales per output channel (default) or per tensor; weights are symmetric int8 on [-127, 127]. */
  weights?: 'per-channel' | 'per-tensor';
  /** Calibration rows per forward pass; default 256. */
  batchSize?: number;
  /** How saveOnnx writes the int8 layers; default 'qdq'. */
  format?: SaveOnnxOptions['format'];
}

const QUANTIZE_KEYS: readonly (keyof QuantizeOnnxOptions)[] = ['method', 'percentile', 'activations', 'weights', 'batchSize', 'format'];

function observerFor(options: QuantizeOnnxOptions): () => Observer<QParams> {
  const method = checkEnum(options.method, 'options.method', CALIBRATION_METHODS, 'minmax');
  const dtype = checkEnum(options.activations, 'options.activations', ['uint8', 'int8'], 'uint8');
  const percentile = checkNumber(options.percentile, 'options.percentile', { min: 0, minExclusive: true, max: 100 }, 99.999);
  if (options.percentile !== undefined && method !== 'percentile') {
    throw typeError('ERR_QGEMM_OPTION', `options.percentile applies to method 'percentile' only (method is '${method}')`);
  }
  switch (method) {
    case 'minmax':
      return () => new MinMaxObserver({ dtype });
    case 'histogram':
      return () => new HistogramObserver({ dtype });
    case 'entropy':
      return () => new HistogramObserver({ dtype, method: 'entropy' });
    case 'percentile':
      return () => new HistogramObserver({ dtype, method: 'percentile', percentile });
  }
}

/** The rows of `data` as batches of the model's input shape. */
function* batches(model: OnnxModel, data: Tensor<'float32'>, batchSize: number): Generator<Tensor<'float32'>> {
  const rest = model.inputShape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', 'quantizeOnnx needs a model input with fixed dims after the batch');
  const features = (rest as number[]).reduce((a, b) => a * b, 1);
  const rows = data.shape[0] ?? 0;
  if (rows === 0 || data.data.length !== rows * features) {
    throw rangeError('ERR_QGEMM_SHAPE', `calibration data [${data.shape.join(', ')}] must be rows of ${features} values (the model input is [batch, ${rest.join(', ')}])`);
  }
  for (let from = 0; from < rows; from += batchSize) {
    const to = Math.min(rows, from + batchSize);
    yield { dtype: 'float32', shape: [to - from, ...(rest as number[])], data: data.data.subarray(from * features, to * features) };
  }
}

/** Static int8 layers for a float model (Linear, ReLU, Flatten, Transpose), calibrated on `data` ([rows, ...input dims] float32). */
export function quantizeStatic(model: OnnxModel, data: Tensor<'float32'>, rawOptions: QuantizeOnnxOptions = {}): OnnxModel {
  const options = checkOptions(rawOptions, QUANTIZE_KEYS, 'quantizeOnnx');
  if (!(model instanceof OnnxModel)) throw typeError('ERR_QGEMM_ARG_TYPE', 'model must be an OnnxModel (from loadOnnx)');
  if (data?.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', 'calibration data must be a float32 tensor');
  const make = observerFor(options);
  const batchSize = checkNumber(options.batchSize, 'options.batchSize', { integer: true, min: 1 }, 256);
  const weights = checkEnum(options.weights, 'options.weights', ['per-channel', 'per-tensor'], 'per-channel');
  checkEnum(options.format, 'options.format', ['qdq', 'qoperator']);
  const layers = model.layers;
  for (const [i, l] of layers.entries()) {
    if (!(l instanceof Linear || l instanceof ReLU || l instanceof Flatten || l instanceof Transpose)) {
      throw onnxError('ERR_QGEMM_ONNX_UNSUPPORTED', `quantizeOnnx takes a float model; layer ${i} is a ${l.constructor.name}`);
    }
  }
  const observers = new Map<OnnxLayer, Observer<QParams>>(layers.filter((l) => l instanceof Linear).map((l) => [l, make()]));
  for (const batch of batches(model, data, batchSize)) {
    let x: Tensor = batch;
    for (const layer of layers) {
      observers.get(layer)?.observe(x as Tensor<'float32'>);
      x = layer instanceof Linear || layer instanceof ReLU ? layer.forward(x as Tensor<'float32'>, false) : layer.forward(x);
    }
  }
  const dtype = options.activations ?? 'uint8';
  const qp = (l: OnnxLayer) => ({ ...observers.get(l)!.calculateQParams(), dtype });
  const out: OnnxLayer[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (!(l instanceof Linear)) {
      out.push(l);
      continue;
    }
    const relu = layers[i + 1] instanceof ReLU;
    const next = layers[i + (relu ? 2 : 1)];
    // int8 flows straight into the next layer when it is the next Linear: its input qparams become this one's output.
    const output = next instanceof Linear ? qp(next) : undefined;
    out.push(new QuantizedLinear(l.weightTensor(), l.bias.data, { activation: 'static', input: qp(l), output, relu, weights }));
    if (relu) i++;
  }
  return new OnnxModel(out, model);
}

/**
 * quantize_static in Node: an ONNX float model (bytes, path or OnnxModel) and calibration data in,
 * the int8 model's ONNX bytes out (QDQ unless options.format says 'qoperator').
 */
export function quantizeOnnx(model: Uint8Array | string | OnnxModel, data: Tensor<'float32'>, options: QuantizeOnnxOptions = {}): Uint8Array {
  checkOptions(options, QUANTIZE_KEYS, 'quantizeOnnx');
  const float = model instanceof OnnxModel ? model : loadOnnx(model);
  const quantized = quantizeStatic(float, data, options);
  try {
    return saveOnnx(quantized, { format: options.format });
  } finally {
    quantized.dispose();
  }
}

/** Calibration data from a file: .npy (float or integer) or IDX (raw or .gz), each value times `scale`. */
export function readCalibrationData(file: string, scale = 1, maxRows?: number): Tensor<'float32'> {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const arr = /\.npy$/i.test(file) ? parseNpy(bytes) : readIdxAsArray(bytes);
  const rows = Math.min(arr.shape[0] ?? 0, maxRows ?? Infinity);
  const features = arr.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(rows * features);
  for (let i = 0; i < x.length; i++) x[i] = arr.data[i] * scale;
  return { dtype: 'float32', shape: [rows, ...arr.shape.slice(1)], data: x };
}

function readIdxAsArray(bytes: Uint8Array): { shape: number[]; data: Uint8Array } {
  try {
    return parseIdx(bytes);
  } catch (cause) {
    throw rangeError('ERR_QGEMM_FILE_FORMAT', `not a .npy or IDX file: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
