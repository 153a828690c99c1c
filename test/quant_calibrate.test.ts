/** calibrate(): batches (sync and async), named observers, progress, abort. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { calibrate, HistogramObserver, MinMaxObserver, PerChannelMinMaxObserver, tensor } from '../lib';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const batches = [new Float32Array([-1, 2]), new Float32Array([3, -0.5]), new Float32Array([0.25, 1])];

describe('calibrate', () => {
  it('feeds named observers and returns their qparams, with progress', async () => {
    const progress: unknown[] = [];
    const observers = { input: new MinMaxObserver({ dtype: 'int8' }), doubled: new PerChannelMinMaxObserver({ axis: 0 }), hist: new HistogramObserver() };
    const r = await calibrate(
      (b: Float32Array, observe) => {
        observe('input', b);
        observe('doubled', tensor(b.map((v) => 2 * v), [2, 1]));
        observe('hist', b);
      },
      batches,
      observers,
      { onProgress: (p) => progress.push(p) },
    );
    const direct = new MinMaxObserver({ dtype: 'int8' });
    for (const b of batches) direct.observe(b);
    assert.deepEqual(r.input, direct.calculateQParams());
    assert.equal(r.doubled.scale.length, 2);
    assert.ok(r.hist.scale > 0);
    assert.deepEqual(progress, [{ batches: 1, total: 3 }, { batches: 2, total: 3 }, { batches: 3, total: 3 }]);
  });
  it('takes async iterables and async models', async () => {
    async function* gen() {
      for (const b of batches) yield b;
    }
    const r = await calibrate(async (b: Float32Array, observe) => observe('x', b), gen(), { x: new MinMaxObserver() });
    assert.ok(r.x.scale > 0);
  });
  it('rejects with an AbortError (code ABORT_ERR, as Node)', async () => {
    const ac = new AbortController();
    await assert.rejects(
      calibrate((b: Float32Array, observe) => { observe('x', b); ac.abort(); }, batches, { x: new MinMaxObserver() }, { signal: ac.signal }),
      (e: Error & { code?: string }) => e.code === 'ABORT_ERR' && e.name === 'AbortError',
    );
    await assert.rejects(calibrate(() => {}, batches, {}, { signal: AbortSignal.abort() }), code('ABORT_ERR'));
  });
  it('names unknown observers, and unobserved ones', async () => {
    await assert.rejects(calibrate((b: Float32Array, observe) => observe('nope', b), batches, { x: new MinMaxObserver() }), code('ERR_QGEMM_OPTION'));
    await assert.rejects(calibrate(() => {}, batches, { x: new MinMaxObserver() }), code('ERR_QGEMM_NOT_OBSERVED'));
  });
});
