/**
 * Where a training step's time goes, for every training mode of the demo, per
 * layer of its MLP: each GEMM, each quantization pass, each fused native call
 * the layers make, the optimizer steps; then whole training steps of each
 * mode and the share of the fp32 step spent in its GEMMs. Last, each part
 * against its limit: every int8 GEMM of the step as a % of the same kernel on
 * the same shape with B packed beforehand, every memory pass in GB/s and % of
 * the measured read bandwidth, the fp32 GEMMs against oneDNN's.
 *   node --import tsx examples/fashion-mnist/step_costs.ts [--wide] [--batch 128] [--reps 30] [--threads N]
 * Median ms over --reps rounds; each round times every item once, in turn, so
 * that other load on the machine hits every item alike.
 */
import { info, matmul, measureReadBandwidth, packWeights, quantizedMatmul, setNumThreads, type Tensor } from '../../lib';
import { Rng, softmaxCrossEntropy, type Optimizer, type Sequential } from '../../lib/train';
import { nativeTrain } from '../../lib/train/native_train';
import { buildModel, buildOptimizer, scheduleFor, type ConfigName } from './configs';

const argv = process.argv.slice(2);
const opt = (name: string, d: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const schedule = scheduleFor(argv.includes('--wide') ? 'wide' : 'default');
const batch = opt('--batch', schedule.batch);
const reps = opt('--reps', 30);
if (argv.includes('--threads')) setNumThreads(opt('--threads', 2));
const widths = schedule.widths;
const layers = widths.slice(0, -1).map((inF, k) => [inF, widths[k + 1]] as const);
const rng = new Rng(1);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => s * (rng.next() - 0.5));
const T = nativeTrain();
const f32 = (data: Float32Array, shape: number[]): Tensor<'float32'> => ({ dtype: 'float32', shape, data });
const i8 = (data: Int8Array, shape: number[]): Tensor<'int8'> => ({ dtype: 'int8', shape, data });

/** Everything one layer's calls need, allocated once. */
const data = layers.map(([inF, outF]) => {
  const x = rand(batch * inF), w = rand(outF * inF, 0.1), bias = rand(outF, 0.1), dy = rand(batch * outF, 0.01);
  const b = {
    xQ: new Int8Array(batch * inF), xS: new Float32Array(batch), wR: new Int8Array(outF * inF), wRS: new Float32Array(outF),
    dyQ: new Int8Array(batch * outF), dyS: new Float32Array(batch),
    dyBS: new Float32Array(outF), xBS: new Float32Array(inF), xBQ: new Int8Array(batch * inF), dyQ2: new Int8Array(batch * outF),
    y: new Float32Array(batch * outF), dx: new Float32Array(batch * inF), dw: new Float32Array(outF * inF),
    fx: new Float32Array(batch * inF), mask: new Uint8Array(batch * inF), fw: new Float32Array(outF * inF), fwS: new Float32Array(outF),
    xCodes: new Uint8Array(batch * inF), fwQ: new Int8Array(outF * inF),
    m: new Float32Array(outF * inF), v: new Float32Array(outF * inF), qm: new Uint8Array(outF * inF), qv: new Uint8Array(outF * inF),
    am: new Float32Array(Math.ceil((outF * inF) / 2048)), av: new Float32Array(Math.ceil((outF * inF) / 2048)),
  };
  const packs = T.int8WeightPacks();
  T.int8Forward(x, w, bias, batch, inF, outF, b.xQ, b.xS, b.wR, b.wRS, true, b.y, packs);
  T.quantizeRows(w, outF, inF, b.wR, b.wRS);  // W's levels, for the GEMMs timed without the packs
  T.quantizeRows(dy, batch, outF, b.dyQ, b.dyS);
  T.quantizeColumnBlocks(dy, batch, outF, 0, true, 1, b.dyQ2, b.dyBS);
  T.quantizeColumnBlocks(x, batch, inF, 0, false, 0, b.xBQ, b.xBS);
  // The limits: the same products with B packed beforehand (and dW's A row-major).
  const dyT = new Int8Array(outF * batch);
  for (let r = 0; r < batch; r++) for (let o = 0; o < outF; o++) dyT[o * batch + r] = b.dyQ2[r * outF + o];
  const limits = {
    fwd: packWeights(i8(b.wR, [outF, inF]), { transpose: true }),
    dx: packWeights(i8(b.wR, [outF, inF])),
    dw: packWeights(i8(b.xBQ, [batch, inF])),
    dyT,
  };
  return { inF, outF, x, w, bias, dy, packs, limits, ...b };
});
type D = (typeof data)[number];

