/**
 * Symmetric narrow-range int8 ([-127, 127]) per row, per column, or per
 * column within blocks of rows: the scheme of quantizeWeights (ONNX Runtime /
 * TFLite weights): scale = float32(amax / 127), 1 for an all-zero slice (NaN
 * never raises amax); q = clamp(roundHalfEven(float32(x / scale)), -127, 127),
 * NaN -> 0, as quantizeLinear. Stochastic rounding (full int8 training's dY)
 * uses floor(float32(float32(x / scale) + u)) with u in [0, 1) from a
 * counter-based hash of (seed, element index) (native/quant/symmetric.h), so
 * it is reproducible and independent of the thread count.
 * Native and vectorized (scalar and AVX2 code, identical results).
 */
import { rangeError, typeError } from '../errors';
import { nativeTrain } from './native_train';

export interface SymmetricInt8 {
  q: Int8Array;
  scales: Float32Array;
}

function checkMatrix(x: Float32Array, rows: number, cols: number): void {
  if (!(x instanceof Float32Array)) throw typeError('ERR_QGEMM_ARG_TYPE', 'x must be a Float32Array');
  for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw rangeError('ERR_QGEMM_SHAPE', `${name} must be a non-negative integer, got ${v}`);
  }
  if (x.length !== rows * cols) throw rangeError('ERR_QGEMM_DATA_LENGTH', `x holds ${x.length} values, rows * cols is ${rows * cols}`);
}

function output(out: SymmetricInt8 | undefined, n: number, scales: number): SymmetricInt8 {
  return {
    q: out?.q.length === n ? out.q : new Int8Array(n),
    scales: out?.scales.length === scales ? out.scales : new Float32Array(scales),
  };
}

/** One scale per row of a row-major [rows, cols] matrix. `out` is reused when its sizes fit. */
export function quantizeRows(x: Float32Array, rows: number, cols: number, out?: SymmetricInt8): SymmetricInt8 {
  checkMatrix(x, rows, cols);
  const r = output(out, rows * cols, rows);
  nativeTrain().quantizeRows(x, rows, cols, r.q, r.scales);
  return r;
}

/** One scale per column of a row-major [rows, cols] matrix. */
export function quantizeColumns(x: Float32Array, rows: number, cols: number, out?: SymmetricInt8): SymmetricInt8 {
  checkMatrix(x, rows, cols);
  const r = output(out, rows * cols, cols);
  nativeTrain().quantizeColumns(x, rows, cols, r.q, r.scales);
  return r;
}

/** Both per row and per column, the two ranges found in one read of x (W of a training step). */
export function quantizeRowsColumns(x: Float32Array, rows: number, cols: number, out?: { rows: SymmetricInt8; columns: SymmetricInt8 }): { rows: SymmetricInt8; columns: SymmetricInt8 } {
  checkMatrix(x, rows, cols);
  const byRow = output(out?.rows, rows * cols, rows);
  const byColumn = output(out?.columns, rows * cols, cols);
  nativeTrain().quantizeRowsColumns(x, rows, cols, byRow.q, byRow.scales, byColumn.q, byColumn.scales);
  return { rows: byRow, columns: byColumn };
}

export interface ColumnBlockOptions {
  /** Rows per block (0 or >= rows: one block). */
  block: number;
  /** Stochastic rounding (default false: round half to even). */
  stochastic?: boolean;
  /** uint32 seed of the stochastic rounding. */
  seed?: number;
}

/** Number of row blocks of `block` rows (1 when block is 0 or covers all rows; 0 for no rows). */
export function rowBlocks(rows: number, block: number): number {
  return rows === 0 ? 0 : block < 1 || block >= rows ? 1 : Math.ceil(rows / block);
}

/** One scale per column of each block of rows; scales are [blocks, cols], block-major. */
export function quantizeColumnBlocks(x: Float32Array, rows: number, cols: number, options: ColumnBlockOptions, out?: SymmetricInt8): SymmetricInt8 {
  checkMatrix(x, rows, cols);
  const { block, stochastic = false, seed = 0 } = options;
  if (!Number.isSafeInteger(block) || block < 0) throw rangeError('ERR_QGEMM_OPTION', `block must be a non-negative integer, got ${block}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw rangeError('ERR_QGEMM_OPTION', `seed must be a uint32, got ${seed}`);
  const r = output(out, rows * cols, rowBlocks(rows, block) * cols);
  nativeTrain().quantizeColumnBlocks(x, rows, cols, block, stochastic, seed, r.q, r.scales);
  return r;
}

/** Quantize-dequantize per row: y = float32(q * scale), QAT's view of the weights. */
export function fakeQuantizeRows(x: Float32Array, rows: number, cols: number, out?: { y: Float32Array; scales: Float32Array }): { y: Float32Array; scales: Float32Array } {
  checkMatrix(x, rows, cols);
  const y = out?.y.length === rows * cols ? out.y : new Float32Array(rows * cols);
  const scales = out?.scales.length === rows ? out.scales : new Float32Array(rows);
  nativeTrain().fakeQuantizeRows(x, rows, cols, y, scales);
  return { y, scales };
}
