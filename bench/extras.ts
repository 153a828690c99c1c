/**
 * The costs around the GEMM itself: packing B, and the first call at a
 * never-seen M (oneDNN builds a primitive per shape; builtin should not care).
 */
import { info, matmul, packWeights, setNumThreads, tensor } from '../lib';
import { loadOrt, ortSession } from './contenders/ort';
import { makeOperands } from './data';
import { Budget, measure, timeOnce } from './measure';
import type { Progress } from './progress';
import type { FirstCallResult, PackResult } from './results';
import type { Shape } from './shapes';

/** Distinct (K, N) of the shapes: one packing measurement each. */
export function packShapes(shapes: readonly Shape[]): Shape[] {
  const seen = new Map<string, Shape>();
  for (const s of shapes) seen.set(`${s.k}x${s.n}`, { m: 1, n: s.n, k: s.k });
  return [...seen.values()];
}

export async function runPacking(shapes: readonly Shape[], threads: number, budget: Budget, progress: Progress): Promise<PackResult[]> {
  setNumThreads(threads);
  const results: PackResult[] = [];
  for (const shape of packShapes(shapes)) {
    const d = makeOperands(shape);
    for (const [dtype, b] of [['int8', d.b], ['float32', d.bF32]] as const) {
      progress.tick(`packWeights ${dtype} ${shape.k}x${shape.n}`);
      const kernel = packWeights(b).kernel;
      const timing = await measure(`pack ${dtype}`, () => packWeights(b).dispose(), budget);
      results.push({ k: shape.k, n: shape.n, dtype, kernel, timing });
    }
  }
  return results;
}

/** M values no bench shape uses, one per trial. */
const FRESH_M = [97, 101, 103, 107, 109];

type CallAt = (m: number) => () => unknown;

async function firstCallContenders(n: number, k: number, threads: number): Promise<{ label: string; at: CallAt; dispose: () => unknown }[]> {
  const d = makeOperands({ m: Math.max(...FRESH_M), n, k });
  const aU8 = (m: number) => tensor(d.aU8.data.subarray(0, m * k), [m, k]);
  const aF32 = (m: number) => tensor(d.aF32.data.subarray(0, m * k), [m, k]);
  const packed = packWeights(d.b);
  const list: { label: string; at: CallAt; dispose: () => unknown }[] = [
    { label: 'qgemm u8s8 packed', at: (m) => { const a = aU8(m); return () => matmul(a, packed); }, dispose: () => packed.dispose() },
    { label: 'qgemm u8s8 unpacked', at: (m) => { const a = aU8(m); return () => matmul(a, d.b); }, dispose: () => {} },
    { label: 'qgemm f32', at: (m) => { const a = aF32(m); return () => matmul(a, d.bF32); }, dispose: () => {} },
  ];
  if (info().backends.onednn) {
    list.push(
      { label: 'oneDNN u8s8', at: (m) => { const a = aU8(m); return () => matmul(a, d.b, { backend: 'onednn', allowInexact: true }); }, dispose: () => {} },
      { label: 'oneDNN f32', at: (m) => { const a = aF32(m); return () => matmul(a, d.bF32, { backend: 'onednn' }); }, dispose: () => {} },
    );
  }
  const ort = loadOrt();
  if (ort !== null) {
    // A dynamic-M session, created and run once at M=1 beforehand: what is left is per-shape cost.
    const session = await ortSession(ort, 'u8s8', { m: 1, n, k }, d.b.data, threads, 'M');
    const feed = (m: number) => ({ A: new ort.Tensor('uint8', d.aU8.data.subarray(0, m * k), [m, k]) });
    await session.run(feed(1));
    list.push({ label: 'ORT u8s8 (dynamic M)', at: (m) => { const f = feed(m); return () => session.run(f); }, dispose: () => session.release() });
  }
  return list;
}

export async function runFirstCalls(n: number, k: number, threads: number, trials: number, progress: Progress): Promise<FirstCallResult[]> {
  setNumThreads(threads);
  const results: FirstCallResult[] = [];
  for (const c of await firstCallContenders(n, k, threads)) {
    progress.tick(`first call ${c.label}`);
    const r: FirstCallResult = { label: c.label, n, k, m: [], firstMs: [], secondMs: [] };
    for (const m of FRESH_M.slice(0, trials)) {
      const call = c.at(m);
      r.m.push(m);
      r.firstMs.push(await timeOnce(call));
      // The steady state: the best of three more calls (one would catch noise from other work).
      const again = [await timeOnce(call), await timeOnce(call), await timeOnce(call)];
      r.secondMs.push(Math.min(...again));
    }
    await c.dispose();
    results.push(r);
  }
  return results;
}

/** The number of progress ticks runFirstCalls makes. */
export function firstCallCount(): number {
  return 3 + (info().backends.onednn ? 2 : 0) + (loadOrt() !== null ? 1 : 0);
}