interface Item { name: string; perLayer: boolean; gemm?: boolean; run: (d: D, l: number) => void }
const ADAM8BIT_HYPER = Float32Array.of(0.9, 0.999, 0.1, 0.001, 1e-8, 0, 1e-3, 0.5);
const items: Item[] = [
  { name: 'fp32 forward GEMM  X W^T', perLayer: true, gemm: true, run: (d) => matmul(f32(d.x, [batch, d.inF]), f32(d.w, [d.outF, d.inF]), { transposeB: true }) },
  { name: 'fp32 dX GEMM = dY W', perLayer: true, gemm: true, run: (d) => matmul(f32(d.dy, [batch, d.outF]), f32(d.w, [d.outF, d.inF])) },
  { name: 'fp32 dW GEMM = dY^T X', perLayer: true, gemm: true, run: (d) => matmul(f32(d.dy, [batch, d.outF]), f32(d.x, [batch, d.inF]), { transposeA: true, out: f32(d.dw, [d.outF, d.inF]) }) },
  // The fp32 GEMMs as the system oneDNN runs them (primitive per shape, plain
  // layouts): how qgemm's fp32 baseline compares with the peer a user might pick.
  ...(info().backends.onednn
    ? [
        { name: 'oneDNN fp32 forward X W^T', perLayer: true, run: (d: D) => void matmul(f32(d.x, [batch, d.inF]), f32(d.w, [d.outF, d.inF]), { transposeB: true, backend: 'onednn' }) },
        { name: 'oneDNN fp32 dX = dY W', perLayer: true, run: (d: D) => void matmul(f32(d.dy, [batch, d.outF]), f32(d.w, [d.outF, d.inF]), { backend: 'onednn' }) },
        { name: 'oneDNN fp32 dW = dY^T X', perLayer: true, run: (d: D) => void matmul(f32(d.dy, [batch, d.outF]), f32(d.x, [batch, d.inF]), { transposeA: true, out: f32(d.dw, [d.outF, d.inF]), backend: 'onednn' }) },
      ]
    : []),
  { name: 'bias + db (native passes)', perLayer: true, run: (d) => { T.biasRelu(d.y, batch, d.outF, d.bias, false); T.columnSums(d.dy, batch, d.outF, d.wRS); } },
  { name: 'quantize X rows', perLayer: true, run: (d) => T.quantizeRows(d.x, batch, d.inF, d.xQ, d.xS) },
  { name: 'quantize + pack W for both GEMMs (one native pass)', perLayer: true, run: (d) => T.quantizePackWeights(d.w, d.outF, d.inF, d.wRS, true, d.packs) },
  { name: 'int8 forward GEMM alone', perLayer: true, run: (d) => quantizedMatmul(i8(d.xQ, [batch, d.inF]), i8(d.wR, [d.outF, d.inF]), { transposeB: true, aScale: d.xS, bScale: d.wRS, bias: d.bias }) },
  { name: 'int8 forward GEMM, W packed beforehand (limit)', perLayer: true, run: (d) => quantizedMatmul(i8(d.xQ, [batch, d.inF]), d.limits.fwd, { aScale: d.xS, bScale: d.wRS, bias: d.bias }) },
  { name: 'int8 forward, fused call (quantize + pack W + GEMM)', perLayer: true, run: (d) => T.int8Forward(d.x, d.w, d.bias, batch, d.inF, d.outF, d.xQ, d.xS, d.wR, d.wRS, true, d.y, d.packs) },
  { name: 'quantize dY rows', perLayer: true, run: (d) => T.quantizeRows(d.dy, batch, d.outF, d.dyQ, d.dyS) },
  { name: 'int8 dX GEMM alone', perLayer: true, run: (d) => quantizedMatmul(i8(d.dyQ, [batch, d.outF]), i8(d.wR, [d.outF, d.inF]), { aScale: d.dyS }) },
  { name: 'int8 dX GEMM, W packed beforehand (limit)', perLayer: true, run: (d) => quantizedMatmul(i8(d.dyQ, [batch, d.outF]), d.limits.dx, { aScale: d.dyS }) },
  { name: 'int8 dX, fused call (packed W)', perLayer: true, run: (d) => T.int8InputGrad(d.dy, batch, d.inF, d.outF, d.dyQ, d.dyS, undefined, d.wRS, d.dx, d.packs) },
  { name: 'int8 dW GEMM, X packed beforehand (limit)', perLayer: true, run: (d) => quantizedMatmul(i8(d.limits.dyT, [d.outF, batch]), d.limits.dw, { aScale: d.dyBS, bScale: d.xBS, out: f32(d.dw, [d.outF, d.inF]) }) },
  { name: 'int8 dW, fused call (SR dY)', perLayer: true, run: (d, l) => T.int8WeightGrad(d.dy, d.x, batch, d.inF, d.outF, 0, l + 1, d.dyQ2, d.dyBS, d.xBQ, d.xBS, undefined, d.dw) },
  { name: 'QAT fake-quantize X (+ mask, uint8 levels)', perLayer: true, run: (d) => T.fakeQuantizeAffine(d.x, 0.004, 128, 0, 255, d.fx, d.mask, d.xCodes) },
  { name: 'QAT fake-quantize W rows (+ int8 levels)', perLayer: true, run: (d) => T.fakeQuantizeRows(d.w, d.outF, d.inF, d.fw, d.fwS, d.fwQ) },
  { name: 'Adam step (W)', perLayer: true, run: (d) => T.adamStep(d.fw, d.dw, d.m, d.v, 0.9, 0.999, 0.1, 0.001, 1e-8, 0, 1e-3, 0.5) },
  { name: '8-bit Adam step (W)', perLayer: true, run: (d) => T.adam8bitStep(d.fw, d.dw, d.qm, d.qv, d.am, d.av, ADAM8BIT_HYPER, 0) },
  { name: '8-bit Adam step, float8 code (W)', perLayer: true, run: (d) => T.adam8bitStep(d.fw, d.dw, d.qm, d.qv, d.am, d.av, ADAM8BIT_HYPER, 1) },
];

