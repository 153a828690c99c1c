/**
 * EmbeddingBag beyond the PyTorch fixtures: every ISA against a JS model of
 * the documented arithmetic (mean and max on quantized tables, odd dims,
 * large bags), and coded refusals of bad ids, offsets and options with
 * nothing written.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';

import {
  dequantizeTable, embeddingBag, embeddingTable, info, quantizeTable, rowBytes, setMaxIsa, tensor, zerosTable,
  type EmbeddingTable, type Isa, type Pooling,
} from '../lib';
import { Rng } from '../lib/train/rng';

const f = Math.fround;

// One element of a row as the bag lookup reads it (w: the per-sample weight).
function rowValues(t: EmbeddingTable, id: number): { q: number[]; scale: number; bias: number } | Float32Array {
  if (t.format === 'float32') return (t.data as Float32Array).subarray(id * t.dim, (id + 1) * t.dim);
  const rb = rowBytes(t.format, t.dim), row = (t.data as Uint8Array).subarray(id * rb, (id + 1) * rb);
  const dv = new DataView(row.buffer, row.byteOffset, row.byteLength);
  const q: number[] = [];
  if (t.format === 'rowwise8') {
    for (let i = 0; i < t.dim; i++) q.push(row[i]);
    return { q, scale: dv.getFloat32(t.dim, true), bias: dv.getFloat32(t.dim + 4, true) };
  }
  for (let i = 0; i < t.dim; i++) q.push((row[i >> 1] >> ((i & 1) * 4)) & 15);
  const nb = Math.ceil(t.dim / 2);
  return { q, scale: halfToFloat(dv.getUint16(nb, true)), bias: halfToFloat(dv.getUint16(nb + 2, true)) };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// fma(a, b, c) in float32 for a float a, an integer code b <= 255 and a
// float c: a * b is exact in float64; the float64 sum can round only when
// the exponents of a * b and c are ~29 apart (not in this data), so one
// float32 rounding follows, as the fused multiply-add.
function fma(a: number, b: number, c: number): number {
  return f(a * b + c);
}

function reference(t: EmbeddingTable, ids: number[], offsets: number[], mode: Pooling, pad: number): Float32Array {
  const bags = offsets.length, out = new Float32Array(bags * t.dim);
  for (let b = 0; b < bags; b++) {
    const end = b + 1 < bags ? offsets[b + 1] : ids.length;
    let n = 0;
    for (let i = offsets[b]; i < end; i++) {
      if (ids[i] === pad) continue;
      const r = rowValues(t, ids[i]);
      for (let k = 0; k < t.dim; k++) {
        const x = r instanceof Float32Array ? r[k] : fma(r.scale, r.q[k], r.bias);
        const o = b * t.dim + k;
        if (mode === 'max') out[o] = n === 0 || x > out[o] ? x : out[o];
        else out[o] = r instanceof Float32Array ? f(out[o] + x) : fma(r.scale, r.q[k], f(out[o] + r.bias));
      }
      n++;
    }
    if (mode === 'mean' && n > 0) {
      const inv = f(1 / n);
      for (let k = 0; k < t.dim; k++) {
        const o = b * t.dim + k;
        out[o] = t.format === 'float32' ? f(out[o] / n) : f(out[o] * inv);
      }
    }
  }
  return out;
}

const isas = (['scalar', 'avx2', 'avx512_vnni', 'all'] as Isa[]).filter((i) => i === 'scalar' || i === 'all' || info().isas.includes(i));

it('every ISA matches the model: sum / mean / max, all formats, odd dims, padding, bags up to 70 rows', () => {
  const rng = new Rng(7);
  try {
    for (const dim of [1, 3, 8, 17, 32, 64, 100, 130]) {
      const rows = 40;
      const x = new Float32Array(rows * dim).map(() => f(rng.uniform(-2, 2)));
      const tables = [embeddingTable('float32', rows, dim, x), quantizeTable(tensor(x, [rows, dim]), 'rowwise8'), quantizeTable(tensor(x, [rows, dim]), 'rowwise4')];
      const ids: number[] = [], offsets: number[] = [];
      for (let b = 0; b < 6; b++) {
        offsets.push(ids.length);
        const len = b === 2 ? 0 : Math.floor(rng.uniform(0, 70));
        for (let i = 0; i < len; i++) ids.push(Math.floor(rng.uniform(0, rows)));
      }
      for (const t of tables) {
        for (const mode of ['sum', 'mean', 'max'] as Pooling[]) {
          const pad = mode === 'mean' ? ids[0] : -1;
          const want = reference(t, ids, offsets, mode, pad);
          for (const isa of isas) {
            setMaxIsa(isa);
            for (const wide of [false, true]) {
              const I = wide ? BigInt64Array.from(ids.map(BigInt)) : Int32Array.from(ids);
              const O = wide ? BigInt64Array.from(offsets.map(BigInt)) : Int32Array.from(offsets);
              const got = embeddingBag(t, I, { offsets: O, mode, paddingIdx: pad >= 0 ? pad : undefined });
              assert.deepEqual(got.shape, [6, dim]);
              assert.deepEqual(got.data, want, `${t.format} dim ${dim} ${mode} ${isa}`);
            }
          }
        }
      }
    }
  } finally {
    setMaxIsa('all');
  }
});

it('dequantizeTable gives back the values within half a step; constant rows exactly', () => {
  const x = Float32Array.from({ length: 6 * 10 }, (_, i) => (i < 10 ? 0.5 : Math.sin(i)));
  for (const [format, steps] of [['rowwise8', 255], ['rowwise4', 15]] as const) {
    const t = quantizeTable(tensor(x, [6, 10]), format);
    assert.equal(t.data.length, 6 * rowBytes(format, 10));
    const y = dequantizeTable(t).data;
    for (let r = 0; r < 6; r++) {
      const row = x.subarray(r * 10, r * 10 + 10);
      const step = (Math.max(...row) - Math.min(...row)) / steps;
      for (let k = 0; k < 10; k++) assert.ok(Math.abs(y[r * 10 + k] - row[k]) <= step / 2 + 2e-3 * step + 1e-6, `${format} ${r},${k}`);
    }
    for (let k = 0; k < 10; k++) assert.equal(y[k], 0.5);
  }
});

it('zerosTable: every format dequantizes to zeros', () => {
  for (const format of ['float32', 'rowwise8', 'rowwise4'] as const) {
    const t = zerosTable(format, 3, 5);
    assert.deepEqual(dequantizeTable(t).data, new Float32Array(15));
  }
});

it('bad ids and offsets: ERR_QGEMM_INDEX, and nothing written', () => {
  const t = embeddingTable('float32', 4, 2, new Float32Array(8).fill(1));
  const out = new Float32Array(4).fill(7);
  const cases: [Int32Array | BigInt64Array, Int32Array | BigInt64Array][] = [
    [Int32Array.of(0, 1, 4), Int32Array.of(0, 1)], // id past the end, last
    [Int32Array.of(0, -1, 2), Int32Array.of(0, 2)], // negative id
    [BigInt64Array.of(0n, 1n, 1n << 40n), BigInt64Array.of(0n, 1n)], // huge id
    [Int32Array.from({ length: 40 }, (_, i) => (i === 21 ? -5 : i % 4)), Int32Array.of(0, 20)], // found by the vector scan
    [BigInt64Array.from({ length: 40 }, (_, i) => BigInt(i === 5 ? 4 : i % 4)), BigInt64Array.of(0n, 20n)],
    [Int32Array.from({ length: 35 }, (_, i) => (i === 33 ? 4 : 0)), Int32Array.of(0, 20)], // in the scan's tail
    [Int32Array.of(0, 1, 2), Int32Array.of(1, 2)], // offsets[0] != 0
    [Int32Array.of(0, 1, 2), Int32Array.of(0, 4)], // offset past ids
    [Int32Array.of(0, 1, 2), Int32Array.of(0, -1)], // negative offset
  ];
  for (const [ids, offsets] of cases) {
    assert.throws(() => embeddingBag(t, ids, { offsets, out }), { code: 'ERR_QGEMM_INDEX' }, `${ids} ${offsets}`);
    assert.deepEqual(out, new Float32Array(4).fill(7));
  }
  assert.throws(() => embeddingBag(t, Int32Array.of(0, 1, 2), { offsets: Int32Array.of(0, 2, 1), out: new Float32Array(6) }), { code: 'ERR_QGEMM_INDEX' });
});

it('bad arguments: coded errors', () => {
  const t = embeddingTable('float32', 4, 2, new Float32Array(8));
  const ids = Int32Array.of(0, 1), offsets = Int32Array.of(0);
  assert.throws(() => embeddingBag(t, [0, 1] as never, { offsets }), { code: 'ERR_QGEMM_DTYPE' });
  assert.throws(() => embeddingBag(t, ids, { offsets: new Float32Array(1) as never }), { code: 'ERR_QGEMM_DTYPE' });
  assert.throws(() => embeddingBag(t, ids, { offsets, mode: 'min' as never }), { code: 'ERR_QGEMM_OPTION' });
  assert.throws(() => embeddingBag(t, ids, { offsets, mode: 'mean', perSampleWeights: new Float32Array(2) }), { code: 'ERR_QGEMM_OPTION' });
  assert.throws(() => embeddingBag(t, ids, { offsets, perSampleWeights: new Float32Array(1) }), { code: 'ERR_QGEMM_SHAPE' });
  assert.throws(() => embeddingBag(t, ids, { offsets, paddingIdx: 4 }), { code: 'ERR_QGEMM_OPTION' });
  assert.throws(() => embeddingBag(t, ids, { offsets, out: new Float32Array(3) }), { code: 'ERR_QGEMM_OUT' });
  assert.throws(() => embeddingBag({ ...t, rows: 5 }, ids, { offsets }), { code: 'ERR_QGEMM_DATA_LENGTH' });
  assert.throws(() => embeddingTable('rowwise8', 2, 4, new Uint8Array(23)), { code: 'ERR_QGEMM_DATA_LENGTH' });
  assert.throws(() => embeddingTable('rowwise9' as never, 2, 4, new Uint8Array(24)), { code: 'ERR_QGEMM_OPTION' });
  assert.throws(() => quantizeTable(tensor(Float32Array.of(1, NaN), [1, 2]), 'rowwise8'), { code: 'ERR_QGEMM_NOT_FINITE' });
  assert.throws(() => quantizeTable(tensor(new Float32Array(2), [1, 2]), 'float32' as never), { code: 'ERR_QGEMM_OPTION' });
  // paddingIdx -1 is the last row, as PyTorch.
  const t2 = embeddingTable('float32', 2, 1, Float32Array.of(1, 2));
  assert.deepEqual(embeddingBag(t2, Int32Array.of(0, 1), { offsets: Int32Array.of(0), paddingIdx: -1 }).data, Float32Array.of(1));
});
