/**
 * Where a training step's time goes, fp32 vs int8 (SwitchBack-style), for the
 * example's MLP layers at one batch size: each GEMM, each quantization, and the
 * pre-packing alternative for the int8 weights. Median of repeated runs, ms.
 *   node --import tsx examples/fashion-mnist/step_costs.ts [--batch 128] [--reps 40]
 */
import { info, matmul, packWeights, quantizedMatmul, tensor, type Tensor } from '../../lib';
import { quantizeColumns, quantizeRows, Rng } from '../../lib/train';

const argv = process.argv.slice(2);
const opt = (name: string, d: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : d);
const batch = opt('--batch', 128);
const reps = opt('--reps', 40);
const layers = [[784, 512], [512, 256], [256, 10]];
const rng = new Rng(1);
const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => s * (rng.next() - 0.5));

function median(f: () => unknown): number {
  for (let i = 0; i < 3; i++) f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[reps >> 1];
}

const rows: [string, number[]][] = [];
const add = (name: string, f: (l: number) => () => unknown) => rows.push([name, layers.map((_, l) => median(f(l)))]);

const data = layers.map(([inF, outF]) => {
  const x = tensor(rand(batch * inF), [batch, inF]);
  const w = tensor(rand(outF * inF, 0.1), [outF, inF]);
  const dy = tensor(rand(batch * outF, 0.01), [batch, outF]);
  const xq = quantizeRows(x.data as Float32Array, batch, inF);
  const wr = quantizeRows(w.data as Float32Array, outF, inF);
  const wc = quantizeColumns(w.data as Float32Array, outF, inF);
  const dq = quantizeRows(dy.data as Float32Array, batch, outF);
  const i8 = (q: Int8Array, shape: number[]): Tensor<'int8'> => ({ dtype: 'int8', shape, data: q });
  return { inF, outF, x, w, dy, xq, wr, wc, dq, i8 };
});

add('fp32 forward  X W^T', (l) => { const d = data[l]; return () => matmul(d.x, d.w, { transposeB: true }); });
add('fp32 dX = dY W', (l) => { const d = data[l]; return () => matmul(d.dy, d.w); });
add('fp32 dW = dY^T X', (l) => { const d = data[l]; return () => matmul(d.dy, d.x, { transposeA: true }); });
add('int8 quantize X rows', (l) => { const d = data[l]; return () => quantizeRows(d.x.data as Float32Array, batch, d.inF, d.xq); });
add('int8 quantize W rows', (l) => { const d = data[l]; return () => quantizeRows(d.w.data as Float32Array, d.outF, d.inF, d.wr); });
add('int8 forward GEMM', (l) => {
  const d = data[l];
  return () => quantizedMatmul(d.i8(d.xq.q, [batch, d.inF]), d.i8(d.wr.q, [d.outF, d.inF]), { transposeB: true, aScale: d.xq.scales, bScale: d.wr.scales });
});
add('int8 pack W + packed forward', (l) => {
  const d = data[l];
  return () => {
    const p = packWeights(d.i8(d.wr.q, [d.outF, d.inF]), { transpose: true });
    quantizedMatmul(d.i8(d.xq.q, [batch, d.inF]), p, { aScale: d.xq.scales, bScale: d.wr.scales });
    p.dispose();
  };
});
add('int8 quantize dY rows', (l) => { const d = data[l]; return () => quantizeRows(d.dy.data as Float32Array, batch, d.outF, d.dq); });
add('int8 quantize W columns', (l) => { const d = data[l]; return () => quantizeColumns(d.w.data as Float32Array, d.outF, d.inF, d.wc); });
add('int8 dX GEMM', (l) => {
  const d = data[l];
  return () => quantizedMatmul(d.i8(d.dq.q, [batch, d.outF]), d.i8(d.wc.q, [d.outF, d.inF]), { aScale: d.dq.scales, bScale: d.wc.scales });
});
add('int8 pack W + packed dX', (l) => {
  const d = data[l];
  return () => {
    const p = packWeights(d.i8(d.wc.q, [d.outF, d.inF]));
    quantizedMatmul(d.i8(d.dq.q, [batch, d.outF]), p, { aScale: d.dq.scales, bScale: d.wc.scales });
    p.dispose();
  };
});

const m = info();
console.log(`batch ${batch}, ${m.threads} threads, kernels ${m.kernels.int8} / ${m.kernels.float32}; median ms of ${reps} runs per layer (dX of the first layer is never needed in training)`);
console.log(`| step | ${layers.map(([i, o]) => `${i}->${o}`).join(' | ')} | total |`);
console.log(`|---|${layers.map(() => '---:').join('|')}|---:|`);
for (const [name, t] of rows) console.log(`| ${name} | ${t.map((v) => v.toFixed(3)).join(' | ')} | ${t.reduce((a, b) => a + b, 0).toFixed(3)} |`);
