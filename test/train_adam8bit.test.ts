/**
 * 8-bit Adam: the dynamic codes and the block-wise quantization of states
 * equal the numpy reference written from Dettmers et al. 2022
 * (scripts/make_blockwise_fixtures.py); the float8 codes equal their
 * definition written here with float64 arithmetic (not the native bit
 * tricks); the native 8-bit step (every ISA, every thread count, both codes)
 * equals a float32 TypeScript reference of the update; small tensors take
 * Adam's exact step; state is ~4x smaller; it trains.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { info, ISAS, setMaxIsa, setNumThreads } from '../lib';
import { Adam, Adam8bit, ADAM8BIT_BLOCK, Linear, ReLU, Rng, Sequential, softmaxCrossEntropy, type Param } from '../lib/train';
import { nativeTrain } from '../lib/train/native_train';
import { rng } from './helpers/reference';

const isas = ISAS.slice(0, ISAS.indexOf(info().bestIsa) + 1);
const threads = info().threads;
after(() => {
  setMaxIsa('amx');
  setNumThreads(threads);
});
const f32 = Math.fround;

interface Enc { f32?: string; u8?: string; shape: number[] }
function decode(e: Enc): Float32Array | Uint8Array {
  if (e.u8 !== undefined) return new Uint8Array(Buffer.from(e.u8, 'base64'));
  const b = Buffer.from(e.f32!, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'train', 'blockwise.json'), 'utf8')) as {
  block: number; signedCode: Enc; unsignedCode: Enc;
  cases: { name: string; signed: boolean; x: Enc; q: Enc; absmax: Enc; dequantized: Enc }[];
};

describe('block-wise quantization of states against the numpy reference', () => {
  it('the signed and unsigned dynamic codes', () => {
    assert.equal(fixture.block, ADAM8BIT_BLOCK);
    assert.deepEqual(nativeTrain().dynamicCode(true), decode(fixture.signedCode));
    assert.deepEqual(nativeTrain().dynamicCode(false), decode(fixture.unsignedCode));
  });

  for (const c of fixture.cases) {
    it(`quantize and dequantize: ${c.name} (${c.signed ? 'signed' : 'unsigned'} code)`, () => {
      const x = decode(c.x) as Float32Array;
      const blocks = Math.ceil(x.length / fixture.block);
      const q = new Uint8Array(x.length), absmax = new Float32Array(blocks);
      nativeTrain().blockwiseQuantize(x, fixture.block, c.signed, q, absmax, 0);
      assert.deepEqual(absmax, decode(c.absmax));
      assert.deepEqual(q, decode(c.q));
      const back = new Float32Array(x.length);
      nativeTrain().blockwiseDequantize(q, absmax, fixture.block, c.signed, back, 0);
      assert.deepEqual(back, decode(c.dequantized));
    });
  }
});

/** Round half to even (the float8 codes' mantissa rounding). */
const roundHalfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/**
 * The float8 code of y from its definition (native/train/float8_code.h): |y| = 2^e * f, f in [1, 2),
 * the mantissa rounded to 3 bits (ties to even), codes below the smallest are 0, above 1 are 1;
 * the sign in bit 7 (signed); NaN 0; an unsigned positive y at least code 1, other unsigned y 0.
 */
function float8Code(y: number, signed: boolean): number {
  if (Number.isNaN(y) || (!signed && !(y > 0))) return 0;
  const a = Math.abs(y);
  let c = 0;
  if (a > 0) {
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e--;
    if (2 ** (e + 1) <= a) e++;
    let q = roundHalfEven((a / 2 ** e - 1) * 8);
    if (q === 8) [e, q] = [e + 1, 0];
    c = Math.min(Math.max((e + (signed ? 15 : 31)) * 8 + q, 0), signed ? 120 : 248);
  }
  if (!signed) return Math.max(c, 1);
  return c === 0 ? 0 : c | (y < 0 ? 128 : 0);
}

