/**
 * The ONNX integer matmul operators on quantizedMatmul: MatMulInteger and
 * QLinearMatMul (opset 10), uint8/int8 in any combination, 2-D and batched 3-D
 * with broadcasting, and every zero-point (and scale) shape the spec allows:
 *   for A [M, K] / [batch, M, K]: a scalar (per tensor), [M] or [M, 1] (per row,
 *     the same for every batch item), [batch, M, 1] (per row of each item);
 *   for B [K, N] / [batch, K, N]: a scalar, [N] or [1, N] (per column),
 *     [batch, 1, N] (per column of each item: runs one GEMM per batch item).
 * A plain array (no shape) is read by its length: 1, M or batch * M for A;
 * 1, N or batch * N for B.
 */
import { rangeError, typeError } from './errors';
import { quantizedMatmul, type Int8OutputType } from './qmatmul';
import { checkTensor, zeros, type Tensor } from './tensor';

/** A zero point or scale: a number, a tensor (its shape is read), or an array (read by its length). */
export type ParamArg = number | Tensor | ArrayLike<number>;

interface Operand {
  t: Tensor<'int8'> | Tensor<'uint8'>;
  /** Its own batch dimension (1 when 2-D). */
  batch: number;
  rows: number;
  cols: number;
}

function operand(t: unknown, name: string): Operand {
  checkTensor(t, name);
  if (t.dtype !== 'int8' && t.dtype !== 'uint8') throw typeError('ERR_QGEMM_DTYPE', `${name} must be int8 or uint8, got ${t.dtype}`);
  if (t.shape.length !== 2 && t.shape.length !== 3) throw rangeError('ERR_QGEMM_SHAPE', `${name} must be 2-D or 3-D, got [${t.shape.join(', ')}]`);
  const [batch, rows, cols] = t.shape.length === 3 ? t.shape : [1, ...t.shape];
  return { t: t as Tensor<'int8'> | Tensor<'uint8'>, batch, rows, cols };
}

