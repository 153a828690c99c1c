/**
 * Property-based tests (fast-check): random invalid calls to the public API
 * (wrong types, NaN, Infinity, negative or huge dimensions, mismatched
 * lengths, detached buffers, disposed packs, wrong `out` tensors, garbage
 * options and epilogues) always throw or reject with a coded error
 * (ERR_QGEMM_*), and raw addon calls with random argument lists either work
 * or throw a coded error: the process never crashes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import fc from 'fast-check';

import {
  info, matmul, matmulAsync, packWeights, packWeightsAsync, QuantizedLinear, quantizedMatmul, setMaxIsa,
  setNumThreads, tensor, Tensor, zeros,
} from '../lib';
import { GEMM_DIMS, LINEAR_DIMS, native } from '../lib/native';
import { assertCoded, expectCoded, expectCodedOrOk, runs, sanitized } from './property_support';

const machine = info();
const counts = { api: 0, raw: 0, rawOk: 0, rawThrew: 0, knownBadAlloc: 0 };
const codes = new Map<string, number>();

after(() => {
  setMaxIsa('all');
  setNumThreads(machine.threads);
  const top = [...codes.entries()].sort((x, y) => y[1] - x[1]).map(([c, n]) => `${c.replace('ERR_QGEMM_', '')} ${n}`);
  console.log(
    `property_invalid: ${counts.api} invalid API calls all threw coded errors (${top.join(', ')}); ` +
      `${counts.raw} raw addon calls: ${counts.rawOk} ran, ${counts.rawThrew} threw coded errors, none crashed` +
      (counts.knownBadAlloc ? ` (${counts.knownBadAlloc} raw packWeights with an empty, huge B threw an uncoded std::bad_alloc: known, see docs/RELIABILITY.md)` : ''),
  );
});

/**
 * Values that are never a tensor, a boolean option or a valid number. Symbols and
 * null-prototype objects are left out for the public API: its error messages
 * stringify the bad value, which throws an uncoded TypeError for them (known,
 * see docs/RELIABILITY.md). The raw addon gets them (rawGarbage).
 */
const garbage: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0.5, 2 ** 53, -0.0001),
  fc.string({ maxLength: 6 }),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 4 }),
  fc.constantFrom(new Float64Array(4), new Uint8ClampedArray(4), new Int16Array(4), new BigInt64Array(2)),
  fc.constant(() => 1),
  fc.bigInt({ min: -5n, max: 5n }),
  fc.constant(new Date(0)),
);
const rawGarbage: fc.Arbitrary<unknown> = fc.oneof(garbage, fc.constant(Symbol('x')), fc.constant(Object.create(null)));

const badDim = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, -1, -7, 1.5, 2 ** 53, 2 ** 64, '3', null, undefined, true, {}, 3n);

function detach(t: Tensor): Tensor {
  structuredClone(t.data.buffer, { transfer: [t.data.buffer as ArrayBuffer] });
  return t;
}

const i8 = (shape: number[]) => zeros('int8', shape);
/** Garbage that is not a plain number or array (either might be a valid value in that slot). */
const nn = (g: unknown): unknown => (typeof g === 'number' || Array.isArray(g) ? 'x' : g);

/** A small valid call: a [m, k] (int8, uint8 or float32), b [k, n]. */
const base = fc.record({
  m: fc.integer({ min: 1, max: 5 }),
  n: fc.integer({ min: 1, max: 5 }),
  k: fc.integer({ min: 1, max: 5 }),
  dtype: fc.constantFrom<'int8' | 'uint8' | 'float32'>('int8', 'uint8', 'float32'),
  async: fc.boolean(),
});
type Base = { m: number; n: number; k: number; dtype: 'int8' | 'uint8' | 'float32'; async: boolean };

function operands(c: Base): { a: Tensor; b: Tensor } {
  return { a: zeros(c.dtype, [c.m, c.k]), b: zeros(c.dtype === 'float32' ? 'float32' : 'int8', [c.k, c.n]) };
}