// Whole training steps of each mode (forward, loss, backward, optimizer), on one fixed batch.
const MODES: ConfigName[] = ['fp32', 'qat', 'switchback', 'int8', 'lean', 'adam8bit', 'adam8bit-float8', 'int8-saved'];
const stepX = f32(rand(batch * widths[0]).map((v) => v + 0.5), [batch, widths[0]]);
const stepY = Int32Array.from({ length: batch }, (_, i) => i % widths[widths.length - 1]);
const models = MODES.map((c): [ConfigName, Sequential, Optimizer] => {
  const model = buildModel(c, widths, 1, schedule);
  return [c, model, buildOptimizer(c, model, schedule)];
});
const steps: Item[] = models.map(([c, model, optimizer]) => ({
  name: `${c} training step`,
  perLayer: false,
  run: () => {
    model.backward(softmaxCrossEntropy(model.forward(stepX, true), stepY).grad);
    optimizer.step();
  },
}));

const all = [...items, ...steps];
const times = all.map((it) => (it.perLayer ? layers.map(() => [] as number[]) : [[] as number[]]));
for (let round = -3; round < reps; round++) {
  all.forEach((it, k) => {
    const ls = it.perLayer ? data.map((d, l) => [d, l] as const) : [[data[0], 0] as const];
    ls.forEach(([d, l], j) => {
      const t = performance.now();
      it.run(d, l);
      if (round >= 0) times[k][j].push(performance.now() - t);
    });
  });
}
const median = (t: number[]) => t.slice().sort((a, b) => a - b)[t.length >> 1];
const med = times.map((per) => per.map(median));

