/**
 * The native quantize / dequantize path (scalar and AVX2) is bit-identical to
 * the TypeScript reference, including ties, NaN, infinities, denormals and
 * saturation, per tensor and per axis.
 */
import { it, after } from 'node:test';
import assert from 'node:assert/strict';

import { dequantizeLinear, info, quantizeLinear, setMaxIsa, tensor } from '../lib';
import { setNativeQuantize } from '../lib/quant/native_path';
import { rng } from './helpers/reference';

const isas = info().isas;
after(() => {
  setMaxIsa('all');
  setNativeQuantize(true);
});

function trickyFloats(n: number, scale: number, seed: number): Float32Array {
  const rand = rng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38];
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.05) x[i] = specials[Math.floor(rand() * specials.length)];
    else if (r < 0.35) x[i] = (Math.floor(rand() * 600) - 300 + 0.5) * scale; // exact .5 ties after the division
    else x[i] = (rand() * 2 - 1) * 300 * scale;
  }
  return x;
}

it('quantizeLinear: native (each ISA) equals the TypeScript loop, per tensor and per axis', () => {
  let compared = 0;
  for (const [scale, zp, dtype] of [[0.5, 0, 'int8'], [0.0375, 128, 'uint8'], [1e-3, -7, 'int8'], [2.5, 3, 'uint8'], [1e-40, 0, 'int8']] as const) {
    const x = trickyFloats(5000 + 37, scale, Math.round(scale * 1e6));
    const zpArr = dtype === 'int8' ? new Int8Array([zp]) : new Uint8Array([zp]);
    setNativeQuantize(false);
    const want = quantizeLinear(x, Math.fround(scale), zpArr);
    const perAxis = tensor(x.slice(0, 4 * 1259), [4, 1259]);
    const scales = Float32Array.of(scale, scale * 2, scale / 3, scale * 7);
    const zps = dtype === 'int8' ? Int8Array.of(zp, 1, -1, 0) : Uint8Array.of(zp, 1, 200, 0);
    const wantAxis = quantizeLinear(perAxis, scales, zps, { axis: 0 });
    setNativeQuantize(true);
    for (const isa of isas) {
      setMaxIsa(isa);
      assert.deepEqual(quantizeLinear(x, Math.fround(scale), zpArr), want, `scale ${scale} ${dtype} ${isa}`);
      assert.deepEqual(quantizeLinear(perAxis, scales, zps, { axis: 0 }), wantAxis);
      compared += x.length + perAxis.data.length;
    }
  }
  assert.ok(compared > 50000);
});

it('dequantizeLinear: native (each ISA) equals the TypeScript loop', () => {
  const rand = rng(9);
  for (const dtype of ['int8', 'uint8'] as const) {
    const q = dtype === 'int8' ? Int8Array.from({ length: 3001 }, () => Math.floor(rand() * 256) - 128) : Uint8Array.from({ length: 3001 }, () => Math.floor(rand() * 256));
    const zp = dtype === 'int8' ? new Int8Array([-5]) : new Uint8Array([131]);
    setNativeQuantize(false);
    const want = dequantizeLinear(q, Math.fround(0.0173), zp);
    setNativeQuantize(true);
    for (const isa of isas) {
      setMaxIsa(isa);
      assert.deepEqual(dequantizeLinear(q, Math.fround(0.0173), zp), want);
    }
  }
});

it('HistogramObserver: the native min/max and histc loops give the same histogram and qparams', async () => {
  const { HistogramObserver } = await import('../lib');
  const rand = rng(21);
  const batches = [0, 1, 2, 3].map((b) => Float32Array.from({ length: 20000 + b * 777 }, () => (rand() * 2 - 1) ** 3 * (1 + b) * 5));
  const run = (native: boolean) => {
    setNativeQuantize(native);
    const obs = new HistogramObserver({ dtype: 'uint8' });
    for (const x of batches) obs.observe(x);
    return { histogram: obs.histogram, min: obs.min, max: obs.max, qparams: obs.calculateQParams() };
  };
  const js = run(false);
  const nat = run(true);
  assert.deepEqual(nat, js);
});

it('HistogramObserver: the native L2 search picks the same range as the TypeScript one, bit for bit', async () => {
  const { HistogramObserver } = await import('../lib');
  const rand = rng(33);
  let compared = 0;
  // Bin counts that are and are not multiples of torch.sum's 8 lanes x 4 rows; shapes from narrow to heavy-tailed.
  for (const bins of [2048, 256, 100, 37, 9, 1]) {
    for (const shape of [1, 3, 5]) {
      const obs = new HistogramObserver({ dtype: 'uint8', bins, upsampleRate: 16 });
      for (let b = 0; b < 3; b++) {
        obs.observe(Float32Array.from({ length: 3000 }, () => Math.sign(rand() - 0.3) * (rand() ** shape) * (1 + b) * 4));
        setNativeQuantize(false);
        const js = obs.searchRange();
        setNativeQuantize(true);
        assert.deepEqual(obs.searchRange(), js, `bins ${bins}, shape ${shape}, batch ${b}`);
        compared++;
      }
    }
  }
  // A histogram that is all zeros but one bin, and fractional counts from combining.
  const obs = new HistogramObserver({ bins: 64 });
  obs.observe(Float32Array.of(0, 0, 0, 1));
  obs.observe(Float32Array.of(-7, 9));
  setNativeQuantize(false);
  const js = obs.searchRange();
  setNativeQuantize(true);
  assert.deepEqual(obs.searchRange(), js);
  assert.ok(compared === 54);
});
