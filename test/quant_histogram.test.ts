/**
 * HistogramObserver against PyTorch 1.13 (fixtures from
 * scripts/make_quant_fixtures.py): running min/max, the L2 search's range and
 * the qparams after every observe(), bit for bit.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { HistogramObserver, tensor, type Tensor } from '../lib';
import { setNativeQuantize } from '../lib/quant/native_path';

type Enc = { shape: number[]; f32: string };
function dec(e: Enc): Tensor<'float32'> {
  const buf = Buffer.from(e.f32, 'base64');
  return tensor(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), e.shape);
}
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/quant/histogram.json'), 'utf8'));
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('HistogramObserver (l2) = torch 1.13', () => {
  after(() => setNativeQuantize(true));
  for (const c of fx.cases) for (const nativePath of [true, false]) {
    it(`${c.data} ${JSON.stringify(c.config)}${nativePath ? '' : ' (TypeScript loops)'}`, () => {
      setNativeQuantize(nativePath);
      const obs = new HistogramObserver(c.config);
      (fx.data[c.data] as Enc[]).map(dec).forEach((batch, i) => {
        obs.observe(batch);
        const want = c.steps[i];
        assert.deepEqual([obs.min, obs.max], [want.min, want.max], `min/max after batch ${i}`);
        assert.deepEqual(obs.searchRange(), [want.searchMin, want.searchMax], `search range after batch ${i}`);
        const r = obs.calculateQParams();
        assert.deepEqual([r.scale, r.zeroPoint], [want.scale[0], want.zeroPoint[0]], `qparams after batch ${i}`);
      });
    });
  }
});

describe('HistogramObserver other methods and errors', () => {
  const batches = (fx.data.student_t2 as Enc[]).map(dec);
  for (const method of ['percentile', 'entropy', 'mse'] as const) {
    it(`${method} picks a range inside the observed one`, () => {
      const obs = new HistogramObserver({ method, dtype: 'int8', qscheme: 'per_tensor_symmetric' });
      for (const b of batches) obs.observe(b);
      const [lo, hi] = obs.searchRange();
      assert.ok(lo >= obs.min && hi <= obs.max && lo < 0 && hi > 0, `${lo} ${hi}`);
      // MSE keeps these few far outliers: clipping one at 97 costs more than rounding saves.
      if (method !== 'mse') assert.ok(Math.max(-lo, hi) < Math.max(-obs.min, obs.max), 'clipped');
      const { scale, zeroPoint } = obs.calculateQParams();
      assert.ok(scale > 0 && zeroPoint === 0);
    });
  }
  it('throws coded errors', () => {
    const obs = new HistogramObserver();
    assert.throws(() => obs.calculateQParams(), code('ERR_QGEMM_NOT_OBSERVED'));
    assert.throws(() => obs.observe(new Float32Array(0)), code('ERR_QGEMM_EMPTY'));
    assert.throws(() => obs.observe(new Float32Array([1, NaN])), code('ERR_QGEMM_NOT_FINITE'));
    assert.throws(() => new HistogramObserver({ method: 'x' as 'l2' }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => new HistogramObserver({ qscheme: 'per_channel_affine' }), code('ERR_QGEMM_OPTION'));
  });
});