function call(c: Base, a: unknown, b: unknown, options?: unknown): unknown {
  return c.async ? matmulAsync(a as never, b as never, options as never) : matmul(a as never, b as never, options as never);
}

/** Each mutation turns a valid call into an invalid one. */
const mutations: Record<string, (c: Base, g: unknown, d: unknown, i: number) => unknown> = {
  notTensorA: (c, g) => call(c, g, operands(c).b),
  notTensorB: (c, g) => call(c, operands(c).a, g),
  badDtype: (c, g) => call(c, { ...operands(c).a, dtype: typeof g === 'string' ? `x${g}` : g }, operands(c).b),
  mixedDtypes: (c) => call(c, operands(c).a, zeros(c.dtype === 'float32' ? 'int8' : 'float32', [c.k, c.n])),
  int32Operand: (c) => call(c, zeros('int32', [c.m, c.k]), operands(c).b),
  uint8B: (c) => call(c, operands(c).a, zeros('uint8', [c.k, c.n])),
  liarData: (c) => call(c, { dtype: c.dtype, shape: [c.m, c.k], data: c.dtype === 'int8' ? new Uint8Array(c.m * c.k) : new Int8Array(c.m * c.k) }, operands(c).b),
  badShapeEntry: (c, _g, d, i) => {
    const { a, b } = operands(c);
    const shape: unknown[] = [c.m, c.k];
    shape[i % 2] = d;
    return i % 3 === 0 ? call(c, a, { ...b, shape }) : call(c, { ...a, shape }, b);
  },
  shapeNotArray: (c, g) => call(c, { ...operands(c).a, shape: Array.isArray(g) ? 'x' : g }, operands(c).b),
  badRank: (c, _g, _d, i) => {
    const { a, b } = operands(c);
    const shape = i % 2 ? [c.m * c.k] : [1, 1, c.m, c.k];
    return call(c, { ...a, shape }, b);
  },
  dataLength: (c, _g, _d, i) => {
    const { a, b } = operands(c);
    const delta = (i % 5) + 1;
    const data = zeros(c.dtype, [c.m * c.k + (i % 2 ? delta : -Math.min(delta, c.m * c.k))]).data;
    if (data.length === c.m * c.k) return call(c, a, { ...b, shape: [c.k + 1, c.n] });
    return call(c, { ...a, data }, b);
  },
  detachedA: (c) => call(c, detach(operands(c).a), operands(c).b),
  detachedB: (c) => call(c, operands(c).a, detach(operands(c).b)),
  detachedOut: (c) => call(c, operands(c).a, operands(c).b, { out: detach(zeros(c.dtype === 'float32' ? 'float32' : 'int32', [c.m, c.n])) }),
  disposedPack: (c) => {
    const { a, b } = operands(c);
    const w = packWeights(b as Tensor<'int8'>);
    w.dispose();
    return call(c, a, w);
  },
  innerMismatch: (c, _g, _d, i) => call(c, operands(c).a, zeros(c.dtype === 'float32' ? 'float32' : 'int8', [c.k + 1 + (i % 3), c.n])),
  packedInnerMismatch: (c) => call(c, operands(c).a, packWeights(zeros(c.dtype === 'float32' ? 'float32' : 'int8', [c.k + 1, c.n]) as Tensor<'int8'>)),
  batchMismatch: (c) => call(c, zeros(c.dtype, [2, c.m, c.k]), zeros(c.dtype === 'float32' ? 'float32' : 'int8', [3, c.k, c.n])),
  outWrongDtype: (c) => call(c, operands(c).a, operands(c).b, { out: zeros(c.dtype === 'float32' ? 'int32' : 'float32', [c.m, c.n]) }),
  outWrongShape: (c, _g, _d, i) => call(c, operands(c).a, operands(c).b, { out: zeros(c.dtype === 'float32' ? 'float32' : 'int32', i % 2 ? [c.n + 1, c.m] : [1, c.m, c.n]) }),
  outGarbage: (c, g) => call(c, operands(c).a, operands(c).b, { out: g ?? {} }),
  outOverlaps: (c) => {
    const { a, b } = operands(c);
    const buffer = new ArrayBuffer(4 * c.m * c.n + 4 * c.m * c.k);
    const outData = new (c.dtype === 'float32' ? Float32Array : Int32Array)(buffer, 0, c.m * c.n);
    const aData = new (c.dtype === 'float32' ? Float32Array : c.dtype === 'int8' ? Int8Array : Uint8Array)(buffer, 0, c.m * c.k);
    return call(c, { ...a, data: aData }, b, { out: { dtype: c.dtype === 'float32' ? 'float32' : 'int32', shape: [c.m, c.n], data: outData } });
  },
  optionsNotObject: (c, g) => call(c, operands(c).a, operands(c).b, typeof g === 'object' && g !== null ? 5 : g ?? 'x'),
  unknownOption: (c, g) => call(c, operands(c).a, operands(c).b, { [`x${String(typeof g)}`]: g }),
  badTranspose: (c, g, _d, i) => call(c, operands(c).a, operands(c).b, { [i % 2 ? 'transposeA' : 'transposeB']: g }),
  badAllowInexact: (c, g) => call(c, operands(c).a, operands(c).b, { allowInexact: g }),
  badBackend: (c, g) => call(c, operands(c).a, operands(c).b, { backend: typeof g === 'string' ? `x${g}` : g }),
  oneDnnRefused: (c) => {
    // int8 where oneDNN is inexact (or absent), or float32 where it is absent.
    if (machine.backends.onednn && (c.dtype === 'float32' || machine.backends.onednnInt8Exact)) {
      const w = packWeights(operands(c).b as Tensor<'int8'>);
      return call(c, operands(c).a, w, { backend: 'onednn' });
    }
    return call(c, operands(c).a, operands(c).b, { backend: 'onednn' });
  },
  packedWithTransposeB: (c, _g, _d, i) => call(c, operands(c).a, packWeights(operands(c).b as Tensor<'int8'>), { transposeB: i % 2 === 0 }),
  badSignal: (c, g) => matmulAsync(operands(c).a as never, operands(c).b as never, { signal: g } as never),
  tooLarge: (c, _g, _d, i) => (i % 2 ? zeros(c.dtype, [2 ** 27, 2 ** 26]) : call(c, zeros(c.dtype, [70000, 0]), zeros(c.dtype === 'float32' ? 'float32' : 'int8', [0, 70000]))),
  hugeShapeSmallData: (c) => call(c, { ...operands(c).a, shape: [2 ** 26, 2 ** 26] }, operands(c).b),
  tensorGarbage: (_c, g, d) => tensor(g as never, d as never),
  zerosGarbage: (_c, g, d) => zeros(g as never, [d] as never),
  setMaxIsaGarbage: (_c, g) => setMaxIsa((typeof g === 'string' ? `x${g}` : g) as never),
  setNumThreadsGarbage: (_c, g, _d, i) => setNumThreads((typeof g === 'number' && Number.isInteger(g) && g >= 1 && g <= 256 ? 257 + i : g) as never),
  packGarbage: (c, g, _d, i) => {
    const b = operands(c).b;
    switch (i % 6) {
      case 0: return (c.async ? packWeightsAsync : packWeights)(g as never);
      case 1: return packWeights(b as Tensor<'int8'>, (typeof g === 'object' && g !== null ? 7 : g ?? 'x') as never);
      case 2: return packWeights(b as Tensor<'int8'>, { transpose: g ?? 'x' } as never);
      case 3: return packWeights(b as Tensor<'int8'>, { transposed: true } as never);
      case 4: return (c.async ? packWeightsAsync : packWeights)(zeros(c.dtype === 'float32' ? 'float32' : 'int8', [2, c.k, c.n]) as never);
      case 5: return i % 4 ? packWeights(zeros(i % 3 ? 'uint8' : 'int32', [c.k, c.n]) as never) : packWeights(i8(i % 8 ? [0, 2 ** 40] : [2 ** 40, 0]), { transpose: i % 3 === 0 });
      default: return undefined;
    }
  },
};

