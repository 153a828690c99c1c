/**
 * Int8 GEMMs with a fused epilogue (zero points, scales, bias, ReLU, and
 * float32 / int8 / uint8 outputs), and the ONNX operators built on them.
 *
 * Order and precision (float32 throughout, no fused multiply-add), for output
 * element (m, n) with acc' = sum_k (a[m][k] - aZeroPoint) * (b[k][n] - bZeroPoint)
 * computed exactly in int32:
 *   float32:      f = float32(acc') * float32(aScale[m] * bScale[n]);  f += bias[n];  f = max(f, 0) if relu
 *   int8 / uint8: q = saturate(roundHalfEven(float32(f / yScale)) + yZeroPoint)   (NaN -> 0)
 */
import { rangeError, typeError, show } from './errors';
import { MatmulOptions, planMatmul } from './matmul';
import { native, NativeEpilogue } from './native';
import { PackedWeights } from './packed';
import { checkTensor, Tensor } from './tensor';

export type Int8OutputType = 'int32' | 'float32' | 'int8' | 'uint8';

export interface QuantizedMatmulOptions extends MatmulOptions<Tensor> {
  /** Zero point of A: one value, or one per row of A (batch * M). */
  aZeroPoint?: number | Int32Array | readonly number[];
  /** Zero point of B: one value, or one per column (N). */
  bZeroPoint?: number | Int32Array | readonly number[];
  /** Scale of A: one value, or one per row (batch * M). Float outputs only. */
  aScale?: number | Float32Array | readonly number[];
  /** Scale of B: one value, or one per column (N). */
  bScale?: number | Float32Array | readonly number[];
  /** Added per column (N values) after scaling. */
  bias?: Float32Array | Tensor<'float32'>;
  relu?: boolean;
  /** Default: 'float32' when any scale is given, else 'int32'. */
  outputType?: Int8OutputType;
  /** Quantization of an int8 / uint8 output. */
  yScale?: number;
  yZeroPoint?: number;
}

const EPILOGUE_KEYS = new Set(['aZeroPoint', 'bZeroPoint', 'aScale', 'bScale', 'bias', 'relu', 'outputType', 'yScale', 'yZeroPoint']);

function int32Values(v: unknown, name: string, count: number): Int32Array | undefined {
  if (v === undefined) return undefined;
  const values = typeof v === 'number' ? [v] : v;
  if (!(values instanceof Int32Array) && !Array.isArray(values)) {
    throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a number, an Int32Array or an array of numbers`);
  }
  if (values.length !== 1 && values.length !== count) {
    throw rangeError('ERR_QGEMM_SHAPE', `${name} must hold 1 or ${count} values, got ${values.length}`);
  }
  for (const z of values) {
    if (!Number.isInteger(z) || z < -(2 ** 31) || z >= 2 ** 31) throw rangeError('ERR_QGEMM_ZERO_POINT', `${name} must hold int32 integers, got ${show(z)}`);
  }
  return Int32Array.from(values as ArrayLike<number>);
}

function float32Values(v: unknown, name: string, count: number, allowOne: boolean, positive: boolean): Float32Array | undefined {
  if (v === undefined) return undefined;
  let values = typeof v === 'number' ? [v] : v;
  if (typeof values === 'object' && values !== null && 'dtype' in values) {
    checkTensor(values, name);
    values = (values as Tensor).data;
  }
  if (!(values instanceof Float32Array) && !Array.isArray(values)) {
    throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a number, a Float32Array or an array of numbers`);
  }
  if (!(values.length === count || (allowOne && values.length === 1))) {
    throw rangeError('ERR_QGEMM_SHAPE', `${name} must hold ${allowOne ? '1 or ' : ''}${count} values, got ${values.length}`);
  }
  for (const s of Array.from(values as ArrayLike<number>)) {
    // Checked as float32, the type the kernels use: 1e-50 would become 0 and 1e39 Infinity.
    if (typeof s !== 'number' || !Number.isFinite(Math.fround(s)) || (positive && !(Math.fround(s) > 0))) {
      throw rangeError('ERR_QGEMM_SCALE', `${name} must hold ${positive ? 'positive ' : ''}finite numbers, got ${show(s)}`);
    }
  }
  return Float32Array.from(values as ArrayLike<number>);
}

