/**
 * Values that cannot be turned into text (Symbols, null-prototype objects)
 * still produce coded errors, not a TypeError from building the message.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';

import { packWeights, QuantizedLinear, quantizedMatmul, tensor, zeros } from '../lib';

it('coded errors for Symbols and null-prototype objects anywhere', () => {
  const odd = [Symbol('x'), Object.create(null)];
  for (const v of odd) {
    assert.throws(() => zeros(v as never, [2]), { code: 'ERR_QGEMM_DTYPE' });
    assert.throws(() => tensor(new Int8Array(2), [v as never, 1]), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => quantizedMatmul(zeros('uint8', [2, 2]), zeros('int8', [2, 2]), { aZeroPoint: [v as never] }), { code: /^ERR_QGEMM_/ });
    assert.throws(() => quantizedMatmul(zeros('uint8', [2, 2]), zeros('int8', [2, 2]), { yScale: v as never, outputType: 'int8' }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => packWeights(zeros('int8', [2, 2]), { transpose: v as never }), { code: 'ERR_QGEMM_OPTION' });
  }
});

it('dynamic quantization of infinite input says ERR_QGEMM_NOT_FINITE, as the JS version does', () => {
  const layer = new QuantizedLinear(tensor(new Float32Array(6).fill(0.1), [2, 3]));
  assert.throws(() => layer.forward(tensor(new Float32Array([1, Infinity, 2]), [1, 3])), { code: 'ERR_QGEMM_NOT_FINITE' });
});