/** quantizedMatmul with one epilogue option made invalid. */
const epilogueMutations: [string, (c: Base, g: unknown, i: number) => Record<string, unknown>][] = [
  ['aZeroPoint', (c, g, i) => ({ aZeroPoint: [nn(g), 1.5, NaN, 2 ** 31, -(2 ** 31) - 1, Infinity][i % 6] ?? 0.5 })],
  ['aZeroPointLength', (c) => ({ aZeroPoint: new Array(c.m + 1).fill(0) })],
  ['bZeroPoint', (c, g) => ({ bZeroPoint: typeof g === 'number' ? new Int32Array(c.n + 2) : nn(g) ?? NaN })],
  ['aScale', (c, g, i) => ({ aScale: [nn(g), 0, -1, NaN, Infinity, 1e-50, 1e39, [1, NaN]][i % 8] ?? -2 })],
  ['bScale', (c, g, i) => ({ bScale: [new Float32Array(c.n + 1), 0, [0], -0, 5e-46, [3.5e38], nn(g)][i % 7] ?? 0 })],
  ['bias', (c, g, i) => ({ bias: [new Float32Array(c.n + 1), new Array(c.n + 1).fill(1), nn(g), [Infinity], [NaN], true, [1e39]][i % 7] ?? NaN })],
  ['relu', (c, g) => ({ relu: typeof g === 'boolean' ? 1 : g ?? 0 })],
  ['outputType', (c, g) => ({ outputType: typeof g === 'string' ? `x${g}` : g ?? 'int16' })],
  ['int32WithScale', () => ({ outputType: 'int32', aScale: 1 })],
  ['yScale', (c, g, i) => ({ outputType: i % 2 ? 'int8' : 'uint8', yScale: [nn(g), 0, -1, NaN, Infinity, 1e-50, 1e39][i % 7] ?? 0 })],
  ['yZeroPoint', (c, g, i) => ({ outputType: i % 2 ? 'int8' : 'uint8', yZeroPoint: [nn(g), 256, -129, 1.5, NaN, i % 2 ? 128 : -1][i % 6] ?? 300 })],
  ['unknownKey', (c, g) => ({ yscale: g })],
  ['float32A', () => ({})],
];

