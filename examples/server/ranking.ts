/**
 * The ranking model: a DLRM-style model saved by `npm run demo:recsys --
 * --save DIR` (examples/recsys/model_file.ts: 4-bit row-wise tables, fp32
 * MLPs), loaded when QGEMM_RECSYS_MODEL=DIR. A candidate is one row of
 * DENSE + T numbers for the batcher: the request's dense features, then the
 * candidate's id in each table (ids are checked against their tables before
 * they join a batch, and the loader refuses tables past 2^24 rows, where an
 * id would not be exact as a float32).
 */
import { DENSE } from '../recsys/synthetic';
import { loadModel } from '../recsys/model_file';

export interface Ranker {
  readonly dense: number;
  readonly tableRows: readonly number[];
  /** Row width for the batcher: dense features, then one id per table. */
  readonly width: number;
  score(rows: Float32Array, n: number): Promise<Float32Array>;
}

export function loadRanker(dir = process.env.QGEMM_RECSYS_MODEL): Ranker | undefined {
  if (dir === undefined) return undefined;
  const model = loadModel(dir);
  const tableRows = model.tables.map((t) => t.rows);
  if (tableRows.some((r) => r > 2 ** 24)) throw new Error(`${dir}: tables over 2^24 rows cannot be served by this example`);
  const width = DENSE + tableRows.length;
  return {
    dense: DENSE,
    tableRows,
    width,
    async score(rows: Float32Array, n: number): Promise<Float32Array> {
      const dense = new Float32Array(n * DENSE);
      const ids = tableRows.map(() => new Int32Array(n));
      for (let s = 0; s < n; s++) {
        dense.set(rows.subarray(s * width, s * width + DENSE), s * DENSE);
        for (let t = 0; t < ids.length; t++) ids[t][s] = rows[s * width + DENSE + t];
      }
      return model.forward(dense, ids, false);
    },
  };
}
