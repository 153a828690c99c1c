/**
 * int8 training (Int8Linear) and QATLinear: the int8 GEMMs equal the documented
 * epilogue on the quantized operands exactly, stay within the quantization
 * error bound of fp32, and the weight gradient is the fp32 one.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { info, matmul, quantizeWeights, setMaxIsa, setNumThreads, tensor } from '../lib';
import { MovingAverageMinMaxObserver } from '../lib/quant';
import { Adam, Int8Linear, Linear, QATLinear, quantizeColumns, quantizeRows, ReLU, Rng, Sequential, softmaxCrossEntropy } from '../lib/train';

const f32 = Math.fround;

function randn(n: number, rng: Rng, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (rng.next() + rng.next() + rng.next() - 1.5);
  return a;
}

/** quantizedMatmul's float32 epilogue from its definition: f32(acc) * f32(sa[m] * sb[n]) (+ bias). */
function epilogueRef(a: Int8Array, sa: Float32Array, b: Int8Array, sb: Float32Array, m: number, k: number, n: number, bTransposed: boolean, bias?: Float32Array): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a[i * k + p] * (bTransposed ? b[j * k + p] : b[p * n + j]);
      let f = f32(f32(acc) * f32(sa[i] * sb[j]));
      if (bias) f = f32(f + bias[j]);
      out[i * n + j] = f;
    }
  }
  return out;
}

/**
 * dX = dY W as Int8Linear documents it: W = diag(s) Q by rows (the forward's
 * levels), m folded into dY (one float32 product a value), dY diag(m) per row,
 * m = s except 0 for a row of Q that is all 0.
 */
function inputGradRef(dy: Float32Array, w: Float32Array, batch: number, outF: number, inF: number): Float32Array {
  const wq = quantizeRows(w, outF, inF);
  const m = wq.scales.map((s, o) => (wq.q.subarray(o * inF, (o + 1) * inF).some((v) => v !== 0) ? s : 0));
  const dq = quantizeRows(dy.map((v, i) => v * m[i % outF]), batch, outF);
  return epilogueRef(dq.q, dq.scales, wq.q, new Float32Array(inF).fill(1), batch, outF, inF, false);
}

describe('symmetric int8 helpers', () => {
  it('quantizeRows is quantizeWeights per channel, bit for bit; quantizeColumns is quantizeRows of the transpose', () => {
    const rng = new Rng(1);
    const [r, c] = [13, 37];
    const w = randn(r * c, rng);
    w.fill(0, 2 * c, 3 * c); // an all-zero row gets scale 1
    const ref = quantizeWeights(tensor(w, [r, c]), true);
    const rows = quantizeRows(w, r, c);
    assert.deepEqual(rows.q, ref.q.data);
    assert.deepEqual(rows.scales, ref.scales);
    const t = new Float32Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = w[i * c + j];
    const cols = quantizeColumns(w, r, c);
    const viaT = quantizeRows(t, c, r);
    assert.deepEqual(cols.scales, viaT.scales);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) assert.equal(cols.q[i * c + j], viaT.q[j * r + i]);
  });
});

describe('Int8Linear (SwitchBack-style)', () => {
  const rng = new Rng(2);
  const [batch, inF, outF] = [9, 70, 33];
  const layer = new Int8Linear(inF, outF, rng);
  const ref = new Linear(inF, outF, rng);
  ref.weight.data.set(layer.weight.data);
  ref.bias.data.set(layer.bias.data);
  const x = tensor(randn(batch * inF, rng), [batch, inF]);
  const dy = tensor(randn(batch * outF, rng, 0.1), [batch, outF]);
  const y = layer.forward(x, true);
  const dx = layer.backward(dy, true)!;
  const y32 = ref.forward(x, true);
  const dx32 = ref.backward(dy, true)!;

  it('forward: the int8 GEMM with row and channel scales and the bias, exactly as documented', () => {
    const xq = quantizeRows(x.data as Float32Array, batch, inF);
    const wq = quantizeRows(layer.weight.data, outF, inF);
    assert.deepEqual(y.data, epilogueRef(xq.q, xq.scales, wq.q, wq.scales, batch, inF, outF, true, layer.bias.data));
  });

  it('backward dx: (dY diag(s)) per row times the forward\'s levels Q (W = diag(s) Q), exactly as documented', () => {
    assert.deepEqual(dx.data, inputGradRef(dy.data as Float32Array, layer.weight.data, batch, outF, inF));
  });

  it('stays within the quantization error bound of fp32 (|dx| <= |x| dw/2 + |w| dx/2 + dx dw/4, summed)', () => {
    const xq = quantizeRows(x.data as Float32Array, batch, inF);
    const wq = quantizeRows(layer.weight.data, outF, inF);
    let worst = 0;
    for (let r = 0; r < batch; r++) {
      for (let o = 0; o < outF; o++) {
        let bound = 0;
        for (let k = 0; k < inF; k++) {
          const xa = Math.abs(x.data[r * inF + k]), wa = Math.abs(layer.weight.data[o * inF + k]);
          bound += (xa * wq.scales[o] + wa * xq.scales[r] + xq.scales[r] * wq.scales[o] / 2) / 2;
        }
        const err = Math.abs(y.data[r * outF + o] - y32.data[r * outF + o]);
        assert.ok(err <= bound * (1 + 1e-5) + 1e-6, `y[${r},${o}] error ${err} > ${bound}`);
        worst = Math.max(worst, err / bound);
      }
    }
    // Rounding errors mostly cancel: far below the worst case, but not zero.
    assert.ok(worst > 0 && worst < 0.5, `worst error / bound ${worst}`);
    let num = 0, den = 0;
    for (let i = 0; i < dx.data.length; i++) {
      num += (dx.data[i] - dx32.data[i]) ** 2;
      den += dx32.data[i] ** 2;
    }
    assert.ok(Math.sqrt(num / den) < 0.02, `dx relative error ${Math.sqrt(num / den)}`);
  });

  it('dW and db are the fp32 ones, bit for bit', () => {
    assert.deepEqual(layer.weight.grad, ref.weight.grad);
    assert.deepEqual(layer.bias.grad, ref.bias.grad);
    const dW = matmul(dy, x, { transposeA: true });
    assert.deepEqual(layer.weight.grad, dW.data);
  });
});

