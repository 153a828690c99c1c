/**
 * The fused epilogues (exact against a reference that follows the documented
 * float32 order), the ONNX integer matmul operators (backend test cases and
 * numpy-made cases), and QuantizedLinear.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  dynamicQuantizeLinear, info, matmul, matmulInteger, packWeights, qlinearMatmul, QuantizedLinear, quantizedMatmul,
  quantizeDynamic, quantizeLinear, roundHalfEven, setMaxIsa, tensor, Tensor,
} from '../lib';
import { randomInts, rng } from './helpers/reference';

const f32 = Math.fround;
const machine = info();
const isas = machine.isas;
after(() => setMaxIsa('all'));

interface EpilogueRef {
  za: Int32Array; zb: Int32Array; sa?: Float32Array; sb?: Float32Array; bias?: Float32Array; relu: boolean;
  out: 'int32' | 'float32' | 'int8' | 'uint8'; ys: number; zy: number;
}

/** The documented epilogue, in JS, from the definition. */
function referenceEpilogue(a: Tensor, b: Tensor, r: EpilogueRef): number[] {
  const [m, k] = a.shape, n = b.shape[1];
  const pick = (x: ArrayLike<number> | undefined, i: number, dflt: number) => (x === undefined ? dflt : x.length === 1 ? x[0] : x[i]);
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc = (acc + (a.data[i * k + p] - pick(r.za, i, 0)) * (b.data[p * n + j] - pick(r.zb, j, 0))) | 0;
      if (r.out === 'int32') { out.push(acc); continue; }
      let f = f32(f32(acc) * f32(pick(r.sa, i, 1) * pick(r.sb, j, 1)));
      if (r.bias) f = f32(f + r.bias[j]);
      if (r.relu && f < 0) f = 0;
      if (r.out === 'float32') { out.push(f); continue; }
      const [lo, hi] = r.out === 'int8' ? [-128, 127] : [0, 255];
      let v = f32(f / r.ys);
      if (Number.isNaN(v)) { out.push(0); continue; }
      v = Math.min(1024, Math.max(-1024, v));
      out.push(Math.min(hi, Math.max(lo, roundHalfEven(v) + r.zy)));
    }
  }
  return out;
}

