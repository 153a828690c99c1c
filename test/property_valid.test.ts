/**
 * Property-based tests (fast-check): random valid calls agree with the
 * independent JS reference (test/helpers/reference.ts) on every backend and
 * ISA cap this machine has, sync and async, packed and not, with and without
 * `out`, and through quantizedMatmul's fused epilogues and QuantizedLinear.
 *
 * Scale the run counts with QGEMM_PROPERTY_SCALE=10, replay with
 * QGEMM_PROPERTY_SEED=<seed printed on failure>.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import {
  dynamicQuantizeLinear, info, matmul, matmulAsync, packWeights, QuantizedLinear, quantizedMatmul,
  quantizeLinear, roundHalfEven, setMaxIsa, setNumThreads, tensor, Tensor, zeros,
} from '../lib';
import { referenceMatmul, rng } from './helpers/reference';
import { runs } from './property_support';

const machine = info();
const isas = machine.isas;
const f32 = Math.fround;
const counts = { matmul: 0, quantizedMatmul: 0, quantizedLinear: 0, onednn: 0, async: 0, packed: 0 };

after(() => {
  setMaxIsa('all');
  setNumThreads(machine.threads);
  console.log(
    `property_valid: ${counts.matmul} matmul + ${counts.quantizedMatmul} quantizedMatmul + ${counts.quantizedLinear} ` +
      `QuantizedLinear valid calls agreed with the reference (${counts.async} async, ${counts.packed} packed, ` +
      `${counts.onednn} on oneDNN; ISA caps ${isas.join(', ')})`,
  );
});

type ADtype = 'int8' | 'uint8' | 'float32';
type Fill = 'random' | 'min' | 'max' | 'sparse' | 'small';

interface Problem {
  dtype: ADtype;
  m: number;
  n: number;
  k: number;
  aBatch: number; // 0: 2-D
  bBatch: number; // 0: 2-D
  transposeA: boolean;
  transposeB: boolean;
  fill: Fill;
  seed: number;
}

const dim = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 2, arbitrary: fc.integer({ min: 13, max: 40 }) });
const kDim = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 20 }) }, { weight: 2, arbitrary: fc.integer({ min: 21, max: 150 }) });

/** Batch layouts that broadcast: [aBatch, bBatch] with 0 = 2-D. */
const batches = fc.constantFrom<[number, number]>([0, 0], [0, 0], [0, 0], [2, 2], [3, 0], [0, 3], [1, 2], [2, 1], [1, 1], [1, 0]);

