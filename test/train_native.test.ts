/**
 * The native training passes: element-wise passes and Adam bit-identical to
 * the TypeScript loops they replaced; QAT's fake quantization bit-identical to
 * fakeQuantize; each fused int8 GEMM equal to quantize-then-quantizedMatmul
 * exactly (forward, input gradient, block-wise weight gradient); every ISA.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { info, ISAS, quantizedMatmul, setMaxIsa, setNumThreads, type Tensor } from '../lib';
import { fakeQuantize } from '../lib/quant/fake_quantize';
import { addBias, Adam, columnSums, quantizeColumnBlocks, quantizeRows, ReLU, rowBlocks, type Param } from '../lib/train';
import { nativeTrain } from '../lib/train/native_train';
import { rng } from './helpers/reference';
import { adamStepRef, biasReluRef, columnSumsRef } from './helpers/train_reference';

const isas = ISAS.slice(0, ISAS.indexOf(info().bestIsa) + 1);
const threads = info().threads;
after(() => {
  setMaxIsa('amx');
  setNumThreads(threads);
});

function values(n: number, seed: number, specials = true): Float32Array {
  const rand = rng(seed);
  const x = Float32Array.from({ length: n }, () => (rand() * 2 - 1) * 3);
  if (specials) [NaN, -0, 0, Infinity, -Infinity, 1e-45].forEach((v, k) => (x[(k * 7919) % n] = v));
  return x;
}

function eachIsa(fn: (isa: string) => void): void {
  for (const isa of isas) {
    setMaxIsa(isa as (typeof ISAS)[number]);
    fn(isa);
  }
}

describe('element-wise passes = the TypeScript loops', () => {
  const [rows, cols] = [37, 29];
  const y = values(rows * cols, 1), bias = values(cols, 2, false), dy = values(rows * cols, 3);

  it('bias add and ReLU (NaN stays NaN, -0 to +0), addBias', () => {
    for (const relu of [false, true]) {
      const want = biasReluRef(y, bias, cols, relu);
      eachIsa((isa) => {
        const got = y.slice();
        nativeTrain().biasRelu(got, rows, cols, bias, relu);
        assert.deepEqual(got, want, `${isa} relu ${relu}`);
        if (!relu) {
          const viaApi = y.slice();
          addBias(viaApi, bias);
          assert.deepEqual(viaApi, want);
        }
      });
    }
  });

  it('ReLU forward and backward, with the output or a bit mask', () => {
    const want = biasReluRef(y, undefined, cols, true);
    const wantDx = Float32Array.from(dy, (d, i) => (want[i] <= 0 ? 0 : d));
    assert.ok(y.some(Number.isNaN) && want.some(Number.isNaN), 'the input holds a NaN and ReLU keeps it');
    eachIsa((isa) => {
      for (const saved of ['float32', 'int8'] as const) {
        const relu = new ReLU({ savedActivations: saved });
        const out = relu.forward({ dtype: 'float32', shape: [rows, cols], data: y }, true);
        assert.deepEqual(out.data, want, `${isa} ${saved}`);
        assert.deepEqual(relu.backward({ dtype: 'float32', shape: [rows, cols], data: dy }).data, wantDx, `${isa} ${saved} backward`);
        assert.equal(relu.savedForBackward()[0].byteLength, saved === 'float32' ? 4 * rows * cols : Math.ceil((rows * cols) / 8));
      }
    });
  });

  it('allFinite over large arrays split across the pool: any NaN or +-Infinity in any chunk, at 1 and 2 threads', () => {
    const n = (1 << 20) * 3 + 5;  // several 1 MiB chunks and a partial one
    const x = new Float32Array(n).fill(1.5);
    for (const t of [1, 2]) {
      setNumThreads(t);
      assert.equal(nativeTrain().allFinite(x), true);
      for (const at of [0, (1 << 18) - 1, 1 << 18, n >> 1, n - 1]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          x[at] = bad;
          assert.equal(nativeTrain().allFinite(x), false, `${bad} at ${at}, ${t} threads`);
          x[at] = 1.5;
        }
      }
    }
    setNumThreads(threads);
  });

  it('column sums (float64, row order) and the STE mask', () => {
    const want = columnSumsRef(dy, cols);
    const mask = Uint8Array.from(dy, (_, i) => (i % 3 === 0 ? 0 : 1));
    const wantMasked = Float32Array.from(dy, (d, i) => (mask[i] ? d : 0));
    eachIsa((isa) => {
      const got = new Float32Array(cols);
      columnSums(dy, cols, got);
      assert.deepEqual(got, want, isa);
      const dx = dy.slice();
      nativeTrain().applyMask(dx, mask);
      assert.deepEqual(dx, wantMasked, isa);
    });
  });

  it('QAT input fake quantization = fakeQuantize per tensor (values and mask)', () => {
    const x = values(5003, 4); // not a multiple of 8: the vector code's tail too
    for (const [scale, zp, qmin, qmax] of [[0.0125, 128, 0, 255], [0.03, 0, 0, 255], [0.01, 3, -128, 127], [1e-30, 0, 0, 255], [0.02, 0, 0, 127], [0.02, 127, 0, 127]]) {
      const want = fakeQuantize(x, { scale, zeroPoint: zp, qmin, qmax });
      eachIsa((isa) => {
        const yq = new Float32Array(x.length), mask = new Uint8Array(x.length);
        nativeTrain().fakeQuantizeAffine(x, scale, zp, qmin, qmax, yq, mask);
        assert.deepEqual(yq, want.y, `${isa} scale ${scale}`);
        assert.deepEqual(mask, want.mask, `${isa} mask`);
        if (qmin < 0) return;
        // The uint8 levels from the same pass: y = (code - zp) * scale, NaN -> code 0.
        const codes = new Uint8Array(x.length).fill(77), y2 = new Float32Array(x.length), mask2 = new Uint8Array(x.length);
        nativeTrain().fakeQuantizeAffine(x, scale, zp, qmin, qmax, y2, mask2, codes);
        assert.deepEqual([y2, mask2], [want.y, want.mask], `${isa} with codes`);
        const wantCodes = Uint8Array.from(x, (v, i) => (Number.isNaN(v) ? 0 : Math.round(want.y[i] / scale) + zp));
        assert.deepEqual(codes, wantCodes, `${isa} codes`);
      });
    }
    const [y, mask, codes] = [new Float32Array(8), new Uint8Array(8), new Uint8Array(8)];
    assert.throws(() => nativeTrain().fakeQuantizeAffine(x.subarray(0, 8), 0.1, 0, -128, 127, y, mask, codes), { code: 'ERR_QGEMM_ZERO_POINT' });
    assert.throws(() => nativeTrain().fakeQuantizeAffine(x.subarray(0, 8), 0.1, 0, 0, 255, y, mask, codes.subarray(0, 7)), { code: 'ERR_QGEMM_OUT_OF_BOUNDS' });
  });
});

describe('native Adam = the TypeScript loop it replaced', () => {
  it('bit for bit over several steps, every ISA and thread count, with weight decay', () => {
    const sizes = [5, 1000, 70001];
    const opts = { lr: 2e-3, beta1: 0.85, beta2: 0.995, eps: 1e-7, weightDecay: 0.01 };
    const grads = [0, 1, 2].map((s) => sizes.map((n, k) => values(n, 10 * s + k, false)));
    const want = sizes.map((n, k) => ({ p: values(n, 50 + k, false), m: new Float32Array(n), v: new Float32Array(n) }));
    grads.forEach((g, s) => want.forEach((w, k) => adamStepRef(w.p, g[k], w.m, w.v, s + 1, opts)));
    eachIsa((isa) => {
      for (const t of [1, threads]) {
        setNumThreads(t);
        const ps: Param[] = sizes.map((n, k) => ({ name: `p${k}`, data: values(n, 50 + k, false), grad: new Float32Array(n) }));
        const adam = new Adam(ps, opts);
        for (const g of grads) {
          ps.forEach((p, k) => p.grad.set(g[k]));
          adam.step();
        }
        ps.forEach((p, k) => assert.deepEqual(p.data, want[k].p, `${isa} ${t} threads, param ${k}`));
      }
    });
  });
});

const i8 = (q: Int8Array, shape: number[]): Tensor<'int8'> => ({ dtype: 'int8', shape, data: q });

describe('fused int8 GEMMs = quantize, then quantizedMatmul', () => {
  const [rows, inF, outF] = [45, 70, 33];
  const x = values(rows * inF, 5, false), w = values(outF * inF, 6, false), bias = values(outF, 7, false), dy = values(rows * outF, 8, false);

  it('forward Y = X W^T (+ bias), W by rows', () => {
    const xq = quantizeRows(x, rows, inF);
    const wq = quantizeRows(w, outF, inF);
    const want = quantizedMatmul(i8(xq.q, [rows, inF]), i8(wq.q, [outF, inF]), { transposeB: true, aScale: xq.scales, bScale: wq.scales, bias }).data;
    eachIsa((isa) => {
      const b = { xQ: new Int8Array(rows * inF), xS: new Float32Array(rows), wR: new Int8Array(outF * inF), wRS: new Float32Array(outF) };
      const y = new Float32Array(rows * outF);
      nativeTrain().int8Forward(x, w, bias, rows, inF, outF, b.xQ, b.xS, b.wR, b.wRS, false, y);
      assert.deepEqual(y, want, isa);
      assert.deepEqual({ q: b.xQ, scales: b.xS }, xq);
      assert.deepEqual({ q: b.wR, scales: b.wRS }, wq);
    });
  });

  // Both widths: 70 takes the generic packs, 64 (whole 16-wide tiles) the fused blocks (AVX2, AVX-512).
  for (const [r, i, o] of [[rows, inF, outF], [40, 64, 48]] as const) {
    it(`input gradient dX = (dY diag(m)) Q, W = diag(s) Q by rows, m = s but 0 for a zero row (${r}x${o} by ${o}x${i})`, () => {
      const g = values(r * o, 18, false), wt = values(o * i, 16, false);
      wt.fill(0, 3 * i, 4 * i); // a zero row: its multiplier is 0, not its scale 1
      const wq = quantizeRows(wt, o, i);
      const m = wq.scales.map((s, row) => (row === 3 ? 0 : s));
      // m folded into dY: one float32 product per value (a double product of floats, rounded once, is that).
      const dq = quantizeRows(g.map((v, k) => v * m[k % o]), r, o);
      const want = quantizedMatmul(i8(dq.q, [r, o]), i8(wq.q, [o, i]), { aScale: dq.scales }).data;
      eachIsa((isa) => {
        const dx = new Float32Array(r * i), dyQ = new Int8Array(r * o), dyS = new Float32Array(r);
        nativeTrain().int8InputGrad(g, r, i, o, dyQ, dyS, wq.q, wq.scales, dx);
        assert.deepEqual(dx, want, isa);
        assert.deepEqual({ q: dyQ, scales: dyS }, dq, isa);
        // W quantized straight into packs (no int8 copy of W): the same dX and scales.
        const packs = nativeTrain().int8WeightPacks();
        const rowScales = new Float32Array(o);
        nativeTrain().quantizePackWeights(wt, o, i, rowScales, true, packs);
        assert.deepEqual(rowScales, wq.scales, isa);
        const dxPacked = new Float32Array(r * i);
        nativeTrain().int8InputGrad(g, r, i, o, new Int8Array(r * o), new Float32Array(r), undefined, rowScales, dxPacked, packs);
        assert.deepEqual(dxPacked, want, isa);
      });
    });
  }

  it('weight gradient dW = dY^T X in int8, per column within batch blocks, summed in float32 in block order', () => {
    for (const block of [0, 16, 20, 45]) {
      const blocks = rowBlocks(rows, block);
      const b = blocks === 1 ? rows : block;
      const dq = quantizeColumnBlocks(dy, rows, outF, { block, stochastic: true, seed: 99 });
      const xq = quantizeColumnBlocks(x, rows, inF, { block });
      const want = new Float32Array(outF * inF);
      for (let k = 0; k < blocks; k++) {
        const r0 = k * b, r1 = Math.min(rows, r0 + b);
        const part = quantizedMatmul(i8(dq.q.subarray(r0 * outF, r1 * outF), [r1 - r0, outF]), i8(xq.q.subarray(r0 * inF, r1 * inF), [r1 - r0, inF]), {
          transposeA: true, aScale: dq.scales.subarray(k * outF, (k + 1) * outF), bScale: xq.scales.subarray(k * inF, (k + 1) * inF),
        }).data as Float32Array;
        for (let i = 0; i < want.length; i++) want[i] = k === 0 ? part[i] : Math.fround(want[i] + part[i]);
      }
      eachIsa((isa) => {
        for (const t of [1, threads]) {
          setNumThreads(t);
          const dw = new Float32Array(outF * inF);
          nativeTrain().int8WeightGrad(dy, x, rows, inF, outF, block, 99, new Int8Array(rows * outF), new Float32Array(blocks * outF),
            new Int8Array(rows * inF), new Float32Array(blocks * inF), blocks > 1 ? new Float32Array(outF * inF) : undefined, dw);
          assert.deepEqual(dw, want, `block ${block} ${isa} ${t} threads`);
        }
      });
    }
  });

  it('refuses buffers that are too short, of the wrong type, or missing', () => {
    const y = new Float32Array(rows * outF);
    const ok = () => [new Int8Array(rows * inF), new Float32Array(rows), new Int8Array(outF * inF), new Float32Array(outF)] as const;
    const [xQ, xS, wR, wRS] = ok();
    assert.throws(() => nativeTrain().int8Forward(x, w, bias, rows, inF, outF, xQ.subarray(1), xS, wR, wRS, false, y), { code: 'ERR_QGEMM_OUT_OF_BOUNDS' });
    assert.throws(() => nativeTrain().int8Forward(x, w, bias, rows, inF, outF, xQ, xS, wR, wRS, false, new Float32Array(3)), { code: 'ERR_QGEMM_OUT_OF_BOUNDS' });
    assert.throws(() => nativeTrain().int8Forward(x, w, bias, rows, inF, outF, new Uint8Array(rows * inF) as unknown as Int8Array, xS, wR, wRS, false, y), { code: 'ERR_QGEMM_DTYPE' });
    assert.throws(() => nativeTrain().int8Forward(x, w, bias, rows, inF, outF, xQ, xS, wR, wRS, 1 as unknown as boolean, y), { code: 'ERR_QGEMM_ARG_TYPE' });
    assert.throws(() => nativeTrain().int8InputGrad(dy, rows, inF, outF, new Int8Array(rows * outF), new Float32Array(rows), wR, wRS.subarray(1), new Float32Array(rows * inF)), { code: 'ERR_QGEMM_OUT_OF_BOUNDS' });
    const rowsOnly = nativeTrain().int8WeightPacks();
    nativeTrain().int8Forward(x, w, bias, rows, inF, outF, xQ, xS, undefined, wRS, false, y, rowsOnly);
    assert.throws(() => nativeTrain().int8InputGrad(dy, rows, inF, outF, new Int8Array(rows * outF), new Float32Array(rows), undefined, wRS, new Float32Array(rows * inF), rowsOnly), { code: 'ERR_QGEMM_NATIVE' }); // no dX pack
    assert.throws(() => nativeTrain().int8Forward(x, w, bias, 2 ** 40, 2 ** 40, outF, xQ, xS, wR, wRS, false, y), { code: 'ERR_QGEMM_TOO_LARGE' });
    assert.throws(() => nativeTrain().int8WeightGrad(dy, x, rows, inF, outF, 10, 1, new Int8Array(rows * outF), new Float32Array(4 * outF), new Int8Array(rows * inF), new Float32Array(5 * inF), new Float32Array(outF * inF), new Float32Array(outF * inF)), { code: 'ERR_QGEMM_OUT_OF_BOUNDS' }); // 5 blocks of 10 rows
    assert.throws(() => nativeTrain().int8WeightGrad(dy, x, rows, inF, outF, 10, 1, new Int8Array(rows * outF), new Float32Array(5 * outF), new Int8Array(rows * inF), new Float32Array(5 * inF), undefined, new Float32Array(outF * inF)), { code: 'ERR_QGEMM_ARG_TYPE' }); // 2+ blocks need partial
    assert.throws(() => nativeTrain().adamStep(x, x.subarray(1), x, x, 0.9, 0.99, 0.1, 0.01, 1e-8, 0, 1e-3, 1), { code: 'ERR_QGEMM_OUT_OF_BOUNDS' });
    assert.throws(() => nativeTrain().quantizeColumnBlocks(x, rows, inF, 0, false, -1, new Int8Array(rows * inF), new Float32Array(inF)), { code: 'ERR_QGEMM_SHAPE' });
  });
});
