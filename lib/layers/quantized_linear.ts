/**
 * QuantizedLinear: y = x W^T + b with int8 weights, as torch's dynamic
 * quantization (float32 in and out) or static quantization (calibrated
 * activation parameters, optionally int8/uint8 out for the next layer).
 *
 * Weights: symmetric int8 per output channel (or per tensor) in the narrow
 * range of ONNX Runtime and TFLite: scale = float32(amax / 127), values in
 * [-127, 127], quantized with ONNX QuantizeLinear semantics; packed once.
 * Activations (dynamic): each row (or the whole batch) is quantized to uint8
 * exactly as ONNX DynamicQuantizeLinear, inside the same native call as the
 * GEMM. The epilogue is quantizedMatmul's (see lib/qmatmul.ts).
 * A float x row holding NaN or +-Infinity throws ERR_QGEMM_NOT_FINITE naming
 * the row (nonFinite: 'propagate' writes NaN across that output row instead):
 * quantizing would otherwise turn it into plausible numbers.
 */
import { rangeError, typeError } from '../errors';
import { checkSignal, runJob, AsyncOptions } from '../async';
import { LinearDescriptor, linearDims, native } from '../native';
import { PackedWeights, packWeights } from '../packed';
import { quantizeLinear } from '../quant/onnx';
import { checkBoolean, checkEnum, checkOptions } from '../options';
import { checkTensor, Tensor, wrapBuffer, zeros } from '../tensor';

export interface QParamsLike {
  scale: number;
  zeroPoint: number;
  /** Default 'uint8'. */
  dtype?: 'int8' | 'uint8';
}

export interface QuantizedLinearOptions {
  /** 'dynamic' (default): quantize x at every call; 'static': with `input` qparams. */
  activation?: 'dynamic' | 'static';
  /** Dynamic only: one scale per row of x (default) or one per batch. */
  perRow?: boolean;
  /** Static only: x's quantization parameters, e.g. from an observer. */
  input?: QParamsLike;
  /** Quantize the output for the next static layer (default: float32 out). */
  output?: QParamsLike;
  /** 'per-channel' (default) or 'per-tensor' weight scales. */
  weights?: 'per-channel' | 'per-tensor';
  relu?: boolean;
  /**
   * A float x row holding NaN or +-Infinity: 'throw' (default) ERR_QGEMM_NOT_FINITE
   * naming the row, or 'propagate' NaN across that row of the output (float32
   * output only), as a float layer would. The other rows are computed either way.
   */
  nonFinite?: 'throw' | 'propagate';
}