describe('quantizedMatmul epilogues', () => {
  const rand = rng(77);
  const floats = (n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => f32(lo + rand() * (hi - lo)));
  const backends: { backend: 'builtin' | 'onednn'; aMax: number }[] = [{ backend: 'builtin', aMax: 255 }];
  // oneDNN's int8 path saturates on CPUs without VNNI unless uint8 A stays <= 127 (see matmul tests).
  if (machine.backends.onednn) backends.push({ backend: 'onednn', aMax: machine.backends.onednnInt8Exact ? 255 : 127 });

  for (const isa of isas) {
    for (const { backend, aMax } of backends) {
      it(`every output type, zero point and scale granularity (${backend}, ISA cap ${isa})`, () => {
        setMaxIsa(isa);
        let cases = 0;
        for (const [m, n, k] of [[1, 1, 1], [7, 13, 31], [33, 40, 70], [64, 300, 17]]) {
          for (const out of ['int32', 'float32', 'int8', 'uint8'] as const) {
            for (const perRow of [false, true]) {
              for (const perCol of [false, true]) {
                const a = tensor(randomInts(Uint8Array, m * k, 0, aMax, rand), [m, k]);
                const b = tensor(randomInts(Int8Array, k * n, -128, 127, rand), [k, n]);
                const r: EpilogueRef = {
                  za: Int32Array.from({ length: perRow ? m : 1 }, () => Math.floor(rand() * (aMax + 1))),
                  zb: Int32Array.from({ length: perCol ? n : 1 }, () => Math.floor(rand() * 256) - 128),
                  relu: out !== 'int32' && rand() < 0.5, out, ys: f32(50 + rand() * 2000), zy: out === 'int8' ? -3 : 11,
                };
                if (out !== 'int32') {
                  r.sa = floats(perRow ? m : 1, 0.001, 0.05);
                  r.sb = floats(perCol ? n : 1, 0.001, 0.05);
                  r.bias = floats(n, -5, 5);
                }
                const got = quantizedMatmul(a, b, {
                  aZeroPoint: r.za, bZeroPoint: r.zb, aScale: r.sa, bScale: r.sb, bias: r.bias, relu: out === 'int32' ? undefined : r.relu,
                  outputType: out, ...(out === 'int8' || out === 'uint8' ? { yScale: r.ys, yZeroPoint: r.zy } : {}),
                  backend, allowInexact: backend === 'onednn',
                });
                assert.equal(got.dtype, out);
                assert.deepEqual(Array.from(got.data), referenceEpilogue(a, b, r), `${m}x${n}x${k} ${out} perRow=${perRow} perCol=${perCol}`);
                cases++;
              }
            }
          }
        }
        assert.equal(cases, 64);
      });
    }
  }

  it('works with PackedWeights and batches', () => {
    const rand2 = rng(5);
    const a = tensor(randomInts(Int8Array, 2 * 5 * 9, -128, 127, rand2), [2, 5, 9]);
    const b = tensor(randomInts(Int8Array, 9 * 4, -128, 127, rand2), [9, 4]);
    const za = Int32Array.from({ length: 10 }, (_, i) => i - 5);
    const packed = quantizedMatmul(a, packWeights(b), { aZeroPoint: za, bZeroPoint: 3 });
    const plain = quantizedMatmul(a, b, { aZeroPoint: za, bZeroPoint: 3 });
    assert.deepEqual(packed, plain);
    // Batch item 1 uses rows 5..9 of the per-row zero points.
    const item1 = tensor(a.data.slice(45), [5, 9]);
    assert.deepEqual(Array.from(plain.data.slice(20)), referenceEpilogue(item1, b, { za: za.slice(5), zb: Int32Array.of(3), relu: false, out: 'int32', ys: 1, zy: 0 }));
  });

  it('rejects bad epilogue options with codes', () => {
    const a = tensor(new Uint8Array(6), [2, 3]), b = tensor(new Int8Array(6), [3, 2]);
    assert.throws(() => quantizedMatmul(a, b, { aScale: -1 }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => quantizedMatmul(a, b, { aScale: NaN }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => quantizedMatmul(a, b, { bScale: [1, 2, 3] }), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => quantizedMatmul(a, b, { bias: new Float32Array(3) }), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => quantizedMatmul(a, b, { outputType: 'int8', yZeroPoint: 200 }), { code: 'ERR_QGEMM_ZERO_POINT' });
    assert.throws(() => quantizedMatmul(a, b, { outputType: 'uint8', yScale: 0 }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => quantizedMatmul(a, b, { outputType: 'int32', aScale: 1 }), { code: 'ERR_QGEMM_OPTION' });
    assert.throws(() => quantizedMatmul(a, b, { outputType: 'int4' as never }), { code: 'ERR_QGEMM_OPTION' });
    assert.throws(() => quantizedMatmul(a, b, { aZeroPoint: 1.5 }), { code: 'ERR_QGEMM_ZERO_POINT' });
  });
});

describe('ONNX MatMulInteger and QLinearMatMul', () => {
  interface Json { dtype: string; shape: number[]; data: number[] }
  const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'layers', 'onnx_matmul.json'), 'utf8')) as
    { op: string; name: string; inputs: Json[]; outputs: Json[] }[];
  const t = (j: Json) => {
    const C = { uint8: Uint8Array, int8: Int8Array, int32: Int32Array, float32: Float32Array }[j.dtype]!;
    return tensor(C.from(j.data) as Uint8Array, j.shape.length === 0 ? [1] : j.shape) as Tensor;
  };
  for (const c of cases) {
    it(`${c.op} ${c.name}`, () => {
      const ins = c.inputs.map(t);
      const want = c.outputs[0];
      let got: Tensor;
      if (c.op === 'MatMulInteger') {
        got = matmulInteger(ins[0] as Tensor<'uint8'>, ins[1] as Tensor<'int8'>, ins[2] as Tensor<'uint8'>, ins[3] as Tensor<'uint8'>);
      } else {
        got = qlinearMatmul(ins[0] as Tensor<'uint8'>, ins[1].data[0], ins[2] as Tensor<'uint8'>, ins[3] as Tensor<'uint8'>, ins[4].data[0],
          ins[5] as Tensor<'uint8'>, ins[6].data[0], ins[7] as Tensor<'uint8'>);
      }
      assert.equal(got.dtype, want.dtype);
      assert.deepEqual(got.shape, want.shape);
      assert.deepEqual(Array.from(got.data), want.data);
    });
  }
});