/** The values and (for a tensor) shape of a parameter. */
function read(arg: ParamArg, name: string): { values: ArrayLike<number>; shape?: readonly number[] } {
  if (typeof arg === 'number') return { values: [arg] };
  if (typeof arg === 'object' && arg !== null && 'dtype' in arg) {
    checkTensor(arg, name);
    return { values: arg.data, shape: arg.shape };
  }
  if (typeof arg !== 'object' || arg === null || typeof (arg as ArrayLike<number>).length !== 'number') {
    throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be a number, a tensor or an array of numbers`);
  }
  return { values: arg as ArrayLike<number> };
}

const same = (shape: readonly number[], want: readonly number[]) => shape.length === want.length && shape.every((d, i) => d === want[i]);

/**
 * A's parameter as 1 value (per tensor) or one per row of every item of the
 * broadcast batch (batch * M values).
 */
function perRow(arg: ParamArg, name: string, a: Operand, batch: number): number[] {
  const { values, shape } = read(arg, name);
  const v = Array.from(values);
  if (v.length === 1) return v;
  const m = a.rows;
  const rowsOnly = shape ? same(shape, [m]) || same(shape, [m, 1]) : v.length === m;
  const itemRows = a.batch > 1 && (shape ? same(shape, [a.batch, m, 1]) : v.length === a.batch * m);
  if (rowsOnly || (shape !== undefined && same(shape, [1, m, 1]))) return Array.from({ length: batch }, () => v).flat();
  if (itemRows) return v;
  throw rangeError(
    'ERR_QGEMM_SHAPE',
    `${name} must be a scalar, [${m}] or [${m}, 1] (per row)${a.batch > 1 ? ` or [${a.batch}, ${m}, 1]` : ''}, got ${shape ? `shape [${shape.join(', ')}]` : `${v.length} values`}`,
  );
}

/** B's parameter: 1 value, one per column (N), or one per column of each batch item (batch * N, perItem). */
function perColumn(arg: ParamArg, name: string, b: Operand): { values: number[]; perItem: boolean } {
  const { values, shape } = read(arg, name);
  const v = Array.from(values);
  const n = b.cols;
  if (v.length === 1) return { values: v, perItem: false };
  if (shape ? same(shape, [n]) || same(shape, [1, n]) || same(shape, [1, 1, n]) : v.length === n) return { values: v, perItem: false };
  if (b.batch > 1 && (shape ? same(shape, [b.batch, 1, n]) : v.length === b.batch * n)) return { values: v, perItem: true };
  throw rangeError(
    'ERR_QGEMM_SHAPE',
    `${name} must be a scalar, [${n}] or [1, ${n}] (per column)${b.batch > 1 ? ` or [${b.batch}, 1, ${n}]` : ''}, got ${shape ? `shape [${shape.join(', ')}]` : `${v.length} values`}`,
  );
}

function checkZeroPoints(values: number[], name: string, dtype: 'int8' | 'uint8'): void {
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [0, 255];
  for (const z of values) {
    if (!Number.isInteger(z) || z < lo || z > hi) throw rangeError('ERR_QGEMM_ZERO_POINT', `${name} ${String(z)} is not an integer of ${dtype}`);
  }
}

/** B as int8: uint8 B becomes b - 128 with its zero points moved by -128 (exact). */
function int8B(b: Operand, zeroPoints: number[]): [Tensor<'int8'>, number[]] {
  if (b.t.dtype === 'int8') return [b.t as Tensor<'int8'>, zeroPoints];
  const shifted = new Int8Array(b.t.data.length);
  for (let i = 0; i < shifted.length; i++) shifted[i] = b.t.data[i] - 128;
  return [{ dtype: 'int8', shape: b.t.shape, data: shifted }, zeroPoints.map((z) => z - 128)];
}

interface Params {
  aZeroPoint: number[];
  bZeroPoint: { values: number[]; perItem: boolean };
  aScale?: number[];
  bScale?: { values: number[]; perItem: boolean };
  outputType: Int8OutputType;
  yScale?: number;
  yZeroPoint?: number;
}

/** One quantizedMatmul, or one per batch item when a B parameter varies by item. */
function run(a: Operand, b: Operand, p: Params): Tensor {
  const batch = Math.max(a.batch, b.batch);
  if (a.batch !== b.batch && a.batch !== 1 && b.batch !== 1) {
    throw rangeError('ERR_QGEMM_SHAPE', `batch dimensions ${a.batch} and ${b.batch} cannot be broadcast together`);
  }
  const [b8, bZp] = int8B(b, p.bZeroPoint.values);
  const options = (item?: number) => {
    const rows = (v: number[]) => (v.length === 1 || item === undefined ? v : v.slice(item * a.rows, (item + 1) * a.rows));
    const cols = (q: { values: number[]; perItem: boolean }, v = q.values) => (q.perItem && item !== undefined ? v.slice(item * b.cols, (item + 1) * b.cols) : v);
    return {
      aZeroPoint: rows(p.aZeroPoint), bZeroPoint: cols(p.bZeroPoint, bZp),
      aScale: p.aScale && rows(p.aScale), bScale: p.bScale && cols(p.bScale),
      outputType: p.outputType, yScale: p.yScale, yZeroPoint: p.yZeroPoint,
    };
  };
  if (!(p.bZeroPoint.perItem || p.bScale?.perItem)) return quantizedMatmul(a.t, b8, options());
  const out = zeros(p.outputType, [batch, a.rows, b.cols]);
  const item = (t: Tensor, i: number, rows: number, cols: number) =>
    ({ dtype: t.dtype, shape: [rows, cols], data: t.data.subarray(i * rows * cols, (i + 1) * rows * cols) }) as Tensor;
  for (let i = 0; i < batch; i++) {
    const ai = item(a.t, a.batch === 1 ? 0 : i, a.rows, a.cols) as Tensor<'int8'>;
    const bi = item(b8, i, b.rows, b.cols) as Tensor<'int8'>;
    quantizedMatmul(ai, bi, { ...options(i), out: item(out, i, a.rows, b.cols) });
  }
  return out;
}

/** Both operands, their broadcast batch, and their zero points checked against them and the spec's shapes. */
function withZeroPoints(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  aZeroPoint: ParamArg,
  b: Tensor<'int8'> | Tensor<'uint8'>,
  bZeroPoint: ParamArg,
) {
  const qa = operand(a, 'a'), qb = operand(b, 'b');
  const batch = Math.max(qa.batch, qb.batch);
  const za = perRow(aZeroPoint, 'aZeroPoint', qa, batch);
  const zb = perColumn(bZeroPoint, 'bZeroPoint', qb);
  checkZeroPoints(za, 'aZeroPoint', qa.t.dtype);
  checkZeroPoints(zb.values, 'bZeroPoint', qb.t.dtype);
  return { qa, qb, batch, za, zb };
}

/**
 * ONNX MatMulInteger: (a - aZeroPoint) x (b - bZeroPoint) in int32 (exact), with
 * the zero-point shapes listed at the top of this file.
 */
export function matmulInteger(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  b: Tensor<'int8'> | Tensor<'uint8'>,
  aZeroPoint: ParamArg = 0,
  bZeroPoint: ParamArg = 0,
): Tensor<'int32'> {
  const { qa, qb, za, zb } = withZeroPoints(a, aZeroPoint, b, bZeroPoint);
  return run(qa, qb, { aZeroPoint: za, bZeroPoint: zb, outputType: 'int32' }) as Tensor<'int32'>;
}

/**
 * ONNX QLinearMatMul: y = saturate(roundHalfEven((a - za)(b - zb) * aScale * bScale / yScale) + yZeroPoint),
 * evaluated in float32 in the order of lib/qmatmul.ts. Scales and zero points per tensor, per row of a and
 * per column of b, in the shapes listed at the top of this file. The output type is yZeroPoint's (a tensor),
 * else yType, else a's.
 */
export function qlinearMatmul(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  aScale: ParamArg,
  aZeroPoint: ParamArg,
  b: Tensor<'int8'> | Tensor<'uint8'>,
  bScale: ParamArg,
  bZeroPoint: ParamArg,
  yScale: number | Tensor<'float32'>,
  yZeroPoint: number | Tensor<'int8'> | Tensor<'uint8'>,
  yType?: 'int8' | 'uint8',
): Tensor<'int8'> | Tensor<'uint8'> {
  const { qa, qb, batch, za, zb } = withZeroPoints(a, aZeroPoint, b, bZeroPoint);
  let outputType: 'int8' | 'uint8' = yType ?? qa.t.dtype;
  let yZp: number;
  if (typeof yZeroPoint === 'number') {
    yZp = yZeroPoint;
  } else {
    checkTensor(yZeroPoint, 'yZeroPoint');
    if (yZeroPoint.dtype !== 'int8' && yZeroPoint.dtype !== 'uint8') throw typeError('ERR_QGEMM_DTYPE', 'yZeroPoint must be int8 or uint8');
    outputType = yZeroPoint.dtype;
    yZp = yZeroPoint.data[0];
  }
  const ys = read(yScale, 'yScale').values;
  if (ys.length !== 1) throw rangeError('ERR_QGEMM_SHAPE', `yScale must be a scalar, got ${ys.length} values`);
  return run(qa, qb, {
    aZeroPoint: za,
    bZeroPoint: zb,
    aScale: perRow(aScale, 'aScale', qa, batch),
    bScale: perColumn(bScale, 'bScale', qb),
    outputType,
    yScale: ys[0],
    yZeroPoint: yZp,
  }) as Tensor<'int8'> | Tensor<'uint8'>;
}
