/**
 * A DLRM-style model (Naumov et al. 2019): dense features -> bottom MLP ->
 * z0; each sparse feature -> an embedding bag -> z1..zT; z0 and the pairwise
 * dot products zi . zj (dotInteraction, DLRM's order) -> top MLP -> one click logit.
 * The MLPs have the sizes of DLRM's reference Criteo Kaggle configuration
 * (bottom 13-512-256-dim, top -512-256-1): lib/train layers, Linear, or in
 * the int8 model Int8Linear with an int8 weight gradient for every layer but
 * the first and the last (K = 13 and N = 1 leave an int8 GEMM nothing to win;
 * keeping them in float32 is the usual quantization recipe). Adam on the MLPs
 * (fused into the int8 weight gradients); the tables are lib/embedding tables
 * (float32 or rowwise8) trained with row-wise Adagrad on their sparse
 * gradients, or rowwise4 tables for serving only.
 */
import {
  Adam, dotInteraction, dotInteractionBackward, embeddingBag, embeddingBagBackward, Int8Linear, interactionWidth, Linear,
  ReLU, Rng, RowwiseAdagrad, Sequential, type EmbeddingTable, type Tensor,
} from '../../lib';
import { DENSE } from './synthetic';

export interface DlrmShape {
  tableRows: number[];
  dim: number;
}

export type MlpKind = 'fp32' | 'int8';

export function buildMlps(shape: DlrmShape, kind: MlpKind, rng: Rng): { bottom: Sequential; top: Sequential } {
  const L = (i: number, o: number, name: string) => (kind === 'int8' ? new Int8Linear(i, o, rng, name, { weightGrad: 'int8' }) : new Linear(i, o, rng, name));
  const F = (i: number, o: number, name: string) => new Linear(i, o, rng, name); // float32 in both models
  const bottom = new Sequential([F(DENSE, 512, 'bottom0'), new ReLU(), L(512, 256, 'bottom1'), new ReLU(), L(256, shape.dim, 'bottom2'), new ReLU()]);
  const topIn = interactionWidth(shape.tableRows.length + 1, shape.dim);
  const top = new Sequential([L(topIn, 512, 'top0'), new ReLU(), L(512, 256, 'top1'), new ReLU(), F(256, 1, 'top2')]);
  return { bottom, top };
}

export class Dlrm {
  readonly dim: number;
  readonly T: number;
  #offsets = new Int32Array(0);
  #vectors: Tensor<'float32'>[] = [];
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
    const b = ids[0].length;
    if (this.#offsets.length !== b) this.#offsets = Int32Array.from({ length: b }, (_, i) => i);
    const z0 = this.bottom.forward({ dtype: 'float32', shape: [b, DENSE], data: dense }, training);
    // z0 and one pooled vector per table; the top MLP reads z0 and their pairwise dot products.
    const vectors = [z0, ...this.tables.map((t, k) => embeddingBag(t, ids[k], { offsets: this.#offsets }))];
    const topIn = dotInteraction(vectors);
    if (training) {
      this.#vectors = vectors;
      this.#ids = ids;
    }
    return this.top.forward(topIn, training).data.slice();
  }

  /** Backward of the last training forward given dL/dlogit; returns the tables' sparse gradients. */
  backward(dLogits: Float32Array) {
    const b = dLogits.length;
    const dTop = this.top.backward({ dtype: 'float32', shape: [b, 1], data: dLogits }, true)!;
    const [dz0, ...dBags] = dotInteractionBackward(this.#vectors, dTop);
    this.bottom.backward(dz0, false);
    return this.tables.map((t, k) => embeddingBagBackward(t, this.#ids[k], { offsets: this.#offsets }, dBags[k]));
  }
}

/** The optimizers of a trainable model: Adam on the MLPs, row-wise Adagrad on each table. */
export function buildOptimizers(m: Dlrm, seed: number) {
  const mlp = new Adam([...m.bottom.params(), ...m.top.params()], { lr: 1e-3, fused: true });
  const tables = m.tables.map((t, k) => new RowwiseAdagrad(t, { lr: 0.05, seed: seed * 31 + k }));
  return {
    step(grads: ReturnType<Dlrm['backward']>) {
      mlp.step();
      grads.forEach((g, k) => tables[k].step(g));
    },
    stateBytes: () => mlp.stateBytes() + tables.reduce((s, o) => s + o.state.byteLength, 0),
  };
}
