/**
 * The addon's embedding functions (binding/embedding_binding.cc), typed. Raw
 * calls: the binding checks every buffer and every id and offset; the
 * functions of lib/embedding are the API.
 */
import { native } from '../native';

type F32 = Float32Array;
type U8 = Uint8Array;
export type Indices = Int32Array | BigInt64Array;

export interface NativeEmbedding {
  bag(
    table: F32 | U8, rows: number, dim: number, format: number, ids: Indices, offsets: Indices, includeLastOffset: boolean,
    perSampleWeights: F32 | undefined, pooling: number, paddingIdx: number, out: F32,
  ): void;
  quantize(x: F32, rows: number, dim: number, format: number, out: U8): void;
  dequantize(table: U8, rows: number, dim: number, format: number, out: F32): void;
  bagBackward(
    rows: number, dim: number, format: number, ids: Indices, offsets: Indices, includeLastOffset: boolean,
    perSampleWeights: F32 | undefined, pooling: number, paddingIdx: number, dout: F32, idsOut: Int32Array, gradsOut: F32,
  ): number;
  rowwiseAdagrad(
    table: F32 | U8, rows: number, dim: number, format: number, ids: Int32Array, count: number, grads: F32,
    state: F32, lr: number, eps: number, weightDecay: number, seed: number, step: number,
  ): void;
  sparseAdam(
    table: F32 | U8, rows: number, dim: number, format: number, ids: Int32Array, count: number, grads: F32,
    m: F32, v: F32, beta1: number, beta2: number, eps: number, stepSize: number, weightDecay: number, seed: number, step: number,
  ): void;
  interaction(vectors: F32[], batch: number, dim: number, out: F32): void;
  interactionBackward(vectors: F32[], batch: number, dim: number, dOut: F32, grads: F32[]): void;
}

let cached: NativeEmbedding | undefined;

export function nativeEmbedding(): NativeEmbedding {
  cached ??= (native() as unknown as { embedding: NativeEmbedding }).embedding;
  return cached;
}
