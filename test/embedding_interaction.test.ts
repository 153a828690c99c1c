/**
 * dotInteraction and its backward against JS models that do the native
 * float32 operations in the same order (bit for bit): DLRM's pair order, the
 * 16 interleaved partial sums of each dot product and their pairwise fold;
 * the same bits on 1 and 2 threads; bad arguments refused with codes.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';

import { dotInteraction, dotInteractionBackward, info, interactionWidth, setNumThreads, tensor, type Tensor } from '../lib';
import { Rng } from '../lib/train/rng';

const f = Math.fround;

function dotModel(a: Float32Array, b: Float32Array, dim: number): number {
  const acc = new Array<number>(16).fill(0);
  let j = 0;
  for (; j + 16 <= dim; j += 16) for (let l = 0; l < 16; l++) acc[l] = f(acc[l] + f(a[j + l] * b[j + l]));
  for (let l = 0; j < dim; j++, l++) acc[l] = f(acc[l] + f(a[j] * b[j]));
  for (let w = 8; w > 0; w >>= 1) for (let l = 0; l < w; l++) acc[l] = f(acc[l] + acc[l + w]);
  return acc[0];
}

// DLRM: li, lj = [i for i in range(n) for j in range(i)], [j for i in range(n) for j in range(i)].
function pairs(n: number): [number, number][] {
  const p: [number, number][] = [];
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) p.push([i, j]);
  return p;
}

function forwardModel(z: Float32Array[], batch: number, dim: number): Float32Array {
  const n = z.length, width = interactionWidth(n, dim), out = new Float32Array(batch * width);
  for (let s = 0; s < batch; s++) {
    out.set(z[0].subarray(s * dim, (s + 1) * dim), s * width);
    pairs(n).forEach(([i, j], p) => {
      out[s * width + dim + p] = dotModel(z[i].subarray(s * dim, (s + 1) * dim), z[j].subarray(s * dim, (s + 1) * dim), dim);
    });
  }
  return out;
}

function backwardModel(z: Float32Array[], batch: number, dim: number, dOut: Float32Array): Float32Array[] {
  const n = z.length, width = interactionWidth(n, dim);
  const dz = z.map(() => new Float32Array(batch * dim));
  for (let s = 0; s < batch; s++) {
    for (let c = 0; c < dim; c++) dz[0][s * dim + c] = dOut[s * width + c];
    pairs(n).forEach(([i, j], p) => {
      const g = dOut[s * width + dim + p];
      for (let c = 0; c < dim; c++) dz[i][s * dim + c] = f(dz[i][s * dim + c] + f(g * z[j][s * dim + c]));
      for (let c = 0; c < dim; c++) dz[j][s * dim + c] = f(dz[j][s * dim + c] + f(g * z[i][s * dim + c]));
    });
  }
  return dz;
}

function randomVectors(rng: Rng, n: number, batch: number, dim: number): Tensor<'float32'>[] {
  return Array.from({ length: n }, () => tensor(new Float32Array(batch * dim).map(() => rng.uniform(-2, 2)), [batch, dim]));
}

it('dotInteraction and its backward equal the float32 models bit for bit (DLRM pair order, ragged dims)', () => {
  const rng = new Rng(5);
  for (const [n, batch, dim] of [[1, 3, 8], [2, 1, 1], [3, 4, 5], [9, 7, 64], [5, 3, 70], [4, 2, 16], [27, 2, 33]]) {
    const z = randomVectors(rng, n, batch, dim);
    const got = dotInteraction(z);
    assert.deepEqual(got.shape, [batch, dim + (n * (n - 1)) / 2]);
    assert.deepEqual(got.data, forwardModel(z.map((t) => t.data), batch, dim), `forward n=${n} batch=${batch} dim=${dim}`);
    const dOut = new Float32Array(got.data.length).map(() => rng.uniform(-1, 1));
    const dz = dotInteractionBackward(z, dOut);
    const want = backwardModel(z.map((t) => t.data), batch, dim, dOut);
    dz.forEach((g, k) => {
      assert.deepEqual(g.shape, [batch, dim]);
      assert.deepEqual(g.data, want[k], `backward n=${n} dim=${dim} vector ${k}`);
    });
  }
});

it('the pairs come in DLRM order: i = 1 .. n-1, then j = 0 .. i-1', () => {
  // z_k = 2^k in one column: z_i . z_j = 2^(i + j) names the pair.
  const n = 5, z = Array.from({ length: n }, (_, k) => tensor(Float32Array.of(2 ** k, 0), [1, 2]));
  // (1,0) (2,0) (2,1) (3,0) (3,1) (3,2) (4,0) (4,1) (4,2) (4,3), after z_0 = [1, 0]
  assert.deepEqual([...dotInteraction(z).data], [1, 0, 2, 4, 8, 8, 16, 32, 16, 32, 64, 128]);
});

it('dotInteraction and its backward give the same bits on 1 and 2 threads (work split across the pool)', () => {
  const rng = new Rng(9);
  const z = randomVectors(rng, 9, 513, 64);
  const dOut = new Float32Array(513 * interactionWidth(9, 64)).map(() => rng.uniform(-1, 1));
  const runs = [1, 2].map((t) => {
    setNumThreads(t);
    return { y: dotInteraction(z).data, dz: dotInteractionBackward(z, dOut).map((g) => g.data) };
  });
  setNumThreads(info().threads);
  assert.deepEqual(runs[0].y, runs[1].y);
  assert.deepEqual(runs[0].dz, runs[1].dz);
  assert.deepEqual(runs[0].y, forwardModel(z.map((t) => t.data), 513, 64));
});

it('dotInteraction writes into out when given one, and refuses bad arguments with codes', () => {
  const rng = new Rng(1);
  const z = randomVectors(rng, 3, 4, 8);
  const out = new Float32Array(4 * interactionWidth(3, 8));
  assert.equal(dotInteraction(z, { out }).data, out);
  const code = (fn: () => unknown, c: string) => assert.throws(fn, (e: { code?: string }) => e.code === c, c);
  code(() => dotInteraction([]), 'ERR_QGEMM_ARG_TYPE');
  code(() => dotInteraction('x' as never), 'ERR_QGEMM_ARG_TYPE');
  code(() => dotInteraction([z[0], tensor(new Float32Array(4 * 7), [4, 7])]), 'ERR_QGEMM_SHAPE');
  code(() => dotInteraction([z[0], { dtype: 'int8', shape: [4, 8], data: new Int8Array(32) } as never]), 'ERR_QGEMM_DTYPE');
  code(() => dotInteraction([{ dtype: 'float32', shape: [4, 9], data: new Float32Array(32) } as never]), 'ERR_QGEMM_SHAPE');
  code(() => dotInteraction(z, { out: new Float32Array(3) }), 'ERR_QGEMM_OUT');
  code(() => dotInteraction(Array.from({ length: 1025 }, () => z[0])), 'ERR_QGEMM_TOO_LARGE');
  code(() => dotInteractionBackward(z, new Float32Array(5)), 'ERR_QGEMM_SHAPE');
  code(() => dotInteractionBackward(z, new Int8Array(out.length) as never), 'ERR_QGEMM_DTYPE');
});
