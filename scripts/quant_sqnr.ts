/**
 * SQNR (dB) of 8-bit uniform vs non-uniform quantization on normal and
 * heavy-tailed data; prints the markdown table in docs/QUANTIZATION.md.
 * Run: node --import tsx scripts/quant_sqnr.ts
 */
import {
  calculateQParams,
  codebookDequantize,
  dequantizeLinear,
  HistogramObserver,
  kmeansQuantize,
  logQuantize,
  MinMaxObserver,
  quantizeLinear,
  sqnr,
  type QParams,
} from '../lib';

const N = 100_000;
let state = 12345;
const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
const gauss = () => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
function studentT(df: number): number {
  let chi = 0;
  for (let i = 0; i < df; i++) chi += gauss() ** 2;
  return gauss() / Math.sqrt(chi / df);
}

const datasets: Record<string, () => number> = {
  'normal': gauss,
  'Laplace': () => (rand() < 0.5 ? 1 : -1) * Math.log(rand()),
  'Student-t df=3': () => studentT(3),
};

function uniform(x: Float32Array, q: QParams, dtype: 'int8' | 'uint8'): Float32Array {
  const y = quantizeLinear(x, q.scale, q.zeroPoint, { dtype });
  return dequantizeLinear(y, q.scale, q.zeroPoint).data;
}

const methods: Record<string, (x: Float32Array) => Float32Array> = {
  'int8 symmetric, amax/127 (ORT/TFLite)': (x) => {
    const o = new MinMaxObserver({ dtype: 'int8' });
    o.observe(x);
    return uniform(x, calculateQParams(o.min, o.max, { dtype: 'int8', symmetric: true, narrowRange: true }), 'int8');
  },
  'uint8 affine, min/max (PyTorch MinMaxObserver)': (x) => {
    const o = new MinMaxObserver();
    o.observe(x);
    return uniform(x, o.calculateQParams(), 'uint8');
  },
  'uint8 affine, HistogramObserver L2': (x) => {
    const o = new HistogramObserver();
    o.observe(x);
    return uniform(x, o.calculateQParams(), 'uint8');
  },
  'log, powers of two (255 levels)': (x) => codebookDequantize(logQuantize(x)).data,
  'log, 2^(1/8) steps (255 levels)': (x) => codebookDequantize(logQuantize(x, { stepsPerOctave: 8 })).data,
  'k-means, 256 centroids (seed 0)': (x) => codebookDequantize(kmeansQuantize(x)).data,
};

const names = Object.keys(datasets);
console.log(`| method (8 bits, ${N} samples) | ${names.join(' | ')} |`);
console.log(`|---|${names.map(() => '---:').join('|')}|`);
const data = names.map((n) => Float32Array.from({ length: N }, datasets[n]));
for (const [m, f] of Object.entries(methods)) {
  console.log(`| ${m} | ${data.map((x) => sqnr(x, f(x)).toFixed(2)).join(' | ')} |`);
}
