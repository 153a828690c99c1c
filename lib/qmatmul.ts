/**
 * Int8 GEMMs with a fused epilogue (zero points, scales, bias, ReLU, and
 * float32 / int8 / uint8 outputs).
 *
 * Order and precision (float32 throughout, no fused multiply-add), for output
 * element (m, n) with acc' = sum_k (a[m][k] - aZeroPoint) * (b[k][n] - bZeroPoint)
 * computed exactly in int32:
 *   float32:      f = float32(acc') * float32(aScale[m] * bScale[n]);  f += bias[n];  f = max(f, 0) if relu
 *   int8 / uint8: q = saturate(roundHalfEven(float32(f / yScale)) + yZeroPoint)   (NaN -> 0)
 * The ONNX operators built on it (MatMulInteger, QLinearMatMul) are in lib/onnx_matmul.ts.
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
