/**
 * `out` overlap is found by memory, not by buffer object: a SharedArrayBuffer
 * and its structuredClone are two objects over the same bytes. And an `out`
 * whose resizable ArrayBuffer shrinks while matmulAsync runs gets a coded error.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { matmul, matmulAsync, quantizeLinear, tensor, type Tensor } from '../lib';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;

function sabPair(n: number): [Float32Array, Float32Array] {
  const sab = new SharedArrayBuffer(n * 4);
  const clone = structuredClone(sab);
  assert.notEqual(clone, sab);
  return [new Float32Array(sab), new Float32Array(clone)];
}

describe('out overlap by address', () => {
  it('refuses out on a structuredClone of the SharedArrayBuffer under a (sync and async)', async () => {
    const n = 64;
    const [aData, outData] = sabPair(n * n);
    aData.fill(1);
    assert.equal(outData[0], 1, 'the clone shares memory');
    const a = tensor(aData, [n, n]), b = tensor(new Float32Array(n * n).fill(2), [n, n]);
    const out = tensor(outData, [n, n]) as Tensor<'float32'>;
    assert.throws(() => matmul(a, b, { out }), code('ERR_QGEMM_OUT'));
    await assert.rejects(matmulAsync(a, b, { out }), code('ERR_QGEMM_OUT'));
    // b in shared memory too, and int8 inputs against int32 out.
    const sab = new SharedArrayBuffer(n * n * 4);
    const a8 = tensor(new Int8Array(sab, 0, n * n), [n, n]), b8 = tensor(new Int8Array(n * n), [n, n]);
    assert.throws(() => matmul(a8, b8, { out: tensor(new Int32Array(structuredClone(sab)), [n, n]) }), code('ERR_QGEMM_OUT'));
  });

  it('accepts disjoint ranges of the same shared memory, and writes the right numbers', () => {
    const n = 8;
    const sab = new SharedArrayBuffer(n * n * 8);
    const a = tensor(new Float32Array(sab, 0, n * n).fill(1), [n, n]);
    const out = tensor(new Float32Array(structuredClone(sab), n * n * 4, n * n), [n, n]) as Tensor<'float32'>;
    matmul(a, tensor(new Float32Array(n * n).fill(2), [n, n]), { out });
    assert.deepEqual([...new Float32Array(sab, n * n * 4, n * n)], new Array(n * n).fill(2 * n));
    // A shifted range that touches one float of a is refused.
    const touching = tensor(new Float32Array(structuredClone(sab), n * n * 4 - 4, n * n), [n, n]) as Tensor<'float32'>;
    assert.throws(() => matmul(a, tensor(new Float32Array(n * n), [n, n]), { out: touching }), code('ERR_QGEMM_OUT'));
  });

  it('quantizeLinear refuses out over the same shared memory as its input', () => {
    const sab = new SharedArrayBuffer(64);
    const x = new Float32Array(sab).fill(0.5);
    assert.throws(() => quantizeLinear(tensor(x), 0.1, undefined, { out: new Uint8Array(structuredClone(sab), 0, 16) } as never), code('ERR_QGEMM_OUT'));
  });

  it('rejects with ERR_QGEMM_OUT when a resizable out shrinks while matmulAsync runs', async () => {
    const n = 32;
    const buffer = new ArrayBuffer(n * n * 4, { maxByteLength: n * n * 8 });
    const out = tensor(new Float32Array(buffer, 0, n * n), [n, n]) as Tensor<'float32'>;
    const p = matmulAsync(tensor(new Float32Array(n * n).fill(1), [n, n]), tensor(new Float32Array(n * n).fill(1), [n, n]), { out });
    buffer.resize(16);
    await assert.rejects(p, code('ERR_QGEMM_OUT'));
  });
});