/** The float8 codes' block normalization (float8::Normalizer): (x * s) * (1 / (max * s)), s = 2^64 under 2^-125. */
function float8Normalize(x: number, max: number): number {
  if (!(max > 0)) return f32(x * 0);
  const s = max < 2 ** -125 ? 2 ** 64 : 1;
  return f32(f32(x * s) * f32(1 / f32(max * s)));
}

function float8Value(c: number, signed: boolean): number {
  const mag = signed ? c & 127 : c;
  if (mag === 0) return 0;
  const v = 2 ** ((mag >> 3) - (signed ? 15 : 31)) * (1 + (mag & 7) / 8);
  return signed && c & 128 ? -v : v;
}

describe('the float8 state codes against their definition', () => {
  // Every code value, the midpoints between neighbours (ties), just above and below them, values
  // under the smallest code and above 1, zeros, NaN.
  const probes = (signed: boolean): number[] => {
    const values = Array.from({ length: signed ? 121 : 249 }, (_, c) => float8Value(c, signed));
    const ys: number[] = [0, -0, NaN, 1, 1.5, 2, 1e-30, 2 ** -40, 2 ** -16, 2 ** -32, 2 ** -15 * 1.0625, 2 ** -31 * 1.0625];
    for (let c = 0; c + 1 < values.length; c++) {
      const mid = f32((values[c] + values[c + 1]) / 2);
      ys.push(values[c], mid, f32(mid * (1 + 2 ** -20)), f32(mid * (1 - 2 ** -20)));
    }
    return signed ? ys.flatMap((y) => [y, -y]) : ys;
  };
  for (const signed of [true, false]) {
    it(`${signed ? 'signed' : 'unsigned'}: block-wise quantize and dequantize`, () => {
      const ys = probes(signed);
      // One block whose maximum is 1, so the codes see y itself (y * (1 / 1)).
      const x = Float32Array.from([1, ...ys.map((y) => (Number.isNaN(y) || Math.abs(y) <= 1 ? y : 0))]);
      const q = new Uint8Array(x.length), absmax = new Float32Array(1);
      nativeTrain().blockwiseQuantize(x, x.length, signed, q, absmax, 1);
      assert.equal(absmax[0], 1);
      const want = Uint8Array.from(x, (y) => float8Code(y, signed));
      assert.deepEqual(q, want);
      const back = new Float32Array(x.length);
      nativeTrain().blockwiseDequantize(q, absmax, x.length, signed, back, 1);
      assert.deepEqual(back, Float32Array.from(want, (c) => float8Value(c, signed)));
      // Scaled blocks: normalized by the block's maximum.
      const big = Float32Array.from(ys.filter((y) => !Number.isNaN(y)), (y) => y * 3);
      const q2 = new Uint8Array(big.length), absmax2 = new Float32Array(1);
      nativeTrain().blockwiseQuantize(big, big.length, signed, q2, absmax2, 1);
      assert.deepEqual(q2, Uint8Array.from(big, (y) => float8Code(float8Normalize(y, absmax2[0]), signed)));
    });

    it(`${signed ? 'signed' : 'unsigned'}: a block whose maximum is subnormal keeps its codes (1 / max would overflow)`, () => {
      const max = 1e-40; // subnormal in float32: 1 / max is past FLT_MAX
      const x = Float32Array.from([max, max / 2, max / 4, max / 3, 0]);
      const q = new Uint8Array(x.length), absmax = new Float32Array(1);
      nativeTrain().blockwiseQuantize(x, x.length, signed, q, absmax, 1);
      assert.deepEqual(q, Uint8Array.from(x, (y) => float8Code(float8Normalize(y, absmax[0]), signed)));
      const back = new Float32Array(x.length);
      nativeTrain().blockwiseDequantize(q, absmax, x.length, signed, back, 1);
      assert.ok(Math.abs(back[1] / x[0] - 0.5) < 0.01 && Math.abs(back[2] / x[0] - 0.25) < 0.01, `${Array.from(back)}`);
    });
  }
});

