/**
 * The memory probes run and refuse bad arguments with coded errors (their
 * figures are the machine's, so only their sign is checked here).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { measureRandomRowBandwidth, measureReadBandwidth } from '../lib';

describe('memory probes', () => {
  it('read bandwidth and random-row bandwidth are positive GB/s', () => {
    assert.ok(measureReadBandwidth(1, 8) > 0);
    for (const rowBytes of [1, 36, 72, 4096]) assert.ok(measureRandomRowBandwidth(rowBytes, 1, 8) > 0, `rowBytes ${rowBytes}`);
    assert.ok(measureRandomRowBandwidth(72, 2, 8) > 0);
  });

  it('bad arguments get coded errors', () => {
    const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
    assert.throws(() => measureRandomRowBandwidth(0), code('ERR_QGEMM_OPTION'));
    assert.throws(() => measureRandomRowBandwidth(1.5), code('ERR_QGEMM_OPTION'));
    assert.throws(() => measureRandomRowBandwidth(9000, 1, 8), code('ERR_QGEMM_OPTION')); // over 1/1024 of the table
    assert.throws(() => measureRandomRowBandwidth('64' as never), code('ERR_QGEMM_ARG_TYPE'));
    assert.throws(() => measureRandomRowBandwidth(64, 0), code('ERR_QGEMM_OPTION'));
    assert.throws(() => measureRandomRowBandwidth(64, 1, 0), code('ERR_QGEMM_OPTION'));
    assert.throws(() => measureReadBandwidth(1, 5000), code('ERR_QGEMM_OPTION'));
  });
});
