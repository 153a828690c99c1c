/**
 * A DLRM-style model (Naumov et al. 2019): dense features -> bottom MLP ->
 * z0; each sparse feature -> an embedding bag -> z1..zT; the pairwise dot
 * products zi . zj (i < j) next to z0 -> top MLP -> one click logit.
 * The MLPs are lib/train layers (Linear or Int8Linear); the tables are
 * lib/embedding tables (float32 or rowwise8) trained with row-wise Adagrad
 * on their sparse gradients, or rowwise4 tables for serving only.
 */
import {
  Adam, embeddingBag, embeddingBagBackward, Int8Linear, Linear, matmul, ReLU, Rng, RowwiseAdagrad, Sequential, tensor,
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
  #Z = new Float32Array(0);
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
    const b = ids[0].length, d = this.dim, T = this.T, n = T + 1, width = d + interactions(T);
    if (this.#offsets.length !== b) this.#offsets = Int32Array.from({ length: b }, (_, i) => i);
    const z0 = this.bottom.forward({ dtype: 'float32', shape: [b, DENSE], data: dense }, training).data;
    // Z: per sample the n vectors z0, e1..eT as rows; their dot products in one batched GEMM.
    const Z = new Float32Array(b * n * d);
    for (let s = 0; s < b; s++) Z.set(z0.subarray(s * d, s * d + d), s * n * d);
    this.tables.forEach((t, k) => {
      const e = embeddingBag(t, ids[k], { offsets: this.#offsets }).data;
      for (let s = 0; s < b; s++) Z.set(e.subarray(s * d, s * d + d), (s * n + k + 1) * d);
    });
    const zt = tensor(Z, [b, n, d]);
    const S = matmul(zt, zt, { transposeB: true }).data; // b x n x n
    const topIn = new Float32Array(b * width);
    for (let s = 0; s < b; s++) {
      topIn.set(z0.subarray(s * d, s * d + d), s * width);
      let p = s * width + d;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) topIn[p++] = S[(s * n + i) * n + j];
    }
    if (training) {
      this.#Z = Z;
      this.#ids = ids;
    }
    return this.top.forward({ dtype: 'float32', shape: [b, width], data: topIn }, training).data.slice();
  }

  /** Backward of the last training forward given dL/dlogit; returns the tables' sparse gradients. */
  backward(dLogits: Float32Array) {
    const b = dLogits.length, d = this.dim, T = this.T, n = T + 1, width = d + interactions(T);
    const dTop = this.top.backward({ dtype: 'float32', shape: [b, 1], data: dLogits }, true)!.data;
    // dZ = (G + G^T) Z with G the gradients of the dot products (upper triangle).
    const M = new Float32Array(b * n * n);
    for (let s = 0; s < b; s++) {
      let p = s * width + d;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const g = dTop[p++];
          M[(s * n + i) * n + j] = g;
          M[(s * n + j) * n + i] = g;
        }
      }
    }
    const dZ = matmul(tensor(M, [b, n, n]), tensor(this.#Z, [b, n, d])).data;
    const dz0 = new Float32Array(b * d);
    for (let s = 0; s < b; s++) {
      for (let k = 0; k < d; k++) dz0[s * d + k] = dTop[s * width + k] + dZ[s * n * d + k];
    }
    this.bottom.backward({ dtype: 'float32', shape: [b, d], data: dz0 }, false);
    return this.tables.map((t, k) => {
      const de = new Float32Array(b * d);
      for (let s = 0; s < b; s++) de.set(dZ.subarray((s * n + k + 1) * d, (s * n + k + 2) * d), s * d);
      return embeddingBagBackward(t, this.#ids[k], { offsets: this.#offsets }, de);
    });
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
