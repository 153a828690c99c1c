/**
 * Fake quantization: forward bit-exact against quantizeLinear + dequantizeLinear,
 * the straight-through and LSQ gradients on hand-derived cases, and agreement
 * of the fake-quantized float computation with the real int8 GEMM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { dequantizeLinear, info, matmul, QuantizedLinear, quantizedMatmul, quantizeLinear, quantizeWeights, setNumThreads, tensor } from '../lib';
import { fakeQuantize, fakeQuantizeBackward, lsqBackward } from '../lib/quant/fake_quantize';
import { MovingAverageMinMaxObserver } from '../lib/quant';
import { floorDivF32 } from '../lib/quant/torch_ops';
import { QATLinear, Rng } from '../lib/train';

const f32 = Math.fround;

function randn(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (rng.next() + rng.next() + rng.next() - 1.5);
  return a;
}

describe('fakeQuantize forward', () => {
  it('is quantizeLinear then dequantizeLinear, bit for bit (per tensor, uint8 affine)', () => {
    const rng = new Rng(3);
    const x = randn(4000, rng, 6);
    // Exact halves and values that clamp.
    x.set([0.25, 0.75, -0.25, 1000, -1000, 0], 0);
    for (const [scale, zp] of [[0.05, 128], [f32(0.1), 3], [0.5, 0]] as const) {
      const ref = dequantizeLinear(quantizeLinear(x, scale, zp, { dtype: 'uint8' }), scale, Uint8Array.of(zp));
      const { y } = fakeQuantize(x, { scale, zeroPoint: zp, qmin: 0, qmax: 255 });
      assert.deepEqual(y, ref.data);
    }
  });

  it('is bit-exact per channel along axis 0 and axis 1 (int8 symmetric)', () => {
    const rng = new Rng(4);
    const x = tensor(randn(6 * 7, rng, 3), [6, 7]);
    const s0 = Float32Array.from({ length: 6 }, (_, i) => f32(0.01 * (i + 1)));
    const s1 = Float32Array.from({ length: 7 }, (_, i) => f32(0.02 * (i + 1)));
    for (const [axis, scale] of [[0, s0], [1, s1]] as const) {
      const zp = new Int8Array(scale.length);
      const ref = dequantizeLinear(quantizeLinear(x, scale, zp, { axis }), scale, zp, { axis });
      const { y } = fakeQuantize(x, { scale, qmin: -128, qmax: 127, axis });
      assert.deepEqual(y, ref.data);
    }
  });

  it('rounds half to even after a float32 division, and maps NaN to the integer 0', () => {
    const x = Float32Array.of(0.5, 1.5, 2.5, -0.5, -2.5, NaN);
    const { y, mask } = fakeQuantize(x, { scale: 1, zeroPoint: 0, qmin: -10, qmax: 10 });
    assert.deepEqual([...y], [0, 2, 2, 0, -2, 0]); // integers have no -0, as the stored int8
    assert.deepEqual([...mask], [1, 1, 1, 1, 1, 0]);
    const nan = fakeQuantize(Float32Array.of(NaN), { scale: 0.5, zeroPoint: 10, qmin: 0, qmax: 255 });
    assert.deepEqual([...nan.y], [-5]); // dequantize(0) = (0 - 10) * 0.5
  });
});

describe("fakeQuantize against PyTorch 1.13 ('torch') and ONNX quantize-dequantize ('onnx'), fixtures", () => {
  // scripts/make_quant_fixtures.py fake: torch's fake_quantize_per_{tensor,channel}_affine_cachemask
  // (forward and the STE mask its autograd uses) and numpy's ONNX QuantizeLinear + DequantizeLinear.
  type Enc = { shape: number[]; f32?: string; u8?: string };
  const dec = (e: Enc) => {
    const buf = Buffer.from((e.f32 ?? e.u8)!, 'base64');
    const bytes = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    return e.f32 ? new Float32Array(bytes) : new Uint8Array(bytes);
  };
  const fx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/quant/fake_quantize.json'), 'utf8'));
  const same = (got: Float32Array, want: Float32Array, what: string) => {
    for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i}: got ${got[i]}, want ${want[i]}`);
  };
  for (const c of fx.cases) {
    for (const rounding of ['torch', 'onnx'] as const) {
      it(`${c.name}, rounding '${rounding}'`, () => {
        const x = tensor(dec(c.x) as Float32Array, c.x.shape);
        const scale = dec(c.scale) as Float32Array;
        const zeroPoint = Array.isArray(c.zeroPoint) ? Int32Array.from(c.zeroPoint) : c.zeroPoint;
        const params = { scale: scale.length === 1 ? scale[0] : scale, zeroPoint, qmin: c.qmin, qmax: c.qmax, axis: c.axis };
        const { y, mask } = fakeQuantize(x, { ...params, rounding });
        same(y, dec(c[rounding].y) as Float32Array, 'y');
        assert.deepEqual(mask, dec(c[rounding].mask));
        if (rounding === 'onnx') assert.deepEqual(fakeQuantize(x, params), { y, mask }, "'onnx' is the default");
      });
    }
  }
  it("the issue's examples: torch and ONNX rounding differ, and the default is ONNX's", () => {
    const torch = fakeQuantize(Float32Array.of(0.27393994), { scale: 0.0021485486, qmin: 0, qmax: 255, rounding: 'torch' });
    const onnx = fakeQuantize(Float32Array.of(0.27393994), { scale: 0.0021485486, qmin: 0, qmax: 255 });
    assert.deepEqual([torch.y[0], onnx.y[0]], [f32(0.27501422), f32(0.27286568)]);
    const edge = (rounding: 'torch' | 'onnx') => fakeQuantize(Float32Array.of(24.549999), { scale: f32(0.1), zeroPoint: 10, qmin: 0, qmax: 255, rounding });
    assert.deepEqual([edge('torch').mask[0], edge('onnx').mask[0]], [0, 1], 'the STE mask at the edge of the range');
    assert.throws(() => fakeQuantize(Float32Array.of(1), { scale: 1, qmin: 0, qmax: 255, rounding: 'numpy' as never }), { code: 'ERR_QGEMM_OPTION' });
  });
  it("torch.div(a, b, rounding_mode='floor') in float32 (the L2 search's floor division)", () => {
    const a = dec(fx.floorDiv.a) as Float32Array, b = dec(fx.floorDiv.b) as Float32Array, want = dec(fx.floorDiv.floor) as Float32Array;
    const got = Float32Array.from(a, (v, i) => floorDivF32(v, b[i]));
    same(got, want, 'floor');
  });
});

describe('straight-through estimator', () => {
  it('passes the gradient where the rounded value lies inside [qmin, qmax]', () => {
    // scale 1, zero point 2, range [0, 5]: q = round(x) + 2.
    const x = Float32Array.of(-2.6, -2.4, -2, 0, 3, 3.4, 3.6, 10);
    const { y, mask } = fakeQuantize(x, { scale: 1, zeroPoint: 2, qmin: 0, qmax: 5 });
    assert.deepEqual([...mask], [0, 1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual([...y], [-2, -2, -2, 0, 3, 3, 3, 3]);
    const dy = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    assert.deepEqual([...fakeQuantizeBackward(dy, mask)], [0, 2, 3, 4, 5, 6, 0, 0]);
  });

  it('rejects bad parameters with coded errors', () => {
    assert.throws(() => fakeQuantize(Float32Array.of(1), { scale: 0, qmin: 0, qmax: 255 }), { code: 'ERR_QGEMM_SCALE' });
    assert.throws(() => fakeQuantize(Float32Array.of(1), { scale: 1, zeroPoint: 300, qmin: 0, qmax: 255 }), { code: 'ERR_QGEMM_ZERO_POINT' });
    assert.throws(() => fakeQuantize(Float32Array.of(1), { scale: 1, qmin: 1, qmax: 255 }), { code: 'ERR_QGEMM_OPTION' });
    assert.throws(() => fakeQuantize(tensor(new Float32Array(6), [2, 3]), { scale: new Float32Array(4).fill(1), qmin: -1, qmax: 1 }), { code: 'ERR_QGEMM_AXIS' });
  });
});

describe('LSQ (learnable step size)', () => {
  it('matches the hand-derived scale gradient and grad scale 1/sqrt(numel * qmax)', () => {
    // scale 0.5, zp 0, range [-4, 3]: v = x / s.
    const x = Float32Array.of(0.3, -0.7, 5, -5, 1.25);
    const dy = Float32Array.of(1, 2, 3, 4, 5);
    const s = 0.5;
    // v = 0.6 -> q 1 in range: dq/ds = 1 - 0.6 = 0.4; v = -1.4 -> q -1: -1 + 1.4 = 0.4;
    // v = 10 -> clamped high: qmax = 3; v = -10 -> clamped low: qmin = -4; v = 2.5 -> q 2 (half to even): 2 - 2.5 = -0.5.
    const raw = 1 * 0.4 + 2 * 0.4 + 3 * 3 + 4 * -4 + 5 * -0.5;
    const g = 1 / Math.sqrt(5 * 3);
    const { dx, dScale } = lsqBackward(x, dy, { scale: s, qmin: -4, qmax: 3 });
    assert.ok(Math.abs(dScale[0] - f32(raw * g)) < 1e-6, `${dScale[0]} vs ${raw * g}`);
    assert.deepEqual([...dx], [1, 2, 0, 0, 5]);
    const { dScale: unscaled } = lsqBackward(x, dy, { scale: s, qmin: -4, qmax: 3 }, 1);
    assert.ok(Math.abs(unscaled[0] - raw) < 1e-5);
  });

  it('uses the zero point in the clamped branches and sums per channel', () => {
    const x = tensor(Float32Array.of(100, 0.2, -100, 0.2), [2, 2]);
    const dy = Float32Array.of(1, 1, 1, 1);
    // channel 0 (row 0): zp 10, range [0, 20], s 1: 100 -> clamped high: qmax - zp = 10; 0.2 -> q 10: 0 - 0.2.
    // channel 1 (row 1): zp 5, s 2: -100 -> clamped low: qmin - zp = -5; 0.2 -> v 0.1, q 5: 0 - 0.1.
    const { dScale } = lsqBackward(x, dy, { scale: Float32Array.of(1, 2), zeroPoint: Int32Array.of(10, 5), qmin: 0, qmax: 20, axis: 0 }, 1);
    assert.ok(Math.abs(dScale[0] - 9.8) < 1e-5);
    assert.ok(Math.abs(dScale[1] - -5.1) < 1e-5);
  });

  it('moves the step size the right way: a too-small scale that clamps grows under gradient descent', () => {
    const rng = new Rng(9);
    const x = randn(1000, rng, 4);
    let s = 0.005; // clamps most values at [-127, 127]
    for (let step = 0; step < 200; step++) {
      const { y } = fakeQuantize(x, { scale: s, qmin: -127, qmax: 127 });
      const dy = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) dy[i] = 2 * (y[i] - x[i]) / x.length; // d/dy of mean squared error
      s -= 0.01 * lsqBackward(x, dy, { scale: s, qmin: -127, qmax: 127 }).dScale[0];
    }
    assert.ok(s > 0.02, `scale ${s}`);
  });
});

describe('fake quantization agrees with the real int8 path', () => {
  const rng = new Rng(11);
  const [batch, inF, outF] = [16, 96, 24];
  const x = tensor(Float32Array.from(randn(batch * inF, rng, 2), (v) => Math.max(v, -0.5)), [batch, inF]);
  const w = tensor(randn(outF * inF, rng, 0.2), [outF, inF]);
  const bias = randn(outF, rng, 0.1);

  /** |float32 GEMM - exact| <= K * 2^-23 * sum |terms| (a loose bound on any float32 summation order). */
  function check(fake: Float32Array, real: Float32Array, xq: Float32Array, wq: Float32Array): void {
    for (let r = 0; r < batch; r++) {
      for (let o = 0; o < outF; o++) {
        let exact = 0, abs = 0;
        for (let k = 0; k < inF; k++) {
          exact += xq[r * inF + k] * wq[o * inF + k];
          abs += Math.abs(xq[r * inF + k] * wq[o * inF + k]);
        }
        exact += bias[o];
        const tol = inF * 2 ** -23 * (abs + Math.abs(bias[o])) + 1e-30;
        assert.ok(Math.abs(fake[r * outF + o] - exact) <= tol, `fake ${fake[r * outF + o]} vs ${exact}`);
        assert.ok(Math.abs(real[r * outF + o] - exact) <= tol, `real ${real[r * outF + o]} vs ${exact}`);
      }
    }
  }

  it('static QuantizedLinear == fake-quant x (uint8 affine) and W (per-channel int8) in float', () => {
    const obs = new MovingAverageMinMaxObserver();
    obs.observe(x);
    const { scale, zeroPoint } = obs.calculateQParams();
    const { q, scales } = quantizeWeights(w, true);
    const xf = fakeQuantize(x, { scale, zeroPoint, qmin: 0, qmax: 255 }).y;
    const wf = fakeQuantize(w, { scale: scales, qmin: -127, qmax: 127, axis: 0 }).y;
    // The fake-quantized weights are exactly the dequantized int8 weights.
    assert.deepEqual(wf, dequantizeLinear(q, scales, new Int8Array(outF), { axis: 0 }).data);
    const fake = matmul(tensor(xf, [batch, inF]), tensor(wf, [outF, inF]), { transposeB: true }).data;
    for (let i = 0; i < fake.length; i++) fake[i] += bias[i % outF];
    const layer = new QuantizedLinear(w, bias, { activation: 'static', input: { scale, zeroPoint } });
    check(fake, layer.forward(x).data as Float32Array, xf, wf);
    // And through quantizedMatmul on the quantized operands.
    const xq = quantizeLinear(x, scale, zeroPoint, { dtype: 'uint8' });
    const viaGemm = quantizedMatmul(xq, q, { transposeB: true, aZeroPoint: zeroPoint, aScale: scale, bScale: scales, bias }).data as Float32Array;
    check(fake, viaGemm, xf, wf);
    layer.dispose();
  });

  it('QATLinear forward == its converted static QuantizedLinear, bit for bit (the int8 GEMM runs inside)', () => {
    const before = info().threads;
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      const qat = new QATLinear(inF, outF, new Rng(1));
      qat.weight.data.set(w.data);
      qat.bias.data.set(bias);
      const forward = qat.forward(x, true).data;
      const { scale, zeroPoint } = qat.inputQParams();
      const xf = fakeQuantize(x, { scale, zeroPoint, qmin: 0, qmax: 255 }).y;
      const layer = qat.toQuantized();
      const converted = layer.forward(x).data as Float32Array;
      assert.deepEqual(forward, converted);
      assert.deepEqual(qat.forward(x, false).data, converted); // inference alike
      check(forward, converted, xf, qat.fakeQuantizedWeights());
      layer.dispose();
    }
    setNumThreads(before);
    // More rows than the direct path takes (B packed inside the call), and a batch of one.
    for (const rows of [40, 1]) {
      const xs = tensor(Float32Array.from(randn(rows * inF, new Rng(rows), 3)), [rows, inF]);
      const qat = new QATLinear(inF, outF, new Rng(1));
      qat.weight.data.set(w.data);
      qat.bias.data.set(bias);
      qat.forward(x, true); // calibrated on x: some of xs lies outside the range and clamps
      const layer = qat.toQuantized();
      assert.deepEqual(qat.forward(xs, false).data, layer.forward(xs).data, `${rows} rows`);
      layer.dispose();
    }
  });

  it('QATLinear with an int8 observer converts to an int8-input layer (negative inputs kept)', () => {
    const qat = new QATLinear(inF, outF, new Rng(1), 'qat', { observer: new MovingAverageMinMaxObserver({ dtype: 'int8', qscheme: 'per_tensor_symmetric' }) });
    qat.weight.data.set(w.data);
    qat.bias.data.set(bias);
    const forward = qat.forward(x, true).data;
    const { scale, zeroPoint } = qat.inputQParams();
    const layer = qat.toQuantized();
    assert.equal(layer.options.input?.dtype, 'int8');
    const xf = fakeQuantize(x, { scale, zeroPoint, qmin: -128, qmax: 127 }).y;
    check(forward, layer.forward(x).data as Float32Array, xf, qat.fakeQuantizedWeights());
    layer.dispose();
  });

  it('QATLinear with a reduced input range keeps the float32 forward (the converted layer would not clamp there)', () => {
    const qat = new QATLinear(inF, outF, new Rng(1), 'qat', { observer: new MovingAverageMinMaxObserver({ reduceRange: true }) });
    qat.weight.data.set(w.data);
    qat.bias.data.set(bias);
    const y = qat.forward(x, true).data;
    const { scale, zeroPoint } = qat.inputQParams();
    const xf = fakeQuantize(x, { scale, zeroPoint, qmin: 0, qmax: 127 }).y;
    const want = matmul(tensor(xf, [batch, inF]), tensor(qat.fakeQuantizedWeights(), [outF, inF]), { transposeB: true }).data;
    for (let i = 0; i < want.length; i++) want[i] = Math.fround(want[i] + bias[i % outF]);
    assert.deepEqual(y, want);
  });

  it("QATLinear rounding 'torch' fake-quantizes its input as PyTorch does", () => {
    const frozen = () => {
      const observer = new MovingAverageMinMaxObserver();
      observer.observe(x);
      return observer;
    };
    const layers = (['onnx', 'torch'] as const).map((rounding) => {
      const qat = new QATLinear(inF, outF, new Rng(1), 'qat', { observer: frozen(), rounding });
      qat.weight.data.set(w.data);
      qat.bias.data.set(bias);
      return qat;
    });
    const { scale, zeroPoint } = layers[1].inputQParams();
    // Inputs where x / scale and x * (1 / scale) round apart: the two layers see different levels.
    const traps = tensor(Float32Array.from({ length: batch * inF }, (_, i) => f32((((i * 37) % 200) - 100 + 0.5) * scale)), [batch, inF]);
    const [onnx, torch] = layers.map((l) => l.forward(traps, false).data);
    // 'onnx': the int8 GEMM of the levels, i.e. the converted layer; 'torch': the float32 GEMM of the fake-quantized values.
    const converted = layers[0].toQuantized();
    assert.deepEqual(onnx, converted.forward(traps).data);
    converted.dispose();
    const xf = fakeQuantize(traps, { scale, zeroPoint, qmin: 0, qmax: 255, rounding: 'torch' }).y;
    const want = matmul(tensor(xf, [batch, inF]), tensor(layers[0].fakeQuantizedWeights(), [outF, inF]), { transposeB: true }).data;
    for (let i = 0; i < want.length; i++) want[i] = f32(want[i] + bias[i % outF]);
    assert.deepEqual(torch, want);
    assert.notDeepEqual(onnx, torch);
    assert.throws(() => new QATLinear(2, 2, new Rng(1), 'q', { rounding: 'up' as never }), { code: 'ERR_QGEMM_OPTION' });
  });
});
