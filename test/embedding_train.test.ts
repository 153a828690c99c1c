/**
 * Training tables: the sparse backward against a JS model, the fused sparse
 * optimizers against JS models (float32 tables, exact), rows outside the
 * gradient never written (byte for byte, tables and optimizer state), and
 * the rowwise8 tables' stochastic rounding: deterministic per seed on any
 * thread count, and unbiased.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';

import {
  dequantizeTable, embeddingBag, embeddingBagBackward, embeddingTable, quantizeTable, RowwiseAdagrad, setNumThreads,
  SparseAdam, tensor, info, type EmbeddingTable,
} from '../lib';
import { Rng } from '../lib/train/rng';

const f = Math.fround;

function randomTable(rows: number, dim: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return new Float32Array(rows * dim).map(() => f(rng.uniform(-1, 1)));
}

function randomBags(rng: Rng, rows: number, bags: number, maxLen: number) {
  const ids: number[] = [], offsets: number[] = [];
  for (let b = 0; b < bags; b++) {
    offsets.push(ids.length);
    const len = Math.floor(rng.uniform(0, maxLen + 1));
    for (let i = 0; i < len; i++) ids.push(Math.floor(rng.uniform(0, rows)));
  }
  return { ids: Int32Array.from(ids), offsets: Int32Array.from(offsets) };
}

it('backward: distinct rows ascending, gradients summed in id order (sum, weights, mean, padding)', () => {
  const rng = new Rng(3);
  const rows = 30, dim = 7, bags = 9;
  const t = embeddingTable('float32', rows, dim, randomTable(rows, dim, 1));
  const { ids, offsets } = randomBags(rng, rows, bags, 12);
  const dOut = new Float32Array(bags * dim).map(() => f(rng.uniform(-1, 1)));
  const w = new Float32Array(ids.length).map(() => f(rng.uniform(-2, 2)));
  for (const [mode, weights, pad] of [['sum', undefined, -1], ['sum', w, -1], ['mean', undefined, ids[0]]] as const) {
    const g = embeddingBagBackward(t, ids, { offsets, mode, perSampleWeights: weights, paddingIdx: pad >= 0 ? pad : undefined }, dOut);
    const want = new Map<number, Float32Array>();
    for (let b = 0; b < bags; b++) {
      const end = b + 1 < bags ? offsets[b + 1] : ids.length;
      let n = 0;
      for (let i = offsets[b]; i < end; i++) n += ids[i] !== pad ? 1 : 0;
      for (let i = offsets[b]; i < end; i++) {
        if (ids[i] === pad) continue;
        const c = mode === 'mean' ? f(1 / n) : weights ? weights[i] : 1;
        const row = want.get(ids[i]) ?? new Float32Array(dim);
        for (let k = 0; k < dim; k++) row[k] = f(row[k] + f(c * dOut[b * dim + k]));
        want.set(ids[i], row);
      }
    }
    const sorted = [...want.keys()].sort((a, b) => a - b);
    assert.deepEqual([...g.rows], sorted, mode);
    sorted.forEach((id, u) => assert.deepEqual(g.grads.subarray(u * dim, (u + 1) * dim), want.get(id), `${mode} row ${id}`));
  }
  assert.throws(() => embeddingBagBackward(t, ids, { offsets, mode: 'max' }, dOut), { code: 'ERR_QGEMM_OPTION' });
  assert.throws(() => embeddingBagBackward(t, ids, { offsets }, new Float32Array(3)), { code: 'ERR_QGEMM_SHAPE' });
  assert.throws(() => embeddingBagBackward(t, Int32Array.of(rows), { offsets: Int32Array.of(0) }, new Float32Array(dim)), { code: 'ERR_QGEMM_INDEX' });
});

it('backward is the gradient of the lookup: <dOut, bag(T + e)> - <dOut, bag(T)> = <grad, e> for a one-hot e', () => {
  const rows = 6, dim = 3;
  const x = randomTable(rows, dim, 4);
  const ids = Int32Array.of(1, 4, 1, 2), offsets = Int32Array.of(0, 2);
  const dOut = Float32Array.of(1, 2, 3, -1, 0.5, 0.25);
  const g = embeddingBagBackward(embeddingTable('float32', rows, dim, x), ids, { offsets }, dOut);
  const u = [...g.rows].indexOf(1);
  // Row 1 appears once in each bag: its gradient is dOut[0] + dOut[1].
  assert.deepEqual([...g.grads.subarray(u * dim, u * dim + dim)], [0, 2.5, 3.25]);
});

// JS models of the optimizers on float32 tables, in float32 as the native code.
function adagradModel(w: Float32Array, state: Float32Array, dim: number, rows: Int32Array, grads: Float32Array, lr: number, eps: number) {
  rows.forEach((id, u) => {
    let sum = 0;
    for (let k = 0; k < dim; k++) sum = f(sum + f(grads[u * dim + k] * grads[u * dim + k]));
    const h = f(state[id] + f(sum / dim));
    state[id] = h;
    const step = f(f(lr) / f(f(Math.sqrt(h)) + f(eps)));
    for (let k = 0; k < dim; k++) w[id * dim + k] = f(w[id * dim + k] - f(step * grads[u * dim + k]));
  });
}

function touchedStep(opt: 'adagrad' | 'adam', table: EmbeddingTable, seed = 5) {
  const rng = new Rng(11);
  const { ids, offsets } = randomBags(rng, table.rows, 4, 5);
  const dOut = new Float32Array(4 * table.dim).map(() => f(rng.uniform(-1, 1)));
  const g = embeddingBagBackward(table, ids, { offsets }, dOut);
  const o = opt === 'adagrad' ? new RowwiseAdagrad(table, { lr: 0.05, seed }) : new SparseAdam(table, { lr: 0.01, seed });
  return { g, o };
}

it('row-wise Adagrad on a float32 table: exactly the model, two steps', () => {
  const rows = 50, dim = 9;
  const x = randomTable(rows, dim, 2);
  const t = embeddingTable('float32', rows, dim, x.slice());
  const { g, o } = touchedStep('adagrad', t);
  const w = x.slice(), state = new Float32Array(rows);
  for (let s = 0; s < 2; s++) {
    assert.equal(o.step(g), g.count);
    adagradModel(w, state, dim, g.rows, g.grads, 0.05, 1e-8);
  }
  assert.deepEqual(t.data, w);
  assert.deepEqual((o as RowwiseAdagrad).state, state);
});

it('only the looked-up rows are written: tables (float32, rowwise8) and optimizer state, byte for byte', () => {
  const rows = 200, dim = 16;
  for (const format of ['float32', 'rowwise8'] as const) {
    for (const opt of ['adagrad', 'adam'] as const) {
      const x = randomTable(rows, dim, 9);
      const t = format === 'float32' ? embeddingTable('float32', rows, dim, x) : quantizeTable(tensor(x, [rows, dim]), 'rowwise8');
      const before = new Uint8Array(t.data.buffer.slice(0));
      const { g, o } = touchedStep(opt, t);
      assert.ok(g.count > 0 && g.count < rows / 2);
      o.step(g);
      const after = new Uint8Array(t.data.buffer);
      const rb = t.data.byteLength / rows;
      const touched = new Set(g.rows);
      let changedRows = 0;
      for (let r = 0; r < rows; r++) {
        const same = after.subarray(r * rb, (r + 1) * rb).every((v, i) => v === before[r * rb + i]);
        if (touched.has(r)) changedRows += same ? 0 : 1;
        else assert.ok(same, `${format} ${opt}: row ${r} was not looked up but changed`);
      }
      assert.equal(changedRows, g.count, `${format} ${opt}: every touched row changed`);
      const states = o instanceof RowwiseAdagrad ? [[o.state, 1]] : [[(o as SparseAdam).m, dim], [(o as SparseAdam).v, dim]];
      for (const [s, per] of states as [Float32Array, number][]) {
        for (let r = 0; r < rows; r++) {
          const zero = s.subarray(r * per, (r + 1) * per).every((v) => v === 0);
          assert.equal(zero, !touched.has(r), `${format} ${opt}: state of row ${r}`);
        }
      }
    }
  }
});

it('rowwise8 training is deterministic per seed, on 1 or 2 threads; another seed differs', () => {
  const rows = 300, dim = 24, x = randomTable(rows, dim, 6);
  const run = (seed: number, threads: number) => {
    setNumThreads(threads);
    const t = quantizeTable(tensor(x, [rows, dim]), 'rowwise8');
    const rng = new Rng(8);
    const opt = new SparseAdam(t, { lr: 0.01, seed });
    for (let s = 0; s < 5; s++) {
      const { ids, offsets } = randomBags(rng, rows, 64, 20);
      const dOut = new Float32Array(64 * dim).map(() => f(rng.uniform(-1, 1)));
      opt.step(embeddingBagBackward(t, ids, { offsets }, dOut));
    }
    return t.data;
  };
  try {
    const a = run(1, 1), b = run(1, Math.max(2, info().availableCpus)), c = run(2, 1);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  } finally {
    setNumThreads(info().availableCpus);
  }
});

it('stochastic rounding keeps updates smaller than a code step, in expectation', () => {
  // One row spanning [-1, 1] (step 2/255); every value moved by 1/20 of a step.
  const dim = 64, x = Float32Array.from({ length: dim }, (_, k) => (k === 0 ? -1 : k === 1 ? 1 : f(-1 + (2 * k) / dim)));
  const grads = new Float32Array(dim).fill(1);
  grads[0] = grads[1] = 0; // the range stays
  const target = 2 / 255 / 20, trials = 400;
  let moved = 0;
  for (let seed = 0; seed < trials; seed++) {
    const t = quantizeTable(tensor(x, [1, dim]), 'rowwise8');
    const before = dequantizeTable(t).data;
    // Adagrad's first step moves each value by lr / sqrt(mean(g^2)) * g = lr * g / sqrt(62 / 64).
    const lr = f(target * Math.sqrt(62 / 64));
    new RowwiseAdagrad(t, { lr, seed }).step({ dim, count: 1, rows: Int32Array.of(0), grads });
    const after = dequantizeTable(t).data;
    for (let k = 2; k < dim; k++) moved += before[k] - after[k];
  }
  const mean = moved / (trials * (dim - 2));
  assert.ok(Math.abs(mean - target) < 0.1 * target, `mean move ${mean} vs ${target}`);
});

it('bad gradients and tables: coded errors', () => {
  const t = embeddingTable('float32', 4, 2, new Float32Array(8));
  const o = new RowwiseAdagrad(t);
  assert.throws(() => o.step({ dim: 2, count: 2, rows: Int32Array.of(2, 1), grads: new Float32Array(4) }), { code: 'ERR_QGEMM_INDEX' });
  assert.throws(() => o.step({ dim: 2, count: 1, rows: Int32Array.of(4), grads: new Float32Array(2) }), { code: 'ERR_QGEMM_INDEX' });
  assert.throws(() => o.step({ dim: 3, count: 1, rows: Int32Array.of(0), grads: new Float32Array(3) }), { code: 'ERR_QGEMM_SHAPE' });
  assert.throws(() => new SparseAdam(quantizeTable(tensor(new Float32Array(8), [4, 2]), 'rowwise4')), { code: 'ERR_QGEMM_OPTION' });
  assert.throws(() => new RowwiseAdagrad(t, { lr: -1 }), { code: 'ERR_QGEMM_OPTION' });
  assert.equal(o.steps, 0);
  // The lookup still sees the trained values.
  assert.deepEqual(embeddingBag(t, Int32Array.of(0), { offsets: Int32Array.of(0) }).data, new Float32Array(2));
});
