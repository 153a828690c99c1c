/**
 * Deterministic bench operands. int8 data is full range on purpose: that is
 * what exposes the int16 saturation of vpmaddubsw-based int8 paths.
 */
import { tensor, Tensor } from '../lib';
import type { Shape } from './shapes';

/** xorshift32: fast, seedable, good enough for filling matrices. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

export interface Operands {
  shape: Shape;
  aU8: Tensor<'uint8'>;
  aS8: Tensor<'int8'>;
  b: Tensor<'int8'>;
  aF32: Tensor<'float32'>;
  bF32: Tensor<'float32'>;
}

export function makeOperands(shape: Shape, seed = 1): Operands {
  const { m, n, k } = shape;
  const next = rng(seed * 2654435761);
  const aU8 = new Uint8Array(m * k);
  for (let i = 0; i < aU8.length; i++) aU8[i] = next() & 255;
  const aS8 = new Int8Array(aU8.buffer.slice(0));
  const b = new Int8Array(k * n);
  for (let i = 0; i < b.length; i++) b[i] = next() & 255;
  // fp32 values in [-1, 1): keeps sums well inside float range.
  const aF32 = Float32Array.from(aS8, (v) => v / 128);
  const bF32 = Float32Array.from(b, (v) => v / 128);
  return {
    shape,
    aU8: tensor(aU8, [m, k]),
    aS8: tensor(aS8, [m, k]),
    b: tensor(b, [k, n]),
    aF32: tensor(aF32, [m, k]),
    bF32: tensor(bF32, [k, n]),
  };
}
