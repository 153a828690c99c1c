/**
 * Accuracy of QuantizedLinear against the float32 layer: SQNR (dB) of
 * y = x Wᵀ + b on Gaussian and heavy-tailed activations, for per-channel vs
 * per-tensor weights and per-row vs per-tensor dynamic activations.
 * Weights have per-row magnitudes spread over ~2 orders (as trained layers do).
 *
 *   node --import tsx scripts/linear_sqnr.ts
 */
import { matmul, QuantizedLinear, sqnr, tensor } from '../lib';

let seed = 12345;
const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const studentT3 = () => normal() / Math.sqrt((normal() ** 2 + normal() ** 2 + normal() ** 2) / 3);

const [batch, inF, outF] = [256, 512, 512];
const w = new Float32Array(outF * inF);
for (let o = 0; o < outF; o++) {
  const rowScale = Math.exp(normal()) * 0.05;
  for (let i = 0; i < inF; i++) w[o * inF + i] = normal() * rowScale;
}
const weight = tensor(w, [outF, inF]);
const bias = Float32Array.from({ length: outF }, () => normal() * 0.1);

function activations(kind: string): Float32Array {
  const x = new Float32Array(batch * inF);
  for (let r = 0; r < batch; r++) {
    // Rows differ in magnitude too (tokens / samples are not alike).
    const rowScale = kind === 'gaussian' ? 1 : Math.exp(normal());
    for (let i = 0; i < inF; i++) x[r * inF + i] = (kind === 'gaussian' ? normal() : studentT3()) * rowScale;
  }
  return x;
}

console.log(`\nSQNR (dB) of QuantizedLinear vs float32, ${inF} -> ${outF}, batch ${batch} (higher is better)\n`);
console.log('| activations | weights | x per row | x per tensor |');
console.log('|---|---|---|---|');
for (const kind of ['gaussian', 'heavy-tailed (Student-t df=3, row scales e^N(0,1))']) {
  const x = tensor(activations(kind.startsWith('gaussian') ? 'gaussian' : 'heavy'), [batch, inF]);
  const ref = matmul(x, weight, { transposeB: true }).data;
  for (let i = 0; i < ref.length; i++) ref[i] += bias[i % outF];
  for (const weights of ['per-channel', 'per-tensor'] as const) {
    const cells = [true, false].map((perRow) => {
      const layer = new QuantizedLinear(weight, bias, { weights, perRow });
      const y = layer.forward(x).data as Float32Array;
      layer.dispose();
      return sqnr(ref, y).toFixed(2);
    });
    console.log(`| ${kind} | ${weights} | ${cells[0]} | ${cells[1]} |`);
  }
}