describe('Int8Linear with its weights packed once per step', () => {
  // Past every kernel's tile (AMX 32 x 32, VNNI 16+ columns) with partial
  // tiles left over, and more rows than the small-M paths take; W packed in
  // blocks of 64 rows (the last one partial), its rows a multiple of 16 wide
  // (whole panels transposed in registers) or not.
  const shapes = [[45, 150, 70], [33, 160, 200]];
  it('equals quantize-then-GEMM exactly on every ISA of this CPU, at 1 and 2 threads, over several steps', () => {
    const threads = info().threads;
    try {
      for (const [batch, inF, outF] of shapes) for (const isa of info().isas) {
        for (const t of [1, 2]) {
          setMaxIsa(isa);
          setNumThreads(t);
          const rng = new Rng(11);
          const layer = new Int8Linear(inF, outF, rng);
          for (let step = 0; step < 3; step++) {
            const x = tensor(randn(batch * inF, rng), [batch, inF]);
            const dy = tensor(randn(batch * outF, rng, 0.1), [batch, outF]);
            const y = layer.forward(x, true);
            const dx = layer.backward(dy, true)!;
            const xq = quantizeRows(x.data as Float32Array, batch, inF);
            const wr = quantizeRows(layer.weight.data, outF, inF);
            assert.deepEqual(y.data, epilogueRef(xq.q, xq.scales, wr.q, wr.scales, batch, inF, outF, true, layer.bias.data), `${batch}x${inF}x${outF} ${isa} ${t} threads step ${step}: y`);
            assert.deepEqual(dx.data, inputGradRef(dy.data as Float32Array, layer.weight.data, batch, outF, inF), `${batch}x${inF}x${outF} ${isa} ${t} threads step ${step}: dx`);
            // W changes every step: the packs must follow it.
            for (let i = 0; i < layer.weight.data.length; i++) layer.weight.data[i] -= 0.01 * layer.weight.grad[i];
          }
        }
      }
    } finally {
      setMaxIsa('amx');
      setNumThreads(threads);
    }
  });
});