/** An int8 GEMM with the fused epilogue described at the top of this file. */
export function quantizedMatmul(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  b: Tensor<'int8'> | PackedWeights,
  options: QuantizedMatmulOptions = {},
): Tensor {
  if (typeof options !== 'object' || options === null) throw typeError('ERR_QGEMM_OPTION', 'options must be an object');
  const scaled = options.aScale !== undefined || options.bScale !== undefined || options.bias !== undefined || options.relu !== undefined;
  const outputType = options.outputType ?? (scaled ? 'float32' : 'int32');
  if (!['int32', 'float32', 'int8', 'uint8'].includes(outputType)) {
    throw typeError('ERR_QGEMM_OPTION', `outputType must be 'int32', 'float32', 'int8' or 'uint8', got ${show(outputType)}`);
  }
  if (outputType === 'int32' && scaled) throw typeError('ERR_QGEMM_OPTION', 'scales, bias and relu need a float32, int8 or uint8 output');
  checkTensor(a, 'a');
  if ((a as Tensor).dtype === 'float32') throw typeError('ERR_QGEMM_DTYPE', 'quantizedMatmul takes int8 or uint8 a');
  const plan = planMatmul(a, b, options, 'js', outputType, EPILOGUE_KEYS);
  const [batch, m, n] = plan.out.shape.length === 3 ? plan.out.shape : [1, ...plan.out.shape];
  const epilogue: NativeEpilogue = {
    aZeroPoint: int32Values(options.aZeroPoint, 'options.aZeroPoint', batch * m),
    bZeroPoint: int32Values(options.bZeroPoint, 'options.bZeroPoint', n),
    aScale: float32Values(options.aScale, 'options.aScale', batch * m, true, true),
    bScale: float32Values(options.bScale, 'options.bScale', n, true, true),
    bias: float32Values(options.bias, 'options.bias', n, false, false),
    relu: options.relu ?? false,
  };
  if (typeof epilogue.relu !== 'boolean') throw typeError('ERR_QGEMM_OPTION', 'options.relu must be a boolean');
  if (outputType === 'int8' || outputType === 'uint8') {
    const [lo, hi] = outputType === 'int8' ? [-128, 127] : [0, 255];
    const yScale = options.yScale ?? 1;
    const yZeroPoint = options.yZeroPoint ?? 0;
    if (typeof yScale !== 'number' || !(yScale > 0) || !Number.isFinite(yScale)) throw rangeError('ERR_QGEMM_SCALE', `options.yScale must be positive and finite, got ${show(yScale)}`);
    if (!Number.isInteger(yZeroPoint) || yZeroPoint < lo || yZeroPoint > hi) throw rangeError('ERR_QGEMM_ZERO_POINT', `options.yZeroPoint must be an integer in [${lo}, ${hi}], got ${show(yZeroPoint)}`);
    epilogue.yScale = yScale;
    epilogue.yZeroPoint = yZeroPoint;
  }
  native().gemm({ ...plan.desc, epilogue });
  return plan.out;
}

/** B as int8: uint8 B becomes b - 128 with its zero point moved by -128 (exact). */
function int8B(b: Tensor, bZeroPoint: Int32Array | undefined): [Tensor<'int8'>, Int32Array] {
  if (b.dtype === 'int8') return [b as Tensor<'int8'>, bZeroPoint ?? new Int32Array([0])];
  const shifted = new Int8Array(b.data.length);
  for (let i = 0; i < shifted.length; i++) shifted[i] = (b.data[i] as number) - 128;
  const zp = bZeroPoint ?? new Int32Array([0]);
  return [{ dtype: 'int8', shape: b.shape, data: shifted }, zp.map((z) => z - 128)];
}

function quantizedOperand(t: unknown, name: string): Tensor<'int8'> | Tensor<'uint8'> {
  checkTensor(t, name);
  if (t.dtype !== 'int8' && t.dtype !== 'uint8') throw typeError('ERR_QGEMM_DTYPE', `${name} must be int8 or uint8, got ${t.dtype}`);
  return t as Tensor<'int8'> | Tensor<'uint8'>;
}