describe('ONNX MatMulInteger and QLinearMatMul: every zero-point and scale shape the spec allows', () => {
  interface Json { dtype: string; shape: number[]; data: number[] }
  const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'layers', 'onnx_matmul_zero_points.json'), 'utf8')) as
    { op: string; name: string; inputs: Json[]; outputs: Json[] }[];
  // With their shapes (tensors), and as flat arrays read by their length.
  const asTensor = (j: Json) => {
    const C = { uint8: Uint8Array, int8: Int8Array, int32: Int32Array, float32: Float32Array }[j.dtype]!;
    return tensor(C.from(j.data) as Uint8Array, j.shape) as Tensor;
  };
  for (const c of cases) {
    for (const form of ['tensors', 'flat arrays'] as const) {
      it(`${c.op} ${c.name} (parameters as ${form})`, () => {
        const ins = c.inputs.map(asTensor);
        const param = (i: number) => (form === 'tensors' ? ins[i] : Array.from(ins[i].data));
        const got = c.op === 'MatMulInteger'
          ? matmulInteger(ins[0] as Tensor<'uint8'>, ins[1] as Tensor<'int8'>, param(2), param(3))
          : qlinearMatmul(ins[0] as Tensor<'uint8'>, param(1), param(2), ins[3] as Tensor<'uint8'>, param(4), param(5),
            ins[6] as Tensor<'float32'>, ins[7] as Tensor<'uint8'>);
        const want = c.outputs[0];
        assert.equal(got.dtype, want.dtype);
        assert.deepEqual(got.shape, want.shape);
        assert.deepEqual(Array.from(got.data), want.data);
      });
    }
  }
  it('refuses shapes the spec does not allow, naming the allowed ones', () => {
    const a = tensor(new Uint8Array(2 * 3 * 4), [2, 3, 4]);
    const b = tensor(new Int8Array(2 * 4 * 5), [2, 4, 5]);
    assert.throws(() => matmulInteger(a, b, tensor(new Uint8Array(6), [2, 1, 3])), { code: 'ERR_QGEMM_SHAPE', message: /aZeroPoint must be a scalar, \[3\] or \[3, 1\] \(per row\) or \[2, 3, 1\]/ });
    assert.throws(() => matmulInteger(a, b, 0, tensor(new Int8Array(10), [2, 5, 1])), { code: 'ERR_QGEMM_SHAPE', message: /bZeroPoint must be a scalar, \[5\] or \[1, 5\] \(per column\) or \[2, 1, 5\]/ });
    assert.throws(() => matmulInteger(a, b, 0, [1, 2, 3]), { code: 'ERR_QGEMM_SHAPE', message: /got 3 values/ });
    assert.throws(() => matmulInteger(a, b, 0, 200), { code: 'ERR_QGEMM_ZERO_POINT' });
    assert.throws(() => matmulInteger(a, b, 'x' as never), { code: 'ERR_QGEMM_ARG_TYPE' });
    assert.throws(() => qlinearMatmul(a, [1, 1], 0, b, 1, 0, 1, 0), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => qlinearMatmul(a, 1, 0, b, 0, 0, 1, 0), { code: 'ERR_QGEMM_SCALE' });
  });
});

