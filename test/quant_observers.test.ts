/**
 * Min/max observers and calculateQParams against PyTorch 1.13
 * (torch.ao.quantization.observer), fixtures from scripts/make_quant_fixtures.py:
 * scales equal as float32, zero points exactly.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  calculateQParams,
  calculateQParamsPerChannel,
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
  PerChannelMinMaxObserver,
  tensor,
  type Tensor,
} from '../lib';

type Enc = { shape: number[]; f32: string };
function dec(e: Enc): Tensor<'float32'> {
  const buf = Buffer.from(e.f32, 'base64');
  return tensor(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), e.shape);
}
const fx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/quant/observers.json'), 'utf8'));
const data: Record<string, Tensor<'float32'>[]> = {};
for (const [k, v] of Object.entries(fx.data)) data[k] = (v as Enc[]).map(dec);

const classes = { MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver, MovingAveragePerChannelMinMaxObserver };
const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

describe('calculateQParams = torch _calculate_qparams', () => {
  for (const c of fx.ranges) {
    it(`[${c.min}, ${c.max}] ${JSON.stringify(c.config)}`, () => {
      const r = calculateQParams(c.min, c.max, c.config);
      assert.equal(r.scale, c.scale[0]);
      assert.equal(r.zeroPoint, c.zeroPoint[0]);
    });
  }
});

describe('observers = torch.ao.quantization.observer', () => {
  for (const c of fx.cases) {
    it(`${c.observer} ${c.data} ${JSON.stringify(c.config)}`, () => {
      const obs = new classes[c.observer as keyof typeof classes](c.config);
      data[c.data].forEach((batch, i) => {
        obs.observe(batch);
        const r = obs.calculateQParams();
        const want = c.steps[i];
        const scale = typeof r.scale === 'number' ? [r.scale] : Array.from(r.scale);
        const zp = typeof r.zeroPoint === 'number' ? [r.zeroPoint] : Array.from(r.zeroPoint);
        assert.deepEqual(scale, want.scale, `scale after batch ${i}`);
        assert.deepEqual(zp, want.zeroPoint, `zero point after batch ${i}`);
      });
    });
  }
});

describe('observer errors', () => {
  it('throws before observe, on empty input, on NaN', () => {
    const o = new MinMaxObserver();
    assert.throws(() => o.calculateQParams(), code('ERR_QGEMM_NOT_OBSERVED'));
    assert.throws(() => o.observe(new Float32Array(0)), code('ERR_QGEMM_EMPTY'));
    o.observe(new Float32Array([1, NaN]));
    o.observe(new Float32Array([2]));
    assert.throws(() => o.calculateQParams(), code('ERR_QGEMM_NOT_FINITE'));
    o.reset();
    o.observe(new Float32Array([-1, 1]));
    assert.equal(o.calculateQParams().zeroPoint, 127); // -round(-1 / float32(2 / 255)), 127.49999
    assert.throws(() => new PerChannelMinMaxObserver().calculateQParams(), code('ERR_QGEMM_NOT_OBSERVED'));
  });
  it('checks axis and channel count', () => {
    const p = new PerChannelMinMaxObserver({ axis: 2 });
    assert.throws(() => p.observe(tensor(new Float32Array(6), [2, 3])), code('ERR_QGEMM_AXIS'));
    const q = new PerChannelMinMaxObserver({ chAxis: -1 });
    q.observe(tensor(new Float32Array(6), [2, 3]));
    assert.throws(() => q.observe(tensor(new Float32Array(6), [3, 2])), code('ERR_QGEMM_AXIS'));
  });
  it('rejects bad options as PyTorch does', () => {
    assert.throws(() => new MinMaxObserver({ qscheme: 'per_channel_affine' }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => new PerChannelMinMaxObserver({ qscheme: 'per_tensor_affine' }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => new MinMaxObserver({ qscheme: 'per_tensor_symmetric', reduceRange: true }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => new MinMaxObserver({ quantMin: 1, quantMax: 255 }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => new MinMaxObserver({ dtype: 'uint8', narrowRange: true }), code('ERR_QGEMM_OPTION'));
    assert.throws(() => new MovingAverageMinMaxObserver({ averagingConstant: 2 }), code('ERR_QGEMM_OPTION'));
  });
});

describe('calculateQParams conventions', () => {
  it('narrowRange is ONNX Runtime / TFLite symmetric int8: amax / 127', () => {
    const r = calculateQParams(-0.5, 1.27, { dtype: 'int8', symmetric: true, narrowRange: true });
    assert.equal(r.scale, Math.fround(Math.fround(1.27) / 127));
    assert.equal(r.zeroPoint, 0);
    const t = calculateQParams(-0.5, 1.27, { dtype: 'int8', symmetric: true });
    assert.equal(t.scale, Math.fround(Math.fround(1.27) / 127.5)); // PyTorch's amax / 127.5
  });
  it('per-channel and errors', () => {
    const r = calculateQParamsPerChannel([-1, 0], [1, 2], { dtype: 'int8', qscheme: 'per_channel_symmetric' });
    assert.deepEqual(Array.from(r.zeroPoint), [0, 0]);
    assert.throws(() => calculateQParams(2, 1), code('ERR_QGEMM_MIN_MAX'));
    assert.throws(() => calculateQParams(NaN, 1), code('ERR_QGEMM_NOT_FINITE'));
    assert.throws(() => calculateQParamsPerChannel([1], [1, 2]), code('ERR_QGEMM_AXIS'));
  });
});
