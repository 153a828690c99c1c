/**
 * EmbeddingBag: each bag's rows of a table pooled into one vector, with
 * PyTorch's arguments (torch.nn.functional.embedding_bag for float32 tables,
 * torch.ops.quantized.embedding_bag_{byte,4bit}_rowwise_offsets for the
 * row-wise quantized ones), bit for bit (docs/RECSYS.md says how).
 */
import { rangeError, show, typeError } from '../errors';
import { tensor, type Tensor } from '../tensor';
import { nativeEmbedding, type Indices } from './native';
import { checkTable, FORMAT_CODE, type EmbeddingTable } from './table';

export type Pooling = 'sum' | 'mean' | 'max';
const POOLING_CODE: Record<Pooling, number> = { sum: 0, mean: 1, max: 2 };

export interface EmbeddingBagOptions {
  /**
   * Where each bag starts in `ids` (offsets[0] must be 0; non-decreasing);
   * the last bag ends at ids.length, or, with includeLastOffset, at the last offset.
   */
  offsets: Indices;
  /** Default 'sum'. */
  mode?: Pooling;
  /** One weight per id, multiplied into its row (sum only, as PyTorch). */
  perSampleWeights?: Float32Array;
  /** A row skipped wherever it appears (not counted by mean); negative counts from the end, as PyTorch. */
  paddingIdx?: number;
  includeLastOffset?: boolean;
  /** Where to write the [bags, dim] result (a Float32Array of bags * dim), instead of a new one. */
  out?: Float32Array;
}

export function checkIndices(a: unknown, name: string): asserts a is Indices {
  if (!(a instanceof Int32Array) && !(a instanceof BigInt64Array)) {
    throw typeError('ERR_QGEMM_DTYPE', `${name} must be an Int32Array or a BigInt64Array, got ${show(a)}`);
  }
}

/** Bags described by `offsets` (includeLastOffset: one fewer). */
export function bagCount(offsets: Indices, includeLastOffset = false): number {
  return includeLastOffset ? Math.max(0, offsets.length - 1) : offsets.length;
}

/** The padding row as a non-negative index, or -1 for none. */
export function paddingRow(paddingIdx: number | undefined, rows: number): number {
  if (paddingIdx === undefined) return -1;
  if (!Number.isInteger(paddingIdx) || paddingIdx < -rows || paddingIdx >= rows) {
    throw rangeError('ERR_QGEMM_OPTION', `paddingIdx must be an integer in [-${rows}, ${rows}), got ${show(paddingIdx)}`);
  }
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Pools `table`'s rows named by `ids` into one [bags, dim] float32 tensor.
 * An id outside the table or offsets that do not split `ids` into bags throw
 * ERR_QGEMM_INDEX before any row is read. Threaded over bags.
 */
export function embeddingBag(table: EmbeddingTable, ids: Indices, options: EmbeddingBagOptions): Tensor<'float32'> {
  const { offsets, mode, perSampleWeights, includeLastOffset, bags, pad } = parseBag(table, ids, options);
  const out = options.out;
  let result = out;
  if (result === undefined) {
    result = new Float32Array(bags * table.dim);
  } else if (!(result instanceof Float32Array) || result.length !== bags * table.dim) {
    throw rangeError('ERR_QGEMM_OUT', `out must be a Float32Array of ${bags} x ${table.dim} values`);
  }
  nativeEmbedding().bag(
    table.data, table.rows, table.dim, FORMAT_CODE[table.format], ids, offsets, includeLastOffset,
    perSampleWeights, POOLING_CODE[mode], pad, result,
  );
  return tensor(result, [bags, table.dim]);
}

/** The checked arguments of a bag lookup (shared with its backward). */
export interface ParsedBag {
  offsets: Indices;
  mode: Pooling;
  modeCode: number;
  perSampleWeights: Float32Array | undefined;
  includeLastOffset: boolean;
  bags: number;
  pad: number;
}

export function parseBag(table: EmbeddingTable, ids: Indices, options: EmbeddingBagOptions): ParsedBag {
  checkTable(table);
  checkIndices(ids, 'ids');
  if (typeof options !== 'object' || options === null) throw typeError('ERR_QGEMM_ARG_TYPE', 'options must be an object with offsets');
  const { offsets, mode = 'sum', perSampleWeights, paddingIdx, includeLastOffset = false } = options;
  checkIndices(offsets, 'offsets');
  if (!(mode in POOLING_CODE)) throw rangeError('ERR_QGEMM_OPTION', `mode must be 'sum', 'mean' or 'max', got ${show(mode)}`);
  if (typeof includeLastOffset !== 'boolean') throw typeError('ERR_QGEMM_OPTION', 'includeLastOffset must be a boolean');
  if (perSampleWeights !== undefined) {
    if (!(perSampleWeights instanceof Float32Array)) throw typeError('ERR_QGEMM_DTYPE', 'perSampleWeights must be a Float32Array');
    if (perSampleWeights.length !== ids.length) {
      throw rangeError('ERR_QGEMM_SHAPE', `perSampleWeights holds ${perSampleWeights.length} values for ${ids.length} ids`);
    }
    if (mode !== 'sum') throw rangeError('ERR_QGEMM_OPTION', `perSampleWeights need mode 'sum' (as PyTorch), got '${mode}'`);
  }
  const bags = bagCount(offsets, includeLastOffset);
  const pad = paddingRow(paddingIdx, table.rows);
  return { offsets, mode, modeCode: POOLING_CODE[mode], perSampleWeights, includeLastOffset, bags, pad };
}