describe('QuantizedLinear', () => {
  const rand = rng(123);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const floatTensor = (shape: number[], scale = 1) => tensor(Float32Array.from({ length: shape[0] * shape[1] }, () => gauss() * scale), shape);
  const [batch, inF, outF] = [9, 70, 33];
  const weight = floatTensor([outF, inF], 0.1);
  const bias = floatTensor([1, outF]).data;
  const x = floatTensor([batch, inF]);

  /** Per-channel weights as QuantizedLinear makes them, for the references below. */
  function quantizedWeights(layer: QuantizedLinear): Tensor<'int8'> {
    const q = quantizeLinear(weight, layer.weightScales, new Int8Array(outF), { axis: 0, dtype: 'int8' }) as Tensor<'int8'>;
    const wt = new Int8Array(inF * outF); // [in, out]
    for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wt[i * outF + o] = q.data[o * inF + i];
    return tensor(wt, [inF, outF]);
  }

  it('dynamic per-row forward equals DynamicQuantizeLinear per row + int8 GEMM + the documented epilogue', () => {
    const layer = new QuantizedLinear(weight, bias, { relu: true });
    assert.equal(layer.weightScales.length, outF);
    const w = quantizedWeights(layer);
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [batch, outF]);
    for (let r = 0; r < batch; r++) {
      const row = dynamicQuantizeLinear(tensor(x.data.slice(r * inF, (r + 1) * inF), [1, inF]));
      const want = referenceEpilogue(row.y, w, {
        za: Int32Array.of(row.zeroPoint), zb: Int32Array.of(0), sa: Float32Array.of(row.scale), sb: layer.weightScales, bias,
        relu: true, out: 'float32', ys: 1, zy: 0,
      });
      assert.deepEqual(Array.from(y.data.slice(r * outF, (r + 1) * outF)), want, `row ${r}`);
    }
  });

  it('dynamic per-tensor and static (float or int8 out) match their definitions', () => {
    const perTensor = new QuantizedLinear(weight, undefined, { perRow: false });
    const dq = dynamicQuantizeLinear(x);
    assert.deepEqual(Array.from(perTensor.forward(x).data), referenceEpilogue(dq.y, quantizedWeights(perTensor), {
      za: Int32Array.of(dq.zeroPoint), zb: Int32Array.of(0), sa: Float32Array.of(dq.scale), sb: perTensor.weightScales, relu: false, out: 'float32', ys: 1, zy: 0,
    }));
    const input = { scale: 0.02, zeroPoint: -4, dtype: 'int8' as const };
    const output = { scale: 0.05, zeroPoint: 7, dtype: 'int8' as const };
    const stat = new QuantizedLinear(weight, bias, { activation: 'static', input, output });
    const qx = quantizeLinear(x, input.scale, new Int8Array([input.zeroPoint])) as Tensor<'int8'>;
    const want = referenceEpilogue(qx, quantizedWeights(stat), {
      za: Int32Array.of(input.zeroPoint), zb: Int32Array.of(0), sa: Float32Array.of(input.scale), sb: stat.weightScales, bias,
      relu: false, out: 'int8', ys: output.scale, zy: output.zeroPoint,
    });
    const y = stat.forward(x);
    assert.equal(y.dtype, 'int8');
    assert.deepEqual(Array.from(y.data), want);
    // Already-quantized int8 input gives the same answer.
    assert.deepEqual(stat.forward(qx), y);
  });

  it('forwardAsync equals forward; quantizeDynamic converts several layers', async () => {
    const layers = quantizeDynamic({ fc1: { weight, bias }, fc2: { weight } });
    assert.deepEqual(await layers.fc1.forwardAsync(x), layers.fc1.forward(x));
    assert.deepEqual(await layers.fc2.forwardAsync(x), layers.fc2.forward(x));
    layers.fc1.dispose();
    assert.throws(() => layers.fc1.forward(x), { code: 'ERR_QGEMM_DISPOSED' });
  });

  it('is close to the float layer (SQNR > 30 dB on Gaussian data)', () => {
    const layer = new QuantizedLinear(weight, bias);
    const y = layer.forward(x).data as Float32Array;
    const ref = matmul(x, tensor(weight.data, [outF, inF]), { transposeB: true }).data;
    let signal = 0, noise = 0;
    for (let i = 0; i < y.length; i++) {
      const r = ref[i] + bias[i % outF];
      signal += r * r;
      noise += (r - y[i]) ** 2;
    }
    assert.ok(10 * Math.log10(signal / noise) > 30, `SQNR ${10 * Math.log10(signal / noise)}`);
  });

  it('rejects bad input with codes', () => {
    const layer = new QuantizedLinear(weight);
    assert.throws(() => layer.forward(floatTensor([2, inF + 1])), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => layer.forward(tensor(new Int8Array(inF), [1, inF])), { code: 'ERR_QGEMM_DTYPE' });
    assert.throws(() => new QuantizedLinear(weight, new Float32Array(3)), { code: 'ERR_QGEMM_SHAPE' });
    assert.throws(() => new QuantizedLinear(weight, undefined, { activation: 'static' }), { code: 'ERR_QGEMM_ARG_TYPE' });
    assert.throws(() => new QuantizedLinear(weight, undefined, { activation: 'static', input: { scale: 0, zeroPoint: 0 } }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => new QuantizedLinear(weight, undefined, { activation: 'static', input: { scale: 1, zeroPoint: 300 } }), { code: 'ERR_QGEMM_ZERO_POINT' });
  });
});