describe('Adam fused into the int8 weight gradient (Adam { fused: true })', () => {
  // Layers past one 64 x 1024 consumer block in rows and columns, with partial ones.
  function train(fused: boolean, block = 0, steps = 3) {
    const rng = new Rng(5);
    const model = new Sequential([
      new Int8Linear(1100, 70, rng, 'a', { weightGrad: 'int8', block }), new ReLU(), new Int8Linear(70, 10, rng, 'b', { weightGrad: 'int8', block }),
    ]);
    const opt = new Adam(model.params(), { lr: 1e-2, weightDecay: 0.01, fused });
    const data = new Rng(9);
    for (let s = 0; s < steps; s++) {
      const x = tensor(randn(33 * 1100, data), [33, 1100]);
      const y = Int32Array.from({ length: 33 }, (_, i) => i % 10);
      model.backward(softmaxCrossEntropy(model.forward(x, true), y).grad, false);
      opt.step();
    }
    return model;
  }

  it('gives the parameters of the separate step bit for bit on every ISA, at 1 and 2 threads; W.grad is not written', () => {
    const threads = info().threads;
    try {
      for (const isa of info().isas) {
        for (const t of [1, 2]) {
          setMaxIsa(isa);
          setNumThreads(t);
          const want = train(false).params(), got = train(true).params();
          got.forEach((p, k) => assert.deepEqual(p.data, want[k].data, `${isa} ${t} threads ${p.name}`));
          // Weights were stepped in the GEMM: their grad stays unwritten (zeros); biases' are computed.
          assert.ok(got[0].grad.every((g) => g === 0) && got[2].grad.every((g) => g === 0));
          assert.deepEqual(got[1].grad, want[1].grad);
        }
      }
    } finally {
      setMaxIsa('amx');
      setNumThreads(threads);
    }
  });

  it('falls back to the separate step with several scale blocks, with the same result', () => {
    const want = train(false, 16).params(), got = train(true, 16).params();
    got.forEach((p, k) => assert.deepEqual(p.data, want[k].data, p.name));
    assert.ok(got[0].grad.some((g) => g !== 0));  // computed: the optimizer stepped it
  });

  it('refuses a second backward before step() with ERR_QGEMM_FUSED_STEP, before changing anything', () => {
    const rng = new Rng(1);
    const layer = new Int8Linear(20, 6, rng, 'c', { weightGrad: 'int8' });
    const opt = new Adam(layer.params(), { fused: true });
    const x = tensor(randn(4 * 20, rng), [4, 20]), dy = tensor(randn(4 * 6, rng, 0.1), [4, 6]);
    layer.forward(x, true);
    layer.backward(dy, false);
    const w = layer.weight.data.slice();
    layer.forward(x, true);
    assert.throws(() => layer.backward(dy, false), { code: 'ERR_QGEMM_FUSED_STEP' });
    assert.deepEqual(layer.weight.data, w);
    opt.step();
    layer.forward(x, true);
    layer.backward(dy, false);  // stepped again after step()
    assert.notDeepEqual(layer.weight.data, w);
    assert.throws(() => new Adam(layer.params(), { fused: 1 as unknown as boolean }), { code: 'ERR_QGEMM_OPTION' });
  });

  it('a NaN gradient of another parameter refuses the step for it; the fused weight stays stepped and the next step runs', () => {
    const rng = new Rng(2);
    const layer = new Int8Linear(20, 6, rng, 'd', { weightGrad: 'int8' });
    const opt = new Adam(layer.params(), { fused: true });
    const x = tensor(randn(4 * 20, rng), [4, 20]), dy = tensor(randn(4 * 6, rng, 0.1), [4, 6]);
    const w0 = layer.weight.data.slice(), b0 = layer.bias.data.slice();
    layer.forward(x, true);
    layer.backward(dy, false);
    layer.bias.grad[1] = NaN;
    assert.throws(() => opt.step(), { code: 'ERR_QGEMM_NOT_FINITE' });
    assert.notDeepEqual(layer.weight.data, w0);  // stepped in the backward
    assert.deepEqual(layer.bias.data, b0);  // refused
    layer.forward(x, true);
    layer.backward(dy, false);  // no ERR_QGEMM_FUSED_STEP: the refused step cleared the flags
    opt.step();
    assert.notDeepEqual(layer.bias.data, b0);
  });
});

describe('QATLinear', () => {
  const calib = tensor(Float32Array.of(0, 1, 2, 3, 0, 1, 2, 3), [2, 4]);
  const x = tensor(Float32Array.of(-1, 0.5, 2.5, 10), [1, 4]);

  it('observes only in training forwards', () => {
    const layer = new QATLinear(4, 3, new Rng(3));
    layer.forward(calib, true);
    const before = layer.inputQParams();
    layer.forward(x, false);
    assert.deepEqual(layer.inputQParams(), before);
  });

  it('drops the input gradient where the observed range clamps (straight-through estimator)', () => {
    // Averaging constant 0 keeps the first batch's range [0, 3]: -1 and 10 then clamp.
    const layer = new QATLinear(4, 3, new Rng(3), 'qat', { observer: new MovingAverageMinMaxObserver({ averagingConstant: 0 }) });
    layer.forward(calib, true);
    layer.forward(x, true);
    const dx = layer.backward(tensor(Float32Array.of(1, 1, 1), [1, 3]), true)!;
    assert.equal(dx.data[0], 0);
    assert.notEqual(dx.data[1], 0);
    assert.notEqual(dx.data[2], 0);
    assert.equal(dx.data[3], 0);
  });
});

describe('Int8Linear dX with a zero row of W (zero-initialised or pruned output)', () => {
  it('stays as close to fp32 as without it: the row multiplies dY by 0, not by its scale 1', () => {
    const rng = new Rng(3);
    const [batch, inF, outF] = [16, 64, 32];
    const layer = new Int8Linear(inF, outF, rng);
    const ref = new Linear(inF, outF, new Rng(3));
    layer.weight.data.fill(0, 5 * inF, 6 * inF);
    ref.weight.data.set(layer.weight.data);
    const x = tensor(randn(batch * inF, rng), [batch, inF]);
    const dy = tensor(randn(batch * outF, rng, 0.1), [batch, outF]);
    layer.forward(x, true);
    ref.forward(x, true);
    const dx = layer.backward(dy, true)!.data, want = ref.backward(dy, true)!.data;
    let num = 0, den = 0;
    for (let i = 0; i < dx.length; i++) {
      num += (dx[i] - want[i]) ** 2;
      den += want[i] ** 2;
    }
    assert.ok(Math.sqrt(num / den) < 0.02, `dx relative error ${Math.sqrt(num / den)}`);
  });
});