describe('property: invalid calls throw coded errors', () => {
  it('matmul, matmulAsync, packWeights, tensor, zeros, setMaxIsa, setNumThreads', async () => {
    const names = Object.keys(mutations);
    await fc.assert(
      fc.asyncProperty(base, fc.constantFrom(...names), garbage, badDim, fc.nat(1000), async (c, name, g, d, i) => {
        const code = await expectCoded(() => mutations[name](c, g, d, i), `${name}(${String(typeof g)})`);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        counts.api++;
      }),
      runs(2500),
    );
  });

  it('quantizedMatmul with a bad epilogue option', async () => {
    await fc.assert(
      fc.asyncProperty(base, fc.integer({ min: 0, max: epilogueMutations.length - 1 }), garbage, fc.nat(1000), async (c, which, g, i) => {
        const [name, make] = epilogueMutations[which];
        const a = name === 'float32A' ? zeros('float32', [c.m, c.k]) : zeros(c.dtype === 'float32' ? 'uint8' : c.dtype, [c.m, c.k]);
        const code = await expectCoded(() => quantizedMatmul(a as never, i8([c.k, c.n]), make(c, g, i)), `quantizedMatmul ${name}`);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        counts.api++;
      }),
      runs(800),
    );
  });

  it('QuantizedLinear: bad weights, options, inputs, and use after dispose', async () => {
    const good = () => tensor(new Float32Array(6).fill(0.5), [2, 3]);
    const cases: ((g: unknown, i: number) => unknown)[] = [
      (g) => new QuantizedLinear(g as never),
      (g) => new QuantizedLinear(good(), g === undefined ? new Float32Array(3) : (g as never)),
      (g) => new QuantizedLinear(good(), undefined, { activation: typeof g === 'string' ? `x${g}` : g ?? 'x' } as never),
      (g) => new QuantizedLinear(good(), undefined, { activation: 'static', input: g } as never),
      (g, i) => new QuantizedLinear(good(), undefined, { activation: 'static', input: { scale: [nn(g), 0, NaN, 1e-50, 1e39][i % 5] ?? -1, zeroPoint: 0 } } as never),
      (g, i) => new QuantizedLinear(good(), undefined, { output: { scale: 1, zeroPoint: [nn(g), 256, -1, 0.5][i % 4] ?? 999, dtype: 'uint8' } } as never),
      (g) => new QuantizedLinear(good(), undefined, { input: { scale: 1, zeroPoint: 0 }, activation: 'dynamic', x: g } as never),
      () => new QuantizedLinear(tensor(new Float32Array([1, Infinity, 0, 0, 0, 0]), [2, 3])),
      (g) => new QuantizedLinear(good()).forward(g as never),
      (_g, i) => new QuantizedLinear(good()).forward(zeros('float32', [2, 3 + 1 + (i % 3)])),
      () => new QuantizedLinear(good()).forward(zeros('uint8', [2, 3])),
      () => new QuantizedLinear(good()).forwardAsync(detach(zeros('float32', [2, 3]))),
      (g) => new QuantizedLinear(good()).forwardAsync(zeros('float32', [2, 3]), { signal: g ?? 5 } as never),
      () => new QuantizedLinear(good()).forwardAsync(zeros('float32', [2, 3]), null as never),
      () => new QuantizedLinear(good()).forward(tensor(new Float32Array([1, 2, Infinity]), [1, 3])),
      () => {
        const l = new QuantizedLinear(good());
        l.dispose();
        return l.forward(zeros('float32', [1, 3]));
      },
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: cases.length - 1 }), garbage, fc.nat(1000), async (which, g, i) => {
        const code = await expectCoded(() => cases[which](g, i), `QuantizedLinear case ${which}`);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        counts.api++;
      }),
      runs(500),
    );
  });
});

