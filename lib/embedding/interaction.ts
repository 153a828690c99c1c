/**
 * DLRM's dot interaction (dlrm_s_pytorch.py, arch_interaction_op 'dot',
 * self-interaction off): per sample, n vectors z_0 .. z_{n-1} of dim values
 * (z_0 the bottom MLP's output, z_k the bag of table k) give one row
 *   [z_0, z_i . z_j for i = 1 .. n-1, j = 0 .. i-1]     (DLRM's order)
 * of interactionWidth(n, dim) values, and its backward. Native, threaded
 * over samples; float32 sums in a fixed order, so the same bits on any
 * thread count (native/embedding/interaction.h).
 */
import { rangeError, show, typeError } from '../errors';
import { tensor, type Tensor } from '../tensor';
import { nativeEmbedding } from './native';

export interface DotInteractionOptions {
  /** Where to write the [batch, interactionWidth(n, dim)] result, instead of a new array. */
  out?: Float32Array;
}

/** Values per sample of the interaction of n vectors of dim values: dim + n(n-1)/2. */
export function interactionWidth(n: number, dim: number): number {
  return dim + (n * (n - 1)) / 2;
}

// The vectors' data and their common [batch, dim].
function checkVectors(vectors: readonly Tensor<'float32'>[]): { data: Float32Array[]; batch: number; dim: number } {
  if (!Array.isArray(vectors) || vectors.length === 0) {
    throw typeError('ERR_QGEMM_ARG_TYPE', `vectors must be a non-empty array of [batch, dim] float32 tensors, got ${show(vectors)}`);
  }
  if (vectors.length > 1024) throw rangeError('ERR_QGEMM_TOO_LARGE', `at most 1024 vectors interact, got ${vectors.length}`);
  const data: Float32Array[] = [];
  let batch = 0, dim = 0;
  vectors.forEach((v, k) => {
    if (typeof v !== 'object' || v === null || !(v.data instanceof Float32Array)) {
      throw typeError('ERR_QGEMM_DTYPE', `vectors[${k}] must be a float32 tensor, got ${show(v)}`);
    }
    const shape = v.shape;
    if (!Array.isArray(shape) || shape.length !== 2 || shape[0] * shape[1] !== v.data.length) {
      throw rangeError('ERR_QGEMM_SHAPE', `vectors[${k}] must be a [batch, dim] tensor, got shape ${show(shape)}`);
    }
    if (k === 0) [batch, dim] = shape;
    else if (shape[0] !== batch || shape[1] !== dim) {
      throw rangeError('ERR_QGEMM_SHAPE', `vectors[${k}] is [${shape}], vectors[0] is [${batch}, ${dim}]: all must match`);
    }
    data.push(v.data);
  });
  return { data, batch, dim };
}

/** The interaction of `vectors` (n tensors of [batch, dim]): a [batch, interactionWidth(n, dim)] tensor. */
export function dotInteraction(vectors: readonly Tensor<'float32'>[], options: DotInteractionOptions = {}): Tensor<'float32'> {
  const { data, batch, dim } = checkVectors(vectors);
  const width = interactionWidth(data.length, dim);
  let out = options?.out;
  if (out === undefined) out = new Float32Array(batch * width);
  else if (!(out instanceof Float32Array) || out.length !== batch * width) {
    throw rangeError('ERR_QGEMM_OUT', `out must be a Float32Array of ${batch} x ${width} values`);
  }
  nativeEmbedding().interaction(data, batch, dim, out);
  return tensor(out, [batch, width]);
}

/** The gradients of `vectors` (one [batch, dim] tensor each) given dOut, the gradient of dotInteraction(vectors). */
export function dotInteractionBackward(
  vectors: readonly Tensor<'float32'>[], dOut: Tensor<'float32'> | Float32Array,
): Tensor<'float32'>[] {
  const { data, batch, dim } = checkVectors(vectors);
  const dy = dOut instanceof Float32Array ? dOut : (dOut as Tensor<'float32'>)?.data;
  if (!(dy instanceof Float32Array)) throw typeError('ERR_QGEMM_DTYPE', `dOut must be float32, got ${show(dOut)}`);
  const width = interactionWidth(data.length, dim);
  if (dy.length !== batch * width) throw rangeError('ERR_QGEMM_SHAPE', `dOut must hold ${batch} x ${width} values, got ${dy.length}`);
  const grads = data.map(() => new Float32Array(batch * dim));
  nativeEmbedding().interactionBackward(data, batch, dim, dy, grads);
  return grads.map((g) => tensor(g, [batch, dim]));
}