function checkQParams(q: unknown, name: string): Required<QParamsLike> {
  if (typeof q !== 'object' || q === null) throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be { scale, zeroPoint, dtype? }`);
  const { scale, zeroPoint, dtype = 'uint8' } = checkOptions(q as QParamsLike, ['scale', 'zeroPoint', 'dtype'], name) as QParamsLike;
  if (dtype !== 'int8' && dtype !== 'uint8') throw typeError('ERR_QGEMM_DTYPE', `${name}.dtype must be 'int8' or 'uint8'`);
  // Checked as float32, the type the kernels use: 1e-50 would become 0 and 1e39 Infinity.
  if (typeof scale !== 'number' || !(Math.fround(scale) > 0) || !Number.isFinite(Math.fround(scale))) throw rangeError('ERR_QGEMM_SCALE', `${name}.scale must be positive and finite in float32`);
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [0, 255];
  if (!Number.isInteger(zeroPoint) || zeroPoint < lo || zeroPoint > hi) throw rangeError('ERR_QGEMM_ZERO_POINT', `${name}.zeroPoint must be an integer in [${lo}, ${hi}]`);
  return { scale, zeroPoint, dtype };
}

/** Weights already quantized: int8 [out, in] with zero point 0, and their scales (out values, or 1 per tensor). */
export interface Int8Weights {
  q: Tensor<'int8'>;
  scales: Float32Array;
}

function checkInt8Weights(w: Int8Weights): Int8Weights {
  checkTensor(w.q, 'weight.q');
  if (w.q.dtype !== 'int8' || w.q.shape.length !== 2) throw typeError('ERR_QGEMM_DTYPE', 'weight.q must be a 2-D int8 tensor [out, in]');
  const out = w.q.shape[0];
  if (!(w.scales instanceof Float32Array) || (w.scales.length !== 1 && w.scales.length !== out)) {
    throw rangeError('ERR_QGEMM_SHAPE', `weight.scales must be a Float32Array of 1 or ${out} values`);
  }
  for (const s of w.scales) if (!(s > 0) || !Number.isFinite(s)) throw rangeError('ERR_QGEMM_SCALE', 'weight.scales must be positive and finite');
  // Copied: the layer keeps its own int8 weights (saveOnnx writes them out).
  return { q: { dtype: 'int8', shape: Object.freeze([...w.q.shape]), data: Int8Array.from(w.q.data) }, scales: Float32Array.from(w.scales) };
}

/** Per-channel (rows of w) or per-tensor symmetric narrow-range int8 weights. */
export function quantizeWeights(w: Tensor<'float32'>, perChannel: boolean): { q: Tensor<'int8'>; scales: Float32Array } {
  const [out, inF] = w.shape;
  const scales = new Float32Array(perChannel ? out : 1);
  for (let o = 0; o < out; o++) {
    let amax = 0;
    for (let i = o * inF; i < (o + 1) * inF; i++) amax = Math.max(amax, Math.abs(w.data[i]));
    if (!Number.isFinite(amax)) throw rangeError('ERR_QGEMM_NOT_FINITE', 'weights must be finite');
    const c = perChannel ? o : 0;
    scales[c] = Math.max(scales[c], amax);
  }
  for (let c = 0; c < scales.length; c++) scales[c] = scales[c] > 0 ? Math.fround(scales[c] / 127) : 1;
  const zeroPoints = new Int8Array(scales.length);
  const q = quantizeLinear(w, perChannel ? scales : scales[0], perChannel ? zeroPoints : 0, perChannel ? { axis: 0, dtype: 'int8' } : { dtype: 'int8' });
  return { q: q as Tensor<'int8'>, scales };
}

const QUANTIZED_LINEAR_KEYS = ['activation', 'perRow', 'input', 'output', 'weights', 'relu', 'nonFinite'] as const;

export class QuantizedLinear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** The int8 weights' scales (outFeatures values, or 1 per tensor). */
  readonly weightScales: Float32Array;
  /** The int8 weights [out, in] (kept beside the packed copy so the layer can be saved, e.g. by saveOnnx). */
  readonly weightInt8: Tensor<'int8'>;
  readonly bias: Float32Array | undefined;
  readonly #packed: PackedWeights;
  readonly #mode: number;
  readonly #input: Required<QParamsLike> | undefined;
  readonly #output: Required<QParamsLike> | undefined;
  readonly #relu: boolean;
  readonly #propagateNonFinite: boolean;

  /** Quantizes and packs float32 weights [out, in] (or takes int8 ones as they are) and an optional bias [out]. */
  constructor(weight: Tensor<'float32'> | Int8Weights, bias?: Float32Array | Tensor<'float32'>, rawOptions: QuantizedLinearOptions = {}) {
    const options = checkOptions(rawOptions, QUANTIZED_LINEAR_KEYS, 'new QuantizedLinear');
    const int8 = typeof weight === 'object' && weight !== null && 'q' in weight ? checkInt8Weights(weight) : undefined;
    if (int8 === undefined) {
      checkTensor(weight, 'weight');
      if ((weight as Tensor).dtype !== 'float32' || (weight as Tensor).shape.length !== 2) throw typeError('ERR_QGEMM_DTYPE', 'weight must be a 2-D float32 tensor [out, in]');
    }
    [this.outFeatures, this.inFeatures] = (int8?.q ?? (weight as Tensor<'float32'>)).shape;
    if (bias !== undefined) {
      const b = bias instanceof Float32Array ? bias : (checkTensor(bias, 'bias'), bias.data);
      if (!(b instanceof Float32Array) || b.length !== this.outFeatures) throw rangeError('ERR_QGEMM_SHAPE', `bias must be ${this.outFeatures} float32 values`);
      this.bias = Float32Array.from(b);
    }
    const activation = checkEnum(options.activation, 'options.activation', ['dynamic', 'static'], 'dynamic');
    if (activation === 'static') {
      this.#input = checkQParams(options.input, 'options.input');
      this.#mode = this.#input.dtype === 'uint8' ? 2 : 3;
    } else {
      if (options.input !== undefined) throw typeError('ERR_QGEMM_OPTION', "options.input needs activation: 'static'");
      this.#mode = checkBoolean(options.perRow, 'options.perRow', true) ? 0 : 1;
    }
    if (activation === 'static' && options.perRow !== undefined) throw typeError('ERR_QGEMM_OPTION', "options.perRow needs activation: 'dynamic'");
    if (options.output !== undefined) this.#output = checkQParams(options.output, 'options.output');
    this.#relu = checkBoolean(options.relu, 'options.relu', false);
    const nonFinite = checkEnum(options.nonFinite, 'options.nonFinite', ['throw', 'propagate'], 'throw');
    if (nonFinite === 'propagate' && this.#output !== undefined) {
      throw typeError('ERR_QGEMM_OPTION', "options.nonFinite 'propagate' needs a float32 output (int8/uint8 have no NaN); drop options.output");
    }
    this.#propagateNonFinite = nonFinite === 'propagate';
    const weights = checkEnum(options.weights, 'options.weights', ['per-channel', 'per-tensor'], 'per-channel');
    const { q, scales } = int8 ?? quantizeWeights(weight as Tensor<'float32'>, weights === 'per-channel');
    this.weightScales = scales;
    this.weightInt8 = q;
    this.#packed = packWeights(q, { transpose: true });
  }

  /** The options that rebuild this layer from its int8 weights: new QuantizedLinear({ q, scales }, bias, layer.options). */
  get options(): QuantizedLinearOptions {
    const mode = this.#mode;
    return {
      activation: mode >= 2 ? 'static' : 'dynamic',
      ...(mode < 2 ? { perRow: mode === 0 } : { input: { ...this.#input! } }),
      ...(this.#output ? { output: { ...this.#output } } : {}),
      weights: this.weightScales.length === 1 && this.outFeatures !== 1 ? 'per-tensor' : 'per-channel',
      relu: this.#relu,
      ...(this.#propagateNonFinite ? { nonFinite: 'propagate' as const } : {}),
    };
  }

  /** The output dtype: float32, or the `output` qparams' dtype. */
  get outputDtype(): 'float32' | 'int8' | 'uint8' {
    return this.#output?.dtype ?? 'float32';
  }

  #descriptor(x: Tensor, out: ArrayBufferView): LinearDescriptor {
    checkTensor(x, 'x');
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) {
      throw rangeError('ERR_QGEMM_SHAPE', `x must have shape [batch, ${this.inFeatures}], got [${x.shape.join(', ')}]`);
    }
    const quantized = x.dtype === 'int8' || x.dtype === 'uint8';
    if (x.dtype !== 'float32' && !(quantized && this.#input?.dtype === x.dtype)) {
      throw typeError('ERR_QGEMM_DTYPE', `x must be float32${this.#input ? ` or ${this.#input.dtype}` : ''}, got ${x.dtype}`);
    }
    return {
      x: x.data, weights: this.#packed.handle('QuantizedLinear'), wScales: this.weightScales, bias: this.bias, out,
      dims: linearDims({
        rows: x.shape[0], relu: this.#relu, mode: this.#mode, xScale: this.#input?.scale, xZeroPoint: this.#input?.zeroPoint,
        yScale: this.#output?.scale, yZeroPoint: this.#output?.zeroPoint, propagateNonFinite: this.#propagateNonFinite,
      }),
    };
  }

  /** y = x W^T + b for x [batch, in] (float32, or int8/uint8 already quantized with the static input qparams). */
  forward(x: Tensor): Tensor {
    const out = zeros(this.outputDtype, [x?.shape?.[0] ?? 0, this.outFeatures]);
    try {
      native().quantizedLinear(this.#descriptor(x, out.data));
    } catch (error) {
      throw explainNonFinite(error);
    }
    return out;
  }

  /** forward() on the compute queue (x is snapshotted when called). */
  async forwardAsync(x: Tensor, options: AsyncOptions = {}): Promise<Tensor> {
    const signal = checkSignal(checkOptions(options, ['signal'], 'forwardAsync').signal);
    const shape = [x?.shape?.[0] ?? 0, this.outFeatures];
    const placeholder = zeros(this.outputDtype, [0]);
    const desc = this.#descriptor(x, placeholder.data);
    let buffer: ArrayBuffer;
    try {
      buffer = await runJob(() => native().quantizedLinearAsync(desc), signal);
    } catch (error) {
      throw explainNonFinite(error);
    }
    return wrapBuffer(this.outputDtype, shape, buffer);
  }

  dispose(): void {
    this.#packed.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The native "x row r holds NaN (x[r][c])" error, told from the layer's side with the way out. */
function explainNonFinite(error: unknown): unknown {
  if ((error as { code?: unknown })?.code !== 'ERR_QGEMM_NOT_FINITE') return error;
  return rangeError(
    'ERR_QGEMM_NOT_FINITE',
    `QuantizedLinear: ${(error as Error).message}; quantizing it would give plausible numbers for a broken input. ` +
      "Fix the input, or pass { nonFinite: 'propagate' } to get NaN across that output row",
  );
}

export interface LinearWeights {
  weight: Tensor<'float32'>;
  bias?: Float32Array | Tensor<'float32'>;
}

/** Converts a set of float linear layers at once, as torch's quantize_dynamic. */
export function quantizeDynamic<K extends string>(
  layers: Record<K, LinearWeights>,
  rawOptions: Omit<QuantizedLinearOptions, 'activation' | 'input'> = {},
): Record<K, QuantizedLinear> {
  const options = checkOptions(rawOptions, QUANTIZED_LINEAR_KEYS.filter((k) => k !== 'activation' && k !== 'input'), 'quantizeDynamic');
  if (typeof layers !== 'object' || layers === null) throw typeError('ERR_QGEMM_ARG_TYPE', 'layers must be an object of named { weight, bias }');
  const out = {} as Record<K, QuantizedLinear>;
  for (const name of Object.keys(layers) as K[]) {
    out[name] = new QuantizedLinear(layers[name].weight, layers[name].bias, { ...options, activation: 'dynamic' });
  }
  return out;
}
