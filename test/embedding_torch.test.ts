/**
 * Bit-exact against PyTorch 1.13 (scripts/make_embedding_fixtures.py):
 * row-wise 8-bit and 4-bit quantization (prepack) and dequantization
 * (unpack), the quantized bag lookups, and torch.nn.functional.embedding_bag
 * on float32 tables; on every ISA this CPU has (setMaxIsa).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { dequantizeTable, embeddingBag, embeddingTable, info, quantizeTable, setMaxIsa, tensor, type Isa } from '../lib';

type Enc = { f32?: string; u8?: string; i32?: string; i64?: string; shape: number[] };
type Arr = Float32Array | Uint8Array | Int32Array | BigInt64Array;

function dec(e: Enc): Arr {
  const [kind, b64] = Object.entries(e).find(([k]) => k !== 'shape') as [string, string];
  const buf = Buffer.from(b64, 'base64');
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  return kind === 'f32' ? new Float32Array(ab) : kind === 'u8' ? new Uint8Array(ab) : kind === 'i32' ? new Int32Array(ab) : new BigInt64Array(ab);
}
const f32 = (e: Enc) => dec(e) as Float32Array;
const u8 = (e: Enc) => dec(e) as Uint8Array;
const idx = (e: Enc) => dec(e) as Int32Array | BigInt64Array;

// Bit patterns, so -0 vs 0 and NaN payloads count.
function assertBits(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) assert.fail(`${what}: element ${i} is ${actual[i]}, PyTorch gives ${expected[i]}`);
  }
}

/* eslint-disable @typescript-eslint/no-explicit-any */
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'embedding', 'embedding.json'), 'utf8')) as {
  torch: string; quantize: any[]; quantizedBags: any[]; float32Bags: any[];
};

const isas = (['scalar', 'avx2', 'avx512_vnni', 'all'] as Isa[]).filter((i) => i === 'scalar' || i === 'all' || info().isas.includes(i));
after(() => setMaxIsa('all'));

for (const isa of isas) {
  describe(`embedding vs PyTorch ${fixture.torch} (ISA cap ${isa})`, () => {
    it('prepack and unpack: 8-bit and 4-bit row-wise', () => {
      setMaxIsa(isa);
      for (const c of fixture.quantize) {
        const x = tensor(f32(c.x), c.x.shape);
        for (const [format, packed, unpacked] of [['rowwise8', c.rowwise8, c.unpack8], ['rowwise4', c.rowwise4, c.unpack4]] as const) {
          const t = quantizeTable(x, format);
          assert.deepEqual(t.data, u8(packed), `${format} prepack, dim ${c.dim}`);
          assertBits(dequantizeTable(t).data, f32(unpacked), `${format} unpack, dim ${c.dim}`);
        }
      }
    });

    it('quantized bags: sum, per-sample weights, includeLastOffset, int32 and int64 ids', () => {
      setMaxIsa(isa);
      for (const c of fixture.quantizedBags) {
        for (const format of ['rowwise8', 'rowwise4'] as const) {
          const t = embeddingTable(format, c.rows, c.dim, u8(c[format]));
          const ids = idx(c.ids), offsets = idx(c.offsets);
          const what = `${format} ${c.rows}x${c.dim}`;
          assertBits(embeddingBag(t, ids, { offsets }).data, f32(c[format + 'Sum']), `${what} sum`);
          assertBits(embeddingBag(t, ids, { offsets, perSampleWeights: f32(c.weights) }).data, f32(c[format + 'Weighted']), `${what} weighted`);
          assertBits(embeddingBag(t, ids, { offsets: idx(c.offsetsLast), includeLastOffset: true }).data, f32(c[format + 'Last']), `${what} last`);
        }
      }
    });

    it('float32 bags: sum, mean, max, padding, per-sample weights, includeLastOffset', () => {
      setMaxIsa(isa);
      for (const c of fixture.float32Bags) {
        const t = embeddingTable('float32', c.rows, c.dim, f32(c.x));
        const ids = idx(c.ids), offsets = idx(c.offsets);
        const what = `float32 ${c.rows}x${c.dim}`;
        for (const mode of ['sum', 'mean', 'max'] as const) {
          assertBits(embeddingBag(t, ids, { offsets, mode }).data, f32(c[mode]), `${what} ${mode}`);
          assertBits(embeddingBag(t, ids, { offsets, mode, paddingIdx: c.paddingIdx }).data, f32(c[mode + 'Padding']), `${what} ${mode} padding`);
        }
        assertBits(embeddingBag(t, ids, { offsets, perSampleWeights: f32(c.weights) }).data, f32(c.sumWeighted), `${what} weighted`);
        assertBits(embeddingBag(t, ids, { offsets: idx(c.offsetsLast), mode: 'mean', includeLastOffset: true }).data, f32(c.meanLast), `${what} mean last`);
      }
    });
  });
}
