/**
 * The native symmetric int8 quantizers of the training path (scalar and AVX2)
 * are bit-identical to the TypeScript loops they replaced
 * (test/helpers/train_reference.ts), on tricky values, odd shapes and every ISA.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { info, ISAS, setMaxIsa, setNumThreads } from '../lib';
import { fakeQuantizeRows, quantizeColumnBlocks, quantizeColumns, quantizeRows, quantizeRowsColumns, rowBlocks } from '../lib/train/symmetric';
import { nativeTrain } from '../lib/train/native_train';
import { rng } from './helpers/reference';
import { fakeQuantizeRowsRef, quantizeColumnBlocksRef, quantizeColumnsRef, quantizeRowsRef, stochasticHash, stochasticLevel, stochasticUniform } from './helpers/train_reference';

const isas = ISAS.slice(0, ISAS.indexOf(info().bestIsa) + 1);
const threads = info().threads;
after(() => {
  setMaxIsa('amx');
  setNumThreads(threads);
});

/** Mostly ordinary values, with NaN, infinities, zeros, denormals, exact ties and an all-zero row. */
function tricky(rows: number, cols: number, seed: number): Float32Array {
  const rand = rng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3e38];
  const x = new Float32Array(rows * cols);
  for (let i = 0; i < x.length; i++) {
    const r = rand();
    if (r < 0.01) x[i] = specials[Math.floor(rand() * specials.length)];
    else if (r < 0.3) x[i] = (Math.floor(rand() * 254) - 127 + 0.5) / 64; // ties once scaled by amax/127 = 1/64
    else x[i] = (rand() * 2 - 1) * 2;
  }
  if (rows > 2) x.fill(0, cols, 2 * cols);
  // Pin some rows' amax to 127/64 so that scale = 1/64 and the .5 values tie exactly.
  for (let r = 0; r < rows; r += 3) if (cols > 0 && !Number.isNaN(x[r * cols])) x[r * cols] = 127 / 64;
  return x;
}

const SHAPES: [number, number][] = [[1, 1], [3, 31], [7, 33], [17, 64], [64, 65], [129, 257], [200, 1000], [0, 5], [5, 0]];

describe('native symmetric int8 = the TypeScript reference, every ISA', () => {
  for (const [rows, cols] of SHAPES) {
    it(`rows, columns, both at once, fake-quantize: ${rows}x${cols}`, () => {
      const x = tricky(rows, cols, rows * 1000 + cols);
      const wantRows = quantizeRowsRef(x, rows, cols);
      const wantCols = quantizeColumnsRef(x, rows, cols);
      const wantFake = fakeQuantizeRowsRef(x, rows, cols);
      for (const isa of isas) {
        setMaxIsa(isa);
        for (const n of [1, threads]) {
          setNumThreads(n);
          assert.deepEqual(quantizeRows(x, rows, cols), wantRows, `rows ${isa} ${n} threads`);
          assert.deepEqual(quantizeColumns(x, rows, cols), wantCols, `columns ${isa}`);
          assert.deepEqual(quantizeRowsColumns(x, rows, cols), { rows: wantRows, columns: wantCols }, `both ${isa}`);
          assert.deepEqual(fakeQuantizeRows(x, rows, cols), wantFake, `fake ${isa}`);
          // With q: the rows' int8 levels from the same pass (QAT's int8 forward).
          const [y, scales, q] = [new Float32Array(rows * cols), new Float32Array(rows), new Int8Array(rows * cols)];
          nativeTrain().fakeQuantizeRows(x, rows, cols, y, scales, q);
          assert.deepEqual({ y, scales, q }, { ...wantFake, q: wantRows.q }, `fake + levels ${isa}`);
        }
      }
    });
  }

  it('column blocks, nearest and stochastic, for several block sizes', () => {
    const [rows, cols] = [300, 77];
    const x = tricky(rows, cols, 5);
    for (const block of [0, 1, 64, 100, 128, 300, 1000]) {
      for (const stochastic of [false, true]) {
        const want = quantizeColumnBlocksRef(x, rows, cols, block, stochastic, 0xdeadbeef);
        assert.equal(want.scales.length, rowBlocks(rows, block) * cols);
        for (const isa of isas) {
          setMaxIsa(isa);
          for (const n of [1, threads]) {
            setNumThreads(n);
            assert.deepEqual(quantizeColumnBlocks(x, rows, cols, { block, stochastic, seed: 0xdeadbeef }), want, `block ${block} ${stochastic} ${isa} ${n}`);
          }
        }
      }
    }
  });
});

describe('stochastic rounding', () => {
  it('is unbiased: the mean of many rounded copies of v approaches v', () => {
    // One column of n equal values plus the amax 127: q = floor(v + u) with u uniform, so mean(q) -> v.
    const n = 20000;
    for (const v of [0.3, -41.75, 2.5]) {
      const x = new Float32Array(n + 1).fill(v);
      x[n] = 127;
      const { q } = quantizeColumnBlocks(x, n + 1, 1, { block: 0, stochastic: true, seed: 7 });
      let sum = 0;
      for (let i = 0; i < n; i++) sum += q[i];
      assert.ok(Math.abs(sum / n - v) < 0.02, `mean ${sum / n} for ${v}`);
      for (let i = 0; i < n; i++) assert.ok(q[i] === Math.floor(v) || q[i] === Math.ceil(v));
    }
  });

  it('depends on the seed and not on the thread count', () => {
    const x = tricky(256, 256, 11);
    const a = quantizeColumnBlocks(x, 256, 256, { block: 64, stochastic: true, seed: 1 });
    const b = quantizeColumnBlocks(x, 256, 256, { block: 64, stochastic: true, seed: 2 });
    assert.notDeepEqual(a.q, b.q);
    setNumThreads(1);
    assert.deepEqual(quantizeColumnBlocks(x, 256, 256, { block: 64, stochastic: true, seed: 1 }), a);
    setNumThreads(threads);
  });

  it('the reference helpers: hash bits, u in [0, 1), floor semantics', () => {
    assert.equal(stochasticHash(0, 0), 0);
    assert.notEqual(stochasticHash(0, 1), stochasticHash(1, 0));
    assert.equal(stochasticUniform(0xffffffff), 1 - 2 ** -24);
    assert.equal(stochasticLevel(1.5, 1, 0.5), 2);
    assert.equal(stochasticLevel(1.5, 1, 0.49), 1);
    assert.equal(stochasticLevel(NaN, 1, 0.5), 0);
    assert.equal(stochasticLevel(1e9, 1, 0), 127);
  });
});

describe('argument checks', () => {
  it('coded errors for bad shapes, types and options', () => {
    const x = new Float32Array(6);
    assert.throws(() => quantizeRows(x, 2, 4), { code: 'ERR_QGEMM_DATA_LENGTH' });
    assert.throws(() => quantizeRows(x, -2, -3), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => quantizeRows(new Float64Array(6) as unknown as Float32Array, 2, 3), { code: 'ERR_QGEMM_ARG_TYPE' });
    assert.throws(() => quantizeColumnBlocks(x, 2, 3, { block: -1 }), { code: 'ERR_QGEMM_OPTION' });
    assert.throws(() => quantizeColumnBlocks(x, 2, 3, { block: 1, seed: 2 ** 32 }), { code: 'ERR_QGEMM_OPTION' });
  });
});
