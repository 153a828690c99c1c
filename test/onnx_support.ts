/**
 * Shared by the ONNX tests: onnxruntime-node as the oracle (graph
 * optimizations off = ONNX's float semantics, or all on = its fused int8
 * kernels), seeded inputs, and comparisons in float rounding or in
 * quantization steps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadOrt } from '../bench/contenders/ort';
import { Rng, tensor, type Tensor } from '../lib';

export const FIXTURES = path.join(__dirname, 'fixtures', 'onnx');
export const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, name)));

/** Runs a model in onnxruntime-node on one input; null when onnxruntime-node is not installed. */
export async function runOrt(model: Uint8Array, inputName: string, x: Tensor, optimized = false): Promise<Tensor | null> {
  const ort = loadOrt();
  if (ort === null) return null;
  const session = await ort.InferenceSession.create(model, { graphOptimizationLevel: optimized ? 'all' : 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({ [inputName]: new ort.Tensor(x.dtype, x.data, [...x.shape]) });
    const out = result[session.outputNames[0]];
    return tensor(out.data as Float32Array, [...out.dims]);
  } finally {
    await session.release();
  }
}

/** Uniform floats in [lo, hi), seeded. */
export function randomInput(shape: number[], seed: number, lo = -1, hi = 1): Tensor<'float32'> {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next()), shape) as Tensor<'float32'>;
}

/** Largest |a - b| / max(1, |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/** How many elements differ, and by how many quantization steps at most (values on a grid of `step`; step 1 for integers). */
export function stepDiff(a: ArrayLike<number>, b: ArrayLike<number>, step = 1): { differing: number; maxSteps: number; total: number } {
  let differing = 0, maxSteps = 0;
  for (let i = 0; i < a.length; i++) {
    const steps = Math.round(Math.abs(a[i] - b[i]) / step);
    if (steps > 0) differing++;
    maxSteps = Math.max(maxSteps, steps);
  }
  return { differing, maxSteps, total: a.length };
}
