/**
 * A DLRM-style model (Naumov et al. 2019): dense features -> bottom MLP ->
 * z0; each sparse feature -> an embedding bag -> z1..zT; the pairwise dot
 * products zi . zj (i < j) next to z0 -> top MLP -> one click logit.
 * The MLPs are lib/train layers (Linear or Int8Linear); the tables are
 * lib/embedding tables (float32 or rowwise8) trained with row-wise Adagrad
 * on their sparse gradients, or rowwise4 tables for serving only.
 */
import {
  Adam, embeddingBag, embeddingBagBackward, Int8Linear, Linear, ReLU, Rng, RowwiseAdagrad, Sequential,
  type EmbeddingTable,
} from '../../lib';
import { DENSE } from './synthetic';

export interface DlrmShape {
  tableRows: number[];
  dim: number;
}

export type MlpKind = 'fp32' | 'int8';

const HIDDEN = 64;

export function interactions(T: number): number {
  return ((T + 1) * T) / 2;
}

export function buildMlps(shape: DlrmShape, kind: MlpKind, rng: Rng): { bottom: Sequential; top: Sequential } {
  const L = (i: number, o: number, name: string) => (kind === 'int8' ? new Int8Linear(i, o, rng, name) : new Linear(i, o, rng, name));
  const bottom = new Sequential([L(DENSE, HIDDEN, 'bottom0'), new ReLU(), L(HIDDEN, shape.dim, 'bottom1'), new ReLU()]);
  const topIn = shape.dim + interactions(shape.tableRows.length);
  const top = new Sequential([L(topIn, HIDDEN, 'top0'), new ReLU(), L(HIDDEN, 1, 'top1')]);
  return { bottom, top };
}

export class Dlrm {
  readonly dim: number;
  readonly T: number;
  #offsets = new Int32Array(0);
  #z: Float32Array[] = [];
  #topIn = new Float32Array(0);
  #ids: Int32Array[] = [];

  constructor(
    readonly tables: EmbeddingTable[],
    readonly bottom: Sequential,
    readonly top: Sequential,
  ) {
    this.dim = tables[0].dim;
    this.T = tables.length;
  }

  /** Logits of a batch: dense (b x 13) and one id per table per sample. */
  forward(dense: Float32Array, ids: Int32Array[], training: boolean): Float32Array {
    const b = ids[0].length, d = this.dim, T = this.T, P = interactions(T), width = d + P;
    if (this.#offsets.length !== b) this.#offsets = Int32Array.from({ length: b }, (_, i) => i);
    const z0 = this.bottom.forward({ dtype: 'float32', shape: [b, DENSE], data: dense }, training).data;
    const z = [z0, ...this.tables.map((t, k) => embeddingBag(t, ids[k], { offsets: this.#offsets }).data)];
    const topIn = training ? (this.#topIn.length === b * width ? this.#topIn : (this.#topIn = new Float32Array(b * width))) : new Float32Array(b * width);
    for (let s = 0; s < b; s++) {
      const row = s * width;
      topIn.set(z0.subarray(s * d, s * d + d), row);
      let p = row + d;
      for (let i = 0; i <= T; i++) {
        const zi = z[i];
        for (let j = i + 1; j <= T; j++) {
          const zj = z[j];
          let dot = 0;
          for (let k = s * d, e = k + d; k < e; k++) dot += zi[k] * zj[k];
          topIn[p++] = dot;
        }
      }
    }
    if (training) {
      this.#z = z;
      this.#ids = ids;
    }
    return this.top.forward({ dtype: 'float32', shape: [b, width], data: topIn }, training).data.slice();
  }

  /** Backward of the last training forward given dL/dlogit; returns the tables' sparse gradients. */
  backward(dLogits: Float32Array) {
    const b = dLogits.length, d = this.dim, T = this.T, width = d + interactions(T), z = this.#z;
    const dTop = this.top.backward({ dtype: 'float32', shape: [b, 1], data: dLogits }, true)!.data;
    const dz = z.map(() => new Float32Array(b * d));
    for (let s = 0; s < b; s++) {
      const row = s * width;
      for (let k = 0; k < d; k++) dz[0][s * d + k] = dTop[row + k];
      let p = row + d;
      for (let i = 0; i <= T; i++) {
        for (let j = i + 1; j <= T; j++) {
          const g = dTop[p++];
          if (g === 0) continue;
          const zi = z[i], zj = z[j], di = dz[i], dj = dz[j];
          for (let k = s * d, e = k + d; k < e; k++) {
            di[k] += g * zj[k];
            dj[k] += g * zi[k];
          }
        }
      }
    }
    this.bottom.backward({ dtype: 'float32', shape: [b, d], data: dz[0] }, false);
    return this.tables.map((t, k) => embeddingBagBackward(t, this.#ids[k], { offsets: this.#offsets }, dz[k + 1]));
  }
}

/** The optimizers of a trainable model: Adam on the MLPs, row-wise Adagrad on each table. */
export function buildOptimizers(m: Dlrm, seed: number) {
  const mlp = new Adam([...m.bottom.params(), ...m.top.params()], { lr: 1e-3 });
  const tables = m.tables.map((t, k) => new RowwiseAdagrad(t, { lr: 0.05, seed: seed * 31 + k }));
  return {
    step(grads: ReturnType<Dlrm['backward']>) {
      mlp.step();
      grads.forEach((g, k) => tables[k].step(g));
    },
    stateBytes: () => mlp.stateBytes() + tables.reduce((s, o) => s + o.state.byteLength, 0),
  };
}