const problem = (dtypes: readonly ADtype[]) =>
  fc
    .record({
      dtype: fc.constantFrom(...dtypes),
      m: dim,
      n: dim,
      k: kDim,
      batch: batches,
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      fill: fc.constantFrom<Fill>('random', 'random', 'min', 'max', 'sparse', 'small'),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map(({ batch, ...p }) => ({ ...p, aBatch: batch[0], bBatch: batch[1] }) as Problem);

function values(dtype: ADtype | 'bint8' | 'bfloat32', size: number, fill: Fill, rand: () => number, uint8Max = 255): Tensor['data'] {
  const float = dtype === 'float32' || dtype === 'bfloat32';
  const [lo, hi] = dtype === 'uint8' ? [0, uint8Max] : float ? [-1, 1] : [-128, 127];
  const data = dtype === 'uint8' ? new Uint8Array(size) : float ? new Float32Array(size) : new Int8Array(size);
  for (let i = 0; i < size; i++) {
    let v: number;
    switch (fill) {
      case 'min': v = lo; break;
      case 'max': v = hi; break;
      case 'sparse': v = rand() < 0.9 ? 0 : float ? rand() * 2 - 1 : lo + Math.floor(rand() * (hi - lo + 1)); break;
      case 'small': v = float ? Math.round(rand() * 8 - 4) / 4 : Math.max(lo, Math.min(hi, Math.floor(rand() * 7) - 3)); break;
      default: v = float ? rand() * 2 - 1 : lo + Math.floor(rand() * (hi - lo + 1));
    }
    data[i] = v;
  }
  return data;
}

function operands(p: Problem, uint8Max = 255): { a: Tensor; b: Tensor } {
  const rand = rng(p.seed);
  const aShape = [...(p.aBatch ? [p.aBatch] : []), ...(p.transposeA ? [p.k, p.m] : [p.m, p.k])];
  const bShape = [...(p.bBatch ? [p.bBatch] : []), ...(p.transposeB ? [p.n, p.k] : [p.k, p.n])];
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const a = tensor(values(p.dtype, size(aShape), p.fill, rand, uint8Max) as Int8Array, aShape);
  const b = tensor(values(p.dtype === 'float32' ? 'bfloat32' : 'bint8', size(bShape), p.fill === 'max' ? 'min' : p.fill, rand) as Int8Array, bShape);
  return { a, b };
}

function assertMatches(got: Tensor, a: Tensor, b: Tensor, p: Problem, what: string): void {
  const want = referenceMatmul({ a, b, transposeA: p.transposeA, transposeB: p.transposeB });
  assert.deepEqual([...got.shape], want.shape, `${what}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    if (p.dtype === 'float32') {
      // |a|, |b| <= 1: float32 sums of k terms are within k * 2^-23 of the float64 sum.
      if (!(Math.abs(got.data[i] - want.data[i]) <= 1.2e-7 * (p.k + 1) * (p.k + 1))) {
        assert.fail(`${what}: element ${i}: got ${got.data[i]}, want ${want.data[i]}`);
      }
    } else if (got.data[i] !== want.data[i]) {
      assert.fail(`${what}: element ${i}: got ${got.data[i]}, want ${want.data[i]}`);
    }
  }
}

describe('property: valid matmul calls match the reference', () => {
  const oneDnnInt8 = machine.backends.onednn;
  it('builtin and oneDNN, sync and async, packed or not, with or without out, every ISA cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        problem(['int8', 'uint8', 'float32']),
        fc.record({
          isa: fc.constantFrom(...isas),
          threads: fc.constantFrom(1, 2),
          backend: fc.constantFrom<'builtin' | 'auto' | 'onednn' | undefined>('builtin', 'auto', undefined, 'onednn', 'onednn'),
          packed: fc.boolean(),
          async: fc.boolean(),
          withOut: fc.boolean(),
        }),
        async (p, o) => {
          setMaxIsa(o.isa);
          setNumThreads(o.threads);
          let backend = o.backend;
          const float = p.dtype === 'float32';
          // oneDNN: float32 always; int8 only where exact, or with allowInexact and uint8 A <= 127
          // (oneDNN 2.6.3's non-VNNI path saturates int16 pair sums beyond that).
          const onednnOk = machine.backends.onednn && (float || machine.backends.onednnInt8Exact || (oneDnnInt8 && p.dtype === 'uint8'));
          if (backend === 'onednn' && !onednnOk) backend = 'builtin';
          const inexactRoute = backend === 'onednn' && !float && !machine.backends.onednnInt8Exact;
          const { a, b } = operands(p, inexactRoute ? 127 : 255);
          const packed = o.packed && p.bBatch === 0 && backend !== 'onednn';
          const bArg = packed ? packWeights(b as Tensor<'int8'>, { transpose: p.transposeB }) : b;
          const outShape = p.aBatch || p.bBatch ? [Math.max(p.aBatch, p.bBatch), p.m, p.n] : [p.m, p.n];
          const out = o.withOut ? zeros(float ? 'float32' : 'int32', outShape) : undefined;
          const options = {
            transposeA: p.transposeA,
            ...(packed ? {} : { transposeB: p.transposeB }),
            ...(backend === undefined ? {} : { backend }),
            ...(inexactRoute ? { allowInexact: true } : {}),
            ...(out ? { out } : {}),
          };
          const got = o.async
            ? await matmulAsync(a as Tensor<'int8'>, bArg as Tensor<'int8'>, options as never)
            : matmul(a as Tensor<'int8'>, bArg as Tensor<'int8'>, options as never);
          if (out) assert.equal(got, out, 'returns out');
          assertMatches(got, a, b, p, JSON.stringify({ ...p, ...o, backend, packed }));
          if (packed) (bArg as { dispose(): void }).dispose();
          counts.matmul++;
          if (o.async) counts.async++;
          if (packed) counts.packed++;
          if (backend === 'onednn') counts.onednn++;
        },
      ),
      runs(400),
    );
  });
});

// ---- fused epilogues ---------------------------------------------------------

interface Epi {
  za?: number[];
  zb?: number[];
  sa?: number[];
  sb?: number[];
  bias?: number[];
  relu?: boolean;
  outputType: 'int32' | 'float32' | 'int8' | 'uint8';
  yScale?: number;
  yZeroPoint?: number;
}

/** Element (r, c) of logical matrix `item`, honouring transpose and broadcast (as the helper's `at`). */
function at(t: Tensor, item: number, r: number, c: number, transposed: boolean): number {
  const rows = t.shape[t.shape.length - 2], cols = t.shape[t.shape.length - 1];
  const base = t.shape.length === 3 && t.shape[0] !== 1 ? item * rows * cols : 0;
  return transposed ? t.data[base + c * cols + r] : t.data[base + r * cols + c];
}

const pick = (x: number[] | undefined, i: number, dflt: number) => (x === undefined ? dflt : x.length === 1 ? x[0] : x[i]);

/** The documented epilogue (lib/qmatmul.ts header), from the definition, in float32 steps. */
function referenceEpilogue(a: Tensor, b: Tensor, p: Problem, e: Epi): number[] {
  const batch = Math.max(p.aBatch, p.bBatch, 1);
  const out: number[] = [];
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < p.m; i++) {
      const row = t * p.m + i;
      for (let j = 0; j < p.n; j++) {
        let acc = 0;
        for (let q = 0; q < p.k; q++) {
          acc = (acc + Math.imul(at(a, t, i, q, p.transposeA) - pick(e.za, row, 0), at(b, t, q, j, p.transposeB) - pick(e.zb, j, 0))) | 0;
        }
        if (e.outputType === 'int32') { out.push(acc); continue; }
        let f = f32(f32(acc) * f32(f32(pick(e.sa, row, 1)) * f32(pick(e.sb, j, 1))));
        if (e.bias) f = f32(f + f32(e.bias[j]));
        if (e.relu && f < 0) f = 0;
        if (e.outputType === 'float32') { out.push(f); continue; }
        const [lo, hi] = e.outputType === 'int8' ? [-128, 127] : [0, 255];
        let v = f32(f / f32(e.yScale ?? 1));
        if (Number.isNaN(v)) { out.push(0); continue; }
        v = Math.min(1024, Math.max(-1024, v));
        out.push(Math.min(hi, Math.max(lo, roundHalfEven(v) + (e.yZeroPoint ?? 0))));
      }
    }
  }
  return out;
}

/** Positive scales that stay positive and finite in float32: ordinary, tiny (denormal) and huge. */
const scaleValue = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 1e-4, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(1.401298464324817e-45, 1e-40, 1.1754943508222875e-38, 1e30, 3.4e38) },
);

function perSomething<T>(arb: fc.Arbitrary<T>, count: number): fc.Arbitrary<T[] | undefined> {
  return fc.oneof(fc.constant(undefined), fc.array(arb, { minLength: 1, maxLength: 1 }), fc.array(arb, { minLength: count, maxLength: count }));
}

describe('property: quantizedMatmul epilogues match the documented formula', () => {
  it('zero points, scales, bias, ReLU and every output type, builtin and oneDNN, every ISA cap', async () => {
    const arb = problem(['int8', 'uint8']).chain((p) => {
      const rows = Math.max(p.aBatch, p.bBatch, 1) * p.m;
      const zp = fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
      return fc.tuple(
        fc.constant(p),
        fc.constantFrom<Epi['outputType']>('int32', 'float32', 'int8', 'uint8').chain((outputType) =>
          fc.record({
            outputType: fc.constant(outputType),
            za: perSomething(zp, rows),
            zb: perSomething(zp, p.n),
            sa: outputType === 'int32' ? fc.constant(undefined) : perSomething(scaleValue, rows),
            sb: outputType === 'int32' ? fc.constant(undefined) : perSomething(scaleValue, p.n),
            bias: outputType === 'int32' ? fc.constant(undefined) : fc.option(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: p.n, maxLength: p.n }), { nil: undefined }),
            relu: outputType === 'int32' ? fc.constant(undefined) : fc.option(fc.boolean(), { nil: undefined }),
            yScale: outputType === 'int8' || outputType === 'uint8' ? fc.option(scaleValue, { nil: undefined }) : fc.constant(undefined),
            yZeroPoint: outputType === 'int8' ? fc.option(fc.integer({ min: -128, max: 127 }), { nil: undefined }) : outputType === 'uint8' ? fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }) : fc.constant(undefined),
          }),
        ),
        fc.record({ isa: fc.constantFrom(...isas), backend: fc.constantFrom<'builtin' | 'onednn'>('builtin', 'builtin', 'onednn'), packed: fc.boolean() }),
      );
    });
    await fc.assert(
      fc.asyncProperty(arb, async ([p, e, o]) => {
        setMaxIsa(o.isa);
        const backend = o.backend === 'onednn' && machine.backends.onednn && (p.dtype === 'uint8' || machine.backends.onednnInt8Exact) ? 'onednn' : 'builtin';
        const inexactRoute = backend === 'onednn' && !machine.backends.onednnInt8Exact;
        const { a, b } = operands(p, inexactRoute ? 127 : 255);
        const packed = o.packed && p.bBatch === 0 && backend === 'builtin';
        const bArg = packed ? packWeights(b as Tensor<'int8'>, { transpose: p.transposeB }) : b;
        const options: Record<string, unknown> = { transposeA: p.transposeA, backend, outputType: e.outputType };
        if (!packed) options.transposeB = p.transposeB;
        if (inexactRoute) options.allowInexact = true;
        if (e.za) options.aZeroPoint = e.za.length === 1 && (p.seed & 1) === 0 ? e.za[0] : e.za;
        if (e.zb) options.bZeroPoint = Int32Array.from(e.zb);
        if (e.sa) options.aScale = e.sa.length === 1 && (p.seed & 2) === 0 ? e.sa[0] : e.sa;
        if (e.sb) options.bScale = Float32Array.from(e.sb);
        if (e.bias) options.bias = Float32Array.from(e.bias);
        if (e.relu !== undefined) options.relu = e.relu;
        if (e.yScale !== undefined) options.yScale = e.yScale;
        if (e.yZeroPoint !== undefined) options.yZeroPoint = e.yZeroPoint;
        // A single value for a dimension of 1 is per tensor or per row: both mean the same.
        const got = quantizedMatmul(a as Tensor<'int8'>, bArg as Tensor<'int8'>, options);
        const want = referenceEpilogue(a, b, p, e);
        assert.equal(got.dtype, e.outputType);
        assert.equal(got.data.length, want.length);
        for (let i = 0; i < want.length; i++) {
          const g = got.data[i], w = want[i];
          if (!(Object.is(g, w) || g === w)) {
            assert.fail(`element ${i}: got ${g}, want ${w} for ${JSON.stringify({ p, e, o, backend })}`);
          }
        }
        if (packed) (bArg as { dispose(): void }).dispose();
        counts.quantizedMatmul++;
        if (backend === 'onednn') counts.onednn++;
        if (packed) counts.packed++;
      }),
      runs(400),
    );
  });
});

describe('property: QuantizedLinear matches ONNX quantize + the epilogue formula', () => {
  it('dynamic per row / per tensor and static uint8/int8, float or quantized out, sync and async', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 1, max: 9 }),
          inF: fc.integer({ min: 1, max: 40 }),
          outF: fc.integer({ min: 1, max: 24 }),
          mode: fc.constantFrom('dynamic-row', 'dynamic-tensor', 'static-u8', 'static-i8'),
          perChannel: fc.boolean(),
          bias: fc.boolean(),
          relu: fc.boolean(),
          output: fc.constantFrom(undefined, 'uint8', 'int8'),
          async: fc.boolean(),
          isa: fc.constantFrom(...isas),
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          xScale: fc.double({ min: 1e-3, max: 1, noNaN: true }),
          special: fc.constantFrom('none', 'none', 'none', 'nan', 'zeros', 'huge'),
          propagate: fc.boolean(),
        }),
        async (c) => {
          setMaxIsa(c.isa);
          const rand = rng(c.seed);
          const w = tensor(Float32Array.from({ length: c.outF * c.inF }, () => rand() * 2 - 1), [c.outF, c.inF]);
          const biasData = c.bias ? Float32Array.from({ length: c.outF }, () => rand() - 0.5) : undefined;
          const x = tensor(Float32Array.from({ length: c.rows * c.inF }, () => rand() * 4 - 2), [c.rows, c.inF]);
          const nanAt = c.special === 'nan' ? Math.floor(rand() * x.data.length) : -1;
          const badRow = nanAt < 0 ? -1 : Math.floor(nanAt / c.inF);
          // A NaN row is refused, or (nonFinite 'propagate', float32 out only) gives NaN in that
          // row and, elsewhere, what the layer gives with that row zeroed.
          const propagate = c.propagate && !c.output;
          if (nanAt >= 0) x.data[nanAt] = NaN;
          if (c.special === 'zeros') x.data.fill(0);
          if (c.special === 'huge') x.data[0] = 3e38;
          const statik = c.mode.startsWith('static');
          const xDtype = c.mode === 'static-i8' ? 'int8' : 'uint8';
          const input = statik ? { scale: f32(c.xScale), zeroPoint: xDtype === 'int8' ? 3 : 128, dtype: xDtype as 'int8' | 'uint8' } : undefined;
          const output = c.output ? { scale: 0.05, zeroPoint: c.output === 'int8' ? -2 : 100, dtype: c.output as 'int8' | 'uint8' } : undefined;
          const layer = new QuantizedLinear(w, biasData, {
            activation: statik ? 'static' : 'dynamic',
            ...(c.mode === 'dynamic-tensor' ? { perRow: false } : {}),
            ...(input ? { input } : {}),
            ...(output ? { output } : {}),
            weights: c.perChannel ? 'per-channel' : 'per-tensor',
            relu: c.relu,
            nonFinite: propagate ? 'propagate' : 'throw',
          });
          if (nanAt >= 0 && !propagate) {
            const refused = { code: 'ERR_QGEMM_NOT_FINITE', message: new RegExp(`x row ${badRow} holds NaN`) };
            if (c.async) await assert.rejects(layer.forwardAsync(x), refused);
            else assert.throws(() => layer.forward(x), refused);
            layer.dispose();
            counts.quantizedLinear++;
            return;
          }
          const y = c.async ? await layer.forwardAsync(x) : layer.forward(x);
          if (badRow >= 0) x.data.fill(0, badRow * c.inF, (badRow + 1) * c.inF); // the model's input
          // The model: quantize x with the JS ONNX ops, then the epilogue formula on (xq - zx) * Wq^T.
          const wq = quantizeLinear(w, c.perChannel ? layer.weightScales : layer.weightScales[0], c.perChannel ? new Int8Array(c.outF) : 0, c.perChannel ? { axis: 0, dtype: 'int8' } : { dtype: 'int8' });
          const xs: number[] = [], xz: number[] = [];
          let xq: Int8Array | Uint8Array;
          if (statik) {
            xq = quantizeLinear(x, input!.scale, input!.zeroPoint, { dtype: xDtype }).data;
            xs.push(input!.scale); xz.push(input!.zeroPoint);
          } else if (c.mode === 'dynamic-tensor') {
            const d = dynamicQuantizeLinear(x);
            xq = d.y.data; xs.push(d.scale); xz.push(d.zeroPoint);
          } else {
            xq = new Uint8Array(x.data.length);
            for (let r = 0; r < c.rows; r++) {
              const d = dynamicQuantizeLinear(x.data.subarray(r * c.inF, (r + 1) * c.inF));
              xq.set(d.y.data, r * c.inF); xs.push(d.scale); xz.push(d.zeroPoint);
            }
          }
          const p: Problem = { dtype: xDtype, m: c.rows, n: c.outF, k: c.inF, aBatch: 0, bBatch: 0, transposeA: false, transposeB: true, fill: 'random', seed: 0 };
          const want = referenceEpilogue(tensor(xq as Uint8Array, [c.rows, c.inF]), wq, p, {
            za: xz, sa: xs, sb: [...layer.weightScales], bias: biasData ? [...biasData] : undefined, relu: c.relu,
            outputType: output ? output.dtype : 'float32', yScale: output?.scale, yZeroPoint: output?.zeroPoint,
          });
          if (badRow >= 0) want.fill(NaN, badRow * c.outF, (badRow + 1) * c.outF);
          assert.equal(y.dtype, output ? output.dtype : 'float32');
          assert.deepEqual([...y.shape], [c.rows, c.outF]);
          for (let i = 0; i < want.length; i++) {
            if (!Object.is(y.data[i], want[i]) && y.data[i] !== want[i]) assert.fail(`element ${i}: got ${y.data[i]}, want ${want[i]} for ${JSON.stringify(c)}`);
          }
          layer.dispose();
          counts.quantizedLinear++;
          if (c.async) counts.async++;
        },
      ),
      runs(200),
    );
  });
});
