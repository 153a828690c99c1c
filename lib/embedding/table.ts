/**
 * Embedding tables: float32, or row-wise quantized as FBGEMM and PyTorch
 * store them for recommendation models (torch.ops.quantized.
 * embedding_bag_byte_prepack / embedding_bag_4bit_prepack, bit for bit):
 *
 * - `rowwise8`: per row `dim` uint8 codes, then float32 scale and bias
 *   (scale = (max - min) / 255, bias = min; value = scale * q + bias).
 * - `rowwise4`: per row ceil(dim / 2) bytes, two codes a byte (even column in
 *   the low nibble), then fp16 scale and fp16 bias (bias = min rounded to fp16,
 *   scale = fp16((max - bias) / 15)).
 */
import { rangeError, show, typeError } from '../errors';
import { checkTensor, shapeSize, tensor, type Tensor } from '../tensor';
import { nativeEmbedding } from './native';

export type TableFormat = 'float32' | 'rowwise8' | 'rowwise4';

export const TABLE_FORMATS: readonly TableFormat[] = ['float32', 'rowwise8', 'rowwise4'];

/** A table of `rows` x `dim` values. `data` is a Float32Array (float32) or the packed rows (Uint8Array). */
export interface EmbeddingTable<F extends TableFormat = TableFormat> {
  readonly format: F;
  readonly rows: number;
  readonly dim: number;
  readonly data: F extends 'float32' ? Float32Array : Uint8Array;
}

export const FORMAT_CODE: Record<TableFormat, number> = { float32: 0, rowwise8: 1, rowwise4: 2 };

/** Bytes of one row of `dim` values in `format`. */
export function rowBytes(format: TableFormat, dim: number): number {
  return format === 'float32' ? dim * 4 : format === 'rowwise8' ? dim + 8 : Math.ceil(dim / 2) + 4;
}

/** Bytes a table holds. */
export function tableBytes(table: EmbeddingTable): number {
  return table.rows * rowBytes(table.format, table.dim);
}

function checkFormat(format: unknown, name = 'format'): asserts format is TableFormat {
  if (!TABLE_FORMATS.includes(format as TableFormat)) {
    throw rangeError('ERR_QGEMM_OPTION', `${name} must be 'float32', 'rowwise8' or 'rowwise4', got ${show(format)}`);
  }
}

/**
 * Wraps existing storage as a table (no copy): a Float32Array of rows * dim
 * values, or a Uint8Array of rows * rowBytes(format, dim) bytes.
 */
export function embeddingTable<F extends TableFormat>(
  format: F, rows: number, dim: number, data: EmbeddingTable<F>['data'],
): EmbeddingTable<F> {
  checkFormat(format);
  shapeSize([rows, dim], 'table shape');
  const want = format === 'float32' ? Float32Array : Uint8Array;
  if (!(data instanceof want) || data instanceof Uint8ClampedArray) {
    throw typeError('ERR_QGEMM_DTYPE', `a ${format} table's data must be a ${want.name}`);
  }
  const n = format === 'float32' ? rows * dim : rows * rowBytes(format, dim);
  if (data.length !== n) {
    throw rangeError('ERR_QGEMM_DATA_LENGTH', `a ${rows} x ${dim} ${format} table holds ${n} elements, got ${data.length}`);
  }
  return Object.freeze({ format, rows, dim, data });
}

/** A table of zeros (float32), or of rows that dequantize to zero. */
export function zerosTable<F extends TableFormat>(format: F, rows: number, dim: number): EmbeddingTable<F> {
  checkFormat(format);
  shapeSize([rows, dim], 'table shape');
  if (format === 'float32') return embeddingTable(format, rows, dim, new Float32Array(rows * dim) as never);
  return quantizeTable(tensor(new Float32Array(rows * dim), [rows, dim]), format as 'rowwise8') as never;
}

/** Checks that `t` is a table whose storage matches its shape (ERR_QGEMM_ARG_TYPE / _DATA_LENGTH otherwise). */
export function checkTable(t: unknown, name = 'table'): asserts t is EmbeddingTable {
  if (typeof t !== 'object' || t === null) throw typeError('ERR_QGEMM_ARG_TYPE', `${name} must be an embedding table, got ${show(t)}`);
  const { format, rows, dim, data } = t as EmbeddingTable;
  embeddingTable(format, rows, dim, data as never);
}

function asMatrix(x: Tensor<'float32'> | EmbeddingTable<'float32'>): { rows: number; dim: number; data: Float32Array } {
  if ((x as EmbeddingTable).format !== undefined) {
    checkTable(x);
    const t = x as EmbeddingTable;
    if (t.format !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `quantizeTable needs a float32 table, got ${t.format}`);
    return { rows: t.rows, dim: t.dim, data: t.data as Float32Array };
  }
  checkTensor(x, 'table');
  const t = x as Tensor;
  if (t.dtype !== 'float32') throw typeError('ERR_QGEMM_DTYPE', `quantizeTable needs a float32 tensor, got ${t.dtype}`);
  if (t.shape.length !== 2) throw rangeError('ERR_QGEMM_SHAPE', `quantizeTable needs a [rows, dim] tensor, got [${t.shape.join(', ')}]`);
  return { rows: t.shape[0], dim: t.shape[1], data: t.data as Float32Array };
}

/**
 * Quantizes a float32 table (a [rows, dim] tensor or a float32 table) row by
 * row, as PyTorch's embedding_bag_byte_prepack (rowwise8) and
 * embedding_bag_4bit_prepack (rowwise4). NaN or infinity: ERR_QGEMM_NOT_FINITE.
 */
export function quantizeTable<F extends 'rowwise8' | 'rowwise4'>(
  x: Tensor<'float32'> | EmbeddingTable<'float32'>, format: F,
): EmbeddingTable<F> {
  if (format !== 'rowwise8' && format !== 'rowwise4') {
    throw rangeError('ERR_QGEMM_OPTION', `format must be 'rowwise8' or 'rowwise4', got ${show(format)}`);
  }
  const { rows, dim, data } = asMatrix(x);
  const out = new Uint8Array(rows * rowBytes(format, dim));
  nativeEmbedding().quantize(data, rows, dim, FORMAT_CODE[format], out);
  return embeddingTable(format, rows, dim, out as never);
}

/** The values of a table as a [rows, dim] float32 tensor: scale * q + bias per element (a copy for float32). */
export function dequantizeTable(table: EmbeddingTable): Tensor<'float32'> {
  checkTable(table);
  const out = new Float32Array(table.rows * table.dim);
  if (table.format === 'float32') {
    out.set(table.data as Float32Array);
  } else {
    nativeEmbedding().dequantize(table.data as Uint8Array, table.rows, table.dim, FORMAT_CODE[table.format], out);
  }
  return tensor(out, [table.rows, table.dim]);
}
