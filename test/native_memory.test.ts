/**
 * Native memory V8 can see: every native allocation a JS object owns (packed
 * weights, oneDNN handles) is reported with napi_adjust_external_memory and
 * given back on dispose() or collection, so garbage collection runs for them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { info, packWeights, tensor } from '../lib';
import { native } from '../lib/native';
import { sanitized } from './property_support';

const MB = 2 ** 20;

describe('native memory is reported to V8', () => {
  it('packWeights adds its bytes to the external memory count; dispose() takes them off', () => {
    const b = tensor(new Int8Array(512 * 512), [512, 512]); // made first: ArrayBuffers count in the same total
    const before = native().externalMemory();
    const packs = Array.from({ length: 10 }, () => packWeights(b));
    const held = packs.reduce((s, p) => s + p.bytes, 0);
    assert.ok(held >= 10 * 512 * 512);
    assert.equal(native().externalMemory() - before, held);
    packs.forEach((p) => p.dispose());
    assert.equal(native().externalMemory(), before);
  });

  it('a oneDNN prepared handle reports its reordered weights', (t) => {
    if (!info().backends.onednn) return t.skip('oneDNN is not available');
    const b = new Float32Array(256 * 128);
    const before = native().externalMemory();
    const handle = native().onednnPrepare(b, 4, 128, 256, 3, false, true);
    assert.equal(native().externalMemory() - before, 256 * 128 * 4);
    assert.ok(handle);
  });

  it('2000 undisposed 512x512 packs (500 MiB in all) keep RSS bounded: the collector frees them', { skip: sanitized && 'RSS bounds do not hold under ASan' }, () => {
    // In a child, so this process's heap does not decide; the event loop turns between rounds (finalizers run there).
    const script = `
      const { packWeights, tensor } = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
      const b = tensor(new Int8Array(512 * 512).fill(3), [512, 512]);
      (async () => {
        let first = 0, peak = 0;
        for (let round = 0; round < 20; round++) {
          for (let i = 0; i < 100; i++) packWeights(b);
          await new Promise((r) => setTimeout(r, 1));
          const rss = process.memoryUsage().rss;
          if (round === 1) first = rss;
          peak = Math.max(peak, rss);
        }
        process.stdout.write(JSON.stringify({ first, peak }));
      })();`;
    const { first, peak } = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' })) as { first: number; peak: number };
    assert.ok(peak - first < 200 * MB, `RSS grew ${((peak - first) / MB).toFixed(0)} MiB over 1800 undisposed packs (450 MiB)`);
  });
});