// ---- raw addon calls ------------------------------------------------------------

describe('property: raw addon calls with random arguments never crash', () => {
  const addon = native();
  const typed = fc
    .record({ type: fc.constantFrom(Int8Array, Uint8Array, Int32Array, Float32Array, Float64Array, Uint8ClampedArray), length: fc.integer({ min: 0, max: 48 }), detached: fc.boolean(), offset: fc.boolean() })
    .map(({ type, length, detached, offset }) => {
      const buffer = new ArrayBuffer((length + (offset ? 1 : 0)) * type.BYTES_PER_ELEMENT);
      const view = new type(buffer, offset ? type.BYTES_PER_ELEMENT : 0, length);
      if (detached && Math.abs(length) % 4 === 0) structuredClone(buffer, { transfer: [buffer] });
      return view;
    });
  const number = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }) },
    // Under ASan, sizes that pass the checks but cannot be allocated (2^40, 2^53 - 1) abort in operator new.
    { weight: 2, arbitrary: fc.constantFrom(-1, 0.5, NaN, Infinity, -Infinity, -0, 2 ** 53, 2 ** 63, 1e300, ...(sanitized ? [] : [2 ** 40, Number.MAX_SAFE_INTEGER])) },
  );
  const packed = fc.constantFrom('live-int8', 'live-f32', 'disposed').map((kind) => {
    const w = kind === 'live-f32' ? addon.packWeights(new Float32Array(6), 2, 3, false) : addon.packWeights(new Int8Array(6), 2, 3, kind === 'disposed');
    if (kind === 'disposed') w.dispose();
    return w;
  });
  const epilogue = fc.record(
    {
      aZeroPoint: fc.oneof(typed, rawGarbage), bZeroPoint: fc.oneof(typed, rawGarbage), aScale: fc.oneof(typed, rawGarbage),
      bScale: fc.oneof(typed, rawGarbage), bias: fc.oneof(typed, rawGarbage), relu: fc.oneof(fc.boolean(), rawGarbage),
      yScale: fc.oneof(number, rawGarbage), yZeroPoint: fc.oneof(number, rawGarbage),
    },
    { requiredKeys: [] },
  );
  const arg = fc.oneof(
    { weight: 4, arbitrary: number },
    { weight: 3, arbitrary: typed },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: packed },
    { weight: 1, arbitrary: rawGarbage },
    { weight: 1, arbitrary: epilogue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  // A descriptor's dims: mostly the right length of plausible numbers (flags 0 / 1 among them), sometimes any length.
  const dims = (length: number) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.array(fc.oneof(number, fc.constantFrom(0, 1)), { minLength: length, maxLength: length }).map((v) => Float64Array.from(v)) },
      { weight: 1, arbitrary: fc.array(fc.double(), { maxLength: 14 }).map((v) => Float64Array.from(v)) },
    );
  type Kind = 'n' | 't' | 'b' | 'p' | 'e' | 'g' | 'l';
  // Mostly the right arity with plausible types in each slot, sometimes anything.
  const slot = (kind: Kind): fc.Arbitrary<unknown> =>
    fc.oneof(
      {
        weight: 6,
        arbitrary:
          kind === 'n' ? number : kind === 't' ? typed : kind === 'b' ? fc.boolean() : kind === 'p' ? fc.oneof(typed, packed)
            : kind === 'g' ? dims(GEMM_DIMS.length) : kind === 'l' ? dims(LINEAR_DIMS.length) : fc.oneof(epilogue, fc.constant(undefined)),
      },
      { weight: 1, arbitrary: arg },
    );
  // gemm and quantizedLinear take one descriptor object (buffers by name, numbers in dims); packWeights positional arguments.
  const descriptors: Record<string, Record<string, Kind>> = {
    gemm: { a: 't', b: 'p', c: 't', dims: 'g', epilogue: 'e' },
    quantizedLinear: { x: 't', weights: 'p', wScales: 't', bias: 't', out: 't', dims: 'l' },
  };
  descriptors.gemmAsync = descriptors.gemm;
  descriptors.quantizedLinearAsync = descriptors.quantizedLinear;
  const signatures: Record<string, string> = { packWeights: 'tnnb', packWeightsAsync: 'tnnb', histogramL2Search: 'tnnn' };
  // A descriptor: mostly plausible types per field, some fields missing, sometimes a null prototype.
  const descriptor = (fields: Record<string, Kind>): fc.Arbitrary<unknown> =>
    fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.record(Object.fromEntries(Object.entries(fields).map(([name, kind]) => [name, slot(kind)]))) },
          { weight: 1, arbitrary: fc.record(Object.fromEntries(Object.entries(fields).map(([name, kind]) => [name, slot(kind)])), { requiredKeys: [] }) },
        ),
        fc.boolean(),
      )
      .map(([o, bare]) => (bare ? Object.assign(Object.create(null), o) : o));
  const rawCall = fc.constantFrom(...Object.keys(descriptors), ...Object.keys(signatures)).chain((fn) =>
    fc.tuple(
      fc.constant(fn),
      fc.oneof(
        {
          weight: 5,
          arbitrary: fn in descriptors
            ? descriptor(descriptors[fn]).map((d) => [d])
            : (fc.tuple(...[...signatures[fn]].map((k) => slot(k as 'n'))) as fc.Arbitrary<unknown[]>),
        },
        { weight: 1, arbitrary: fc.array(arg, { maxLength: 16 }) },
      ),
    ),
  );

  it('gemm, gemmAsync, quantizedLinear(Async), packWeights(Async), histogramL2Search with random argument lists', async () => {
    await fc.assert(
      fc.asyncProperty(rawCall, async ([fn, args]) => {
        const show = (x: unknown): string => (ArrayBuffer.isView(x) ? `${x.constructor.name}(${(x as Int8Array).length})` : typeof x === 'symbol' ? 'symbol' : typeof x === 'bigint' ? `${x}n` : typeof x === 'object' && x !== null ? 'object' : String(x));
        const shown = (x: unknown): string =>
          fn in descriptors && x !== null && typeof x === 'object' && !ArrayBuffer.isView(x) && !Array.isArray(x)
            ? `{ ${Object.entries(x).map(([k, v]) => `${k}: ${show(v)}`).join(', ')} }`
            : show(x);
        const context = `raw ${fn}(${args.map(shown).join(', ')})`;
        // Known (native/gemm/packed_b.cc): an empty B with a huge K or N throws std::bad_alloc
        // from the column sums; the public API refuses it first (ERR_QGEMM_TOO_LARGE).
        const knownBadAlloc = (e: unknown) => fn.startsWith('packWeights') && e instanceof Error && e.message === 'std::bad_alloc';
        const result = await expectCodedOrOk(() => {
          const r = (addon as unknown as Record<string, (...x: unknown[]) => unknown>)[fn](...args);
          if (fn.endsWith('Async')) {
            const job = r as { promise: Promise<unknown> };
            return job.promise.then((v) => {
              if (v !== null && typeof v === 'object' && 'dispose' in v) (v as { dispose(): void }).dispose();
            });
          }
          if (r !== null && typeof r === 'object' && 'dispose' in r) (r as { dispose(): void }).dispose();
          return r;
        }, context, (e) => {
          if (!knownBadAlloc(e)) return false;
          counts.knownBadAlloc++;
          return true;
        });
        counts.raw++;
        if (result === 'ok') counts.rawOk++;
        else counts.rawThrew++;
      }),
      runs(6000),
    );
  });

  it('setNumThreads, setMaxIsa and info with random arguments', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(rawGarbage, fc.constantFrom(0, 257, 1e9, -3, 'sse', 'avx512', '')).map((v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 256 ? 0 : typeof v === 'string' && ['scalar', 'avx2', 'avx_vnni', 'avx512_vnni', 'amx'].includes(v) ? 'x' : v)), { maxLength: 3 }), (args) => {
        for (const fn of ['setNumThreads', 'setMaxIsa'] as const) {
          try {
            (addon[fn] as (...x: unknown[]) => void)(...args);
            assert.fail(`raw ${fn} accepted ${String(args[0])}`);
          } catch (e) {
            assertCoded(e, `raw ${fn}`);
          }
        }
        assert.equal(typeof addon.info(), 'object');
        counts.raw += 3;
        counts.rawThrew += 2;
        counts.rawOk++;
      }),
      runs(300),
    );
    setNumThreads(machine.threads);
    setMaxIsa('all');
  });

  it('an allocation failure on the compute queue rejects with a code instead of ending the process', { skip: sanitized && 'ASan aborts on the deliberate 4 TiB allocation' }, () => {
    // Before the fix, std::bad_alloc escaped the compute-queue thread: std::terminate.
    const script = `
      const { native } = require('./lib/native');
      const { packWeightsAsync, tensor } = require('./lib');
      (async () => {
        const codes = [];
        try { await native().packWeightsAsync(new Int8Array(0), 0, 2 ** 40, false).promise; codes.push('resolved'); } catch (e) { codes.push(e.code); }
        try { await packWeightsAsync(tensor(new Int8Array(0), [0, 2 ** 40])); codes.push('resolved'); } catch (e) { codes.push(e.code); }
        console.log(codes.join(' '));
      })();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.stdout.trim(), 'ERR_QGEMM_OUT_OF_MEMORY ERR_QGEMM_TOO_LARGE', `stdout ${r.stdout} stderr ${r.stderr} signal ${r.signal}`);
  });

  it('a raw gemm whose batch repeats one output (cStride 0) is refused, not run 2^40 times', () => {
    // Before the check this looped for hours on one output element; run it in a child with a timeout.
    const script = `
      const { native } = require('./lib/native');
      try {
        const { gemmDims } = require('./lib/native');
        const dims = gemmDims({ m: 1, n: 1, k: 1, batch: 2 ** 40, aStride: 0, bStride: 0, cStride: 0, transposeA: false, transposeB: false, backend: 1, allowInexact: false });
        native().gemm({ a: new Int8Array(1), b: new Int8Array(1), c: new Int32Array(1), dims });
        console.log('ran');
      } catch (e) { console.log(e.code); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.stdout.trim(), 'ERR_QGEMM_INVALID', `stdout ${r.stdout} stderr ${r.stderr} signal ${r.signal}`);
  });
});