const FLT_MAX = 3.4028234663852886e38;
/** Moments saturate at +-FLT_MAX (NaN kept): one huge gradient never makes a block's maximum infinite. */
const saturate = (x: number) => (x > FLT_MAX ? FLT_MAX : x < -FLT_MAX ? -FLT_MAX : x);

/** The 8-bit step from its definition, in float32 (Math.fround after every operation). */
function adam8bitRef(p: Float32Array, g: Float32Array, qm: Uint8Array, qv: Uint8Array, absm: Float32Array, absv: Float32Array, h: Float32Array, code: 0 | 1): void {
  const [b1, b2, omb1, omb2, eps, wd, step, c2] = h;
  const codes = code === 1
    ? [true, false].map((signed) => Float32Array.from({ length: 256 }, (_, c) => float8Value(c, signed)))
    : [nativeTrain().dynamicCode(true), nativeTrain().dynamicCode(false)];
  const mids = codes.map((c) => Float32Array.from({ length: 255 }, (_, j) => f32(f32(c[j] + c[j + 1]) * 0.5)));
  const nearest = (k: number, y: number) => {
    let lo = 0, hi = 255; // the count of mids < y
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (mids[k][mid] < y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let b = 0; b * ADAM8BIT_BLOCK < p.length; b++) {
    const i0 = b * ADAM8BIT_BLOCK, i1 = Math.min(p.length, i0 + ADAM8BIT_BLOCK);
    const tm: number[] = [], tv: number[] = [];
    let am = 0, av = 0;
    for (let i = i0; i < i1; i++) {
      const gi = f32(g[i] + f32(wd * p[i]));
      const mi = saturate(f32(f32(b1 * f32(codes[0][qm[i]] * absm[b])) + f32(omb1 * gi)));
      const vi = saturate(f32(f32(b2 * f32(codes[1][qv[i]] * absv[b])) + f32(f32(omb2 * gi) * gi)));
      p[i] = f32(p[i] - f32(f32(step * mi) / f32(f32(f32(Math.sqrt(vi)) / c2) + eps)));
      tm.push(mi);
      tv.push(vi);
      if (Math.abs(mi) > am) am = Math.abs(mi);
      if (vi > av) av = vi;
    }
    absm[b] = am;
    absv[b] = av;
    for (let i = i0; i < i1; i++) {
      if (code === 1) {
        qm[i] = float8Code(float8Normalize(tm[i - i0], am), true);
        qv[i] = float8Code(float8Normalize(tv[i - i0], av), false);
        continue;
      }
      qm[i] = nearest(0, am > 0 ? f32(tm[i - i0] / am) : 0);
      const y = av > 0 ? f32(tv[i - i0] / av) : 0;
      qv[i] = Math.max(nearest(1, y), y > 0 ? 1 : 0); // a positive second moment never becomes 0
    }
  }
}

/** Gradients spanning `decades` orders of magnitude within each block. */
function gradients(n: number, seed: number, decades = 9): Float32Array {
  const rand = rng(seed);
  const g = Float32Array.from({ length: n }, (_, i) => (rand() - 0.5) * 10 ** -(i % decades));
  g.fill(0, ADAM8BIT_BLOCK, ADAM8BIT_BLOCK + 300); // part of a block without gradient
  return g;
}

describe('the native 8-bit Adam step', () => {
  it('one huge finite gradient (squares past float32) never turns its block into NaN at the next clean step', () => {
    const n = 2 * ADAM8BIT_BLOCK;
    const h = Float32Array.of(0.9, 0.999, 0.1, 0.001, 1e-8, 0, 1e-3, 0.5);
    for (const isa of isas) {
      setMaxIsa(isa);
      for (const code of [0, 1] as const) {
        const p = gradients(n, 5), qm = new Uint8Array(n), qv = new Uint8Array(n), absm = new Float32Array(2), absv = new Float32Array(2);
        const huge = gradients(n, 6).map((x) => x * 1e-3);
        huge[100] = 6e20;
        nativeTrain().adam8bitStep(p, huge, qm, qv, absm, absv, h, code);
        for (let s = 0; s < 3; s++) nativeTrain().adam8bitStep(p, gradients(n, 7 + s).map((x) => x * 1e-3), qm, qv, absm, absv, h, code);
        assert.ok(p.every(Number.isFinite), `${isa}, code ${code}: every weight finite`);
        assert.ok(Number.isFinite(absv[0]) && Number.isFinite(absm[0]), `${isa}, code ${code}: the block's maxima stay finite`);
      }
    }
  });

  it('equals the float32 reference, every ISA and thread count, both codes, over several steps', () => {
    const n = 3 * ADAM8BIT_BLOCK + 333;
    const grads = [1, 2, 3, 4].map((s) => gradients(n, s));
    // Block 1's gradients and weights tiny: its first moments stay under 2^-125 (the float8
    // normalizer's scaled path), its second moments underflow to 0.
    const tiny = (x: Float32Array) => { for (let i = ADAM8BIT_BLOCK; i < 2 * ADAM8BIT_BLOCK; i++) x[i] *= 1e-38; return x; };
    grads.forEach(tiny);
    // The last block's moments saturate: -inf (m and v past float32) and 3e38 (v past float32).
    grads[1][3 * ADAM8BIT_BLOCK + 7] = -Infinity;
    grads[2][3 * ADAM8BIT_BLOCK + 8] = 3e38;
    const h = Float32Array.of(0.9, 0.999, 0.1, 0.001, 1e-8, 0.01, 1e-3, 0.5);
    const blocks = Math.ceil(n / ADAM8BIT_BLOCK);
    const fresh = () => ({ p: tiny(gradients(n, 9)), qm: new Uint8Array(n), qv: new Uint8Array(n), absm: new Float32Array(blocks), absv: new Float32Array(blocks) });
    for (const code of [0, 1] as const) {
      const want = fresh();
      for (const g of grads) adam8bitRef(want.p, g, want.qm, want.qv, want.absm, want.absv, h, code);
      for (const isa of isas) {
        setMaxIsa(isa);
        for (const t of [1, threads]) {
          setNumThreads(t);
          const got = fresh();
          for (const g of grads) nativeTrain().adam8bitStep(got.p, g, got.qm, got.qv, got.absm, got.absv, h, code);
          assert.deepEqual(got, want, `${isa}, ${t} threads, code ${code}`);
        }
      }
    }
  });
});

function params(sizes: number[], seed: number): Param[] {
  const rand = rng(seed);
  return sizes.map((n, k) => ({ name: `p${k}`, data: Float32Array.from({ length: n }, () => rand() - 0.5), grad: new Float32Array(n) }));
}

describe('Adam8bit', () => {
  it('small tensors keep 32-bit state and take exactly Adam\'s step', () => {
    const [a, b] = [params([10, 4095], 1), params([10, 4095], 1)];
    const adam = new Adam(a, { lr: 1e-2, weightDecay: 0.1 });
    const adam8 = new Adam8bit(b, { lr: 1e-2, weightDecay: 0.1 });
    for (let s = 0; s < 3; s++) {
      for (const ps of [a, b]) ps.forEach((p, k) => p.grad.set(gradients(p.data.length, 10 * s + k)));
      adam.step();
      adam8.step();
    }
    assert.deepEqual(b.map((p) => p.data), a.map((p) => p.data));
    assert.equal(adam8.stateBytes(), adam.stateBytes());
  });

  // Gradients over 3 decades per block, and over 9: then Adam's second moment of the smallest ones
  // is below the code's range (7 decades of v, 3.5 of the gradient); without the floor of
  // second_moment_index it quantized to 0 while the first moment did not, and the next steps were
  // m / eps (parameter differences of 10 after 5 steps): the "zero-point problem" of Li et al. 2023.
  for (const [decades, stateCode] of [[3, 'tree'], [9, 'tree'], [3, 'float8'], [9, 'float8']] as const) {
    it(`large tensors, gradients over ${decades} decades per block, ${stateCode} code: steps close to Adam's; state 2 bytes per value + 8 per block`, () => {
      const n = 10 * ADAM8BIT_BLOCK + 5;
      const [a, b] = [params([n], 2), params([n], 2)];
      const adam = new Adam(a), adam8 = new Adam8bit(b, { stateCode });
      assert.equal(adam8.stateCode, stateCode);
      const start = a[0].data.slice();
      assert.equal(adam8.stateBytes(), 2 * n + 8 * 11);
      assert.ok(adam.stateBytes() / adam8.stateBytes() > 3.9);
      for (let s = 0; s < 5; s++) {
        const g = Float32Array.from(gradients(n, 100 + s, decades), (v) => v * 1e3);
        a[0].grad.set(g);
        b[0].grad.set(g);
        adam.step();
        adam8.step();
      }
      // Typically within a few percent of Adam's move, never more than a few lr (5 steps of lr 1e-3).
      const rel: number[] = [];
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const moved = Math.abs(a[0].data[i] - start[i]);
        const diff = Math.abs(a[0].data[i] - b[0].data[i]);
        worst = Math.max(worst, diff);
        if (moved > 0) rel.push(diff / moved);
      }
      rel.sort((u, v) => u - v);
      // Over 9 decades the smallest gradients' steps are smaller than Adam's (their second moment is
      // held at the code's smallest value), so only the bound on the largest difference applies.
      if (decades === 3) assert.ok(rel[rel.length >> 1] < 0.05, `median relative difference ${rel[rel.length >> 1]}`);
      assert.ok(worst < 5e-3, `largest parameter difference ${worst}`);
      assert.equal(adam8.moments(0).m.length, n);
    });
  }

  it('trains a small network about as well as Adam', () => {
    const rand = rng(3);
    const x = Float32Array.from({ length: 512 * 20 }, () => rand() * 2 - 1);
    const y = Int32Array.from({ length: 512 }, (_, r) => (x[r * 20] + x[r * 20 + 1] > 0 ? 1 : 0) + (x[r * 20 + 2] > 0.5 ? 2 : 0));
    const optimizers = [
      (ps: Param[]) => new Adam(ps, { lr: 3e-3 }),
      (ps: Param[]) => new Adam8bit(ps, { lr: 3e-3 }),
      (ps: Param[]) => new Adam8bit(ps, { lr: 3e-3, stateCode: 'float8' }),
    ];
    const losses = optimizers.map((make) => {
      const r = new Rng(4);
      const model = new Sequential([new Linear(20, 256, r), new ReLU(), new Linear(256, 4, r)]);
      const opt = make(model.params());
      let loss = 0;
      for (let step = 0; step < 60; step++) {
        const from = (step * 64) % 512;
        const batch = { dtype: 'float32' as const, shape: [64, 20], data: x.subarray(from * 20, (from + 64) * 20) };
        const out = softmaxCrossEntropy(model.forward(batch, true), y.subarray(from, from + 64));
        model.backward(out.grad);
        opt.step();
        loss = out.loss;
      }
      return loss;
    });
    assert.ok(losses[0] < 0.6, `Adam loss ${losses[0]}`);
    assert.ok(Math.abs(losses[1] - losses[0]) < 0.1, `Adam ${losses[0]} vs Adam8bit ${losses[1]}`);
    assert.ok(Math.abs(losses[2] - losses[0]) < 0.1, `Adam ${losses[0]} vs Adam8bit float8 ${losses[2]}`);
  });

  it('refuses an unknown state code with a coded error', () => {
    assert.throws(() => new Adam8bit(params([10], 1), { stateCode: 'fp8' as never }), (e: unknown) => (e as { code?: string }).code === 'ERR_QGEMM_OPTION');
  });
});