const m = info();
console.log(`MLP ${widths.join('-')}, batch ${batch}, ${m.threads} threads, kernels ${m.kernels.int8} / ${m.kernels.float32}; median ms of ${reps} interleaved rounds`);
console.log(`| step | ${layers.map(([i, o]) => `${i}->${o}`).join(' | ')} | total |`);
console.log(`|---|${layers.map(() => '---:').join('|')}|---:|`);
items.forEach((it, k) => console.log(`| ${it.name} | ${med[k].map((v) => v.toFixed(3)).join(' | ')} | ${med[k].reduce((a, b) => a + b, 0).toFixed(3)} |`));
console.log('\n| training step (forward, loss, backward, optimizer) | ms | speed vs fp32 |\n|---|---:|---:|');
const fp32Step = med[items.length][0];
steps.forEach((it, k) => console.log(`| ${it.name} | ${med[items.length + k][0].toFixed(2)} | ${(fp32Step / med[items.length + k][0]).toFixed(2)}x |`));
// The first layer's dX is never computed (Sequential skips it).
const gemms = items.filter((it) => it.gemm).reduce((s, it) => s + med[items.indexOf(it)].reduce((a, b, l) => a + (it.name.includes('dX') && l === 0 ? 0 : b), 0), 0);
console.log(`\nfp32 GEMMs (forward, dX but the first layer's, dW): ${gemms.toFixed(2)} ms = ${((100 * gemms) / fp32Step).toFixed(0)}% of the fp32 training step`);

// Each part against its limit (2048-wide layers are where the step's time is).
const row = (name: string) => med[items.findIndex((it) => it.name === name)];
const bandwidth = measureReadBandwidth(m.threads);
console.log(`\nAgainst the limits (read bandwidth measured now: ${bandwidth.toFixed(1)} GB/s at ${m.threads} threads):`);
console.log(`| layer | fwd GEMM in fused call, % of packed | dX, % of packed | dW, % of packed | W quantize + pack GB/s (% of read bw) | Adam GB/s | 8-bit Adam GB/s: tree / float8 | 8-bit / fp32 Adam speed: tree / float8 |`);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
layers.forEach(([inF, outF], l) => {
  const pct = (limit: string, got: string) => `${((100 * row(limit)[l]) / row(got)[l]).toFixed(0)}%`;
  const params = inF * outF;
  const gbs = (bytes: number, ms: number) => bytes / ms / 1e6;
  const quantW = gbs(4 * params, row('quantize + pack W for both GEMMs (one native pass)')[l]);
  console.log(`| ${inF}->${outF} | ${pct('int8 forward GEMM, W packed beforehand (limit)', 'int8 forward, fused call (quantize + pack W + GEMM)')} (whole call) | ` +
    `${pct('int8 dX GEMM, W packed beforehand (limit)', 'int8 dX, fused call (packed W)')} | ${pct('int8 dW GEMM, X packed beforehand (limit)', 'int8 dW, fused call (SR dY)')} | ` +
    `${quantW.toFixed(1)} (${((100 * quantW) / bandwidth).toFixed(0)}%) | ${gbs(28 * params, row('Adam step (W)')[l]).toFixed(1)} | ` +
    `${gbs(16 * params, row('8-bit Adam step (W)')[l]).toFixed(1)} / ${gbs(16 * params, row('8-bit Adam step, float8 code (W)')[l]).toFixed(1)} | ` +
    `${(row('Adam step (W)')[l] / row('8-bit Adam step (W)')[l]).toFixed(2)}x / ${(row('Adam step (W)')[l] / row('8-bit Adam step, float8 code (W)')[l]).toFixed(2)}x |`);
});
console.log('(Adam moves 28 bytes a parameter: p, grad, m, v read, p, m, v written; 8-bit Adam 16: p, grad read, p written, 2 + 2 state bytes. W quantize + pack: the float32 W once.)');