function zeroPointValues(zp: unknown, name: string, dtype: 'int8' | 'uint8'): Int32Array | undefined {
  if (zp === undefined) return undefined;
  const values = typeof zp === 'number' ? [zp] : typeof zp === 'object' && zp !== null && 'dtype' in zp ? (zp as Tensor).data : zp;
  if (!ArrayBuffer.isView(values) && !Array.isArray(values)) throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a number, tensor or array`);
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [0, 255];
  const out = Int32Array.from(values as ArrayLike<number>);
  for (const z of out) if (z < lo || z > hi) throw rangeError('ERR_QGEMM_ZERO_POINT', `${name} ${z} is outside ${dtype}`);
  return out;
}

/**
 * ONNX MatMulInteger: (a - aZeroPoint) x (b - bZeroPoint) in int32, with int8
 * or uint8 a and b, zero points per tensor, per row of a (M) or per column of
 * b (N), and batch broadcasting (2-D and 3-D).
 */
export function matmulInteger(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  b: Tensor<'int8'> | Tensor<'uint8'>,
  aZeroPoint?: number | Tensor<'int8' | 'uint8'> | ArrayLike<number>,
  bZeroPoint?: number | Tensor<'int8' | 'uint8'> | ArrayLike<number>,
): Tensor<'int32'> {
  const qa = quantizedOperand(a, 'a'), qb = quantizedOperand(b, 'b');
  const za = zeroPointValues(aZeroPoint, 'aZeroPoint', qa.dtype);
  const [b8, zb] = int8B(qb, zeroPointValues(bZeroPoint, 'bZeroPoint', qb.dtype));
  const m = qa.shape[qa.shape.length - 2];
  const batch = qa.shape.length === 3 || b8.shape.length === 3 ? Math.max(qa.shape.length === 3 ? qa.shape[0] : 1, b8.shape.length === 3 ? b8.shape[0] : 1) : 1;
  // ONNX gives a per-row zero point per row of one matrix: repeat it over the batch.
  const aZp = za !== undefined && za.length > 1 && za.length === m && batch > 1 ? repeat(za, batch) : za;
  return quantizedMatmul(qa, b8, { aZeroPoint: aZp, bZeroPoint: zb, outputType: 'int32' }) as Tensor<'int32'>;
}

function repeat(x: Int32Array, times: number): Int32Array {
  const out = new Int32Array(x.length * times);
  for (let t = 0; t < times; t++) out.set(x, t * x.length);
  return out;
}

/**
 * ONNX QLinearMatMul: y = saturate(roundHalfEven((a - za)(b - zb) * aScale * bScale / yScale) + yZeroPoint),
 * evaluated in float32 in the order given at the top of this file. Scales and
 * zero points per tensor (b's may be per column). The output type is yZeroPoint's.
 */
export function qlinearMatmul(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  aScale: number | Float32Array,
  aZeroPoint: number | Tensor<'int8' | 'uint8'> | ArrayLike<number>,
  b: Tensor<'int8'> | Tensor<'uint8'>,
  bScale: number | Float32Array,
  bZeroPoint: number | Tensor<'int8' | 'uint8'> | ArrayLike<number>,
  yScale: number,
  yZeroPoint: number | Tensor<'int8'> | Tensor<'uint8'>,
  yType?: 'int8' | 'uint8',
): Tensor<'int8'> | Tensor<'uint8'> {
  const qa = quantizedOperand(a, 'a'), qb = quantizedOperand(b, 'b');
  const za = zeroPointValues(aZeroPoint, 'aZeroPoint', qa.dtype);
  const [b8, zb] = int8B(qb, zeroPointValues(bZeroPoint, 'bZeroPoint', qb.dtype));
  let outputType: 'int8' | 'uint8' = yType ?? qa.dtype;
  let yZp: number;
  if (typeof yZeroPoint === 'number') {
    yZp = yZeroPoint;
  } else {
    checkTensor(yZeroPoint, 'yZeroPoint');
    if (yZeroPoint.dtype !== 'int8' && yZeroPoint.dtype !== 'uint8') throw typeError('ERR_QGEMM_DTYPE', 'yZeroPoint must be int8 or uint8');
    outputType = yZeroPoint.dtype;
    yZp = yZeroPoint.data[0];
  }
  return quantizedMatmul(qa, b8, {
    aZeroPoint: za,
    bZeroPoint: zb,
    aScale: typeof aScale === 'number' ? aScale : aScale,
    bScale,
    outputType,
    yScale,
    yZeroPoint: yZp,
  }) as Tensor<'int8'> | Tensor<'uint8'>;
}
