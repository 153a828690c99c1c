/**
 * Runs every contender on every shape and thread count, and cross-checks
 * integer outputs against the builtin reference of the same precision.
 */
import { info, setMaxIsa } from '../lib';
import type { Contender, Precision } from './contenders/types';
import { makeOperands } from './data';
import { Budget, measure } from './measure';
import { PeakModel, peakGops } from './peak';
import type { Progress } from './progress';
import type { GemmResult, Mismatches } from './results';
import { ops, Shape, shapeName } from './shapes';

function compare(out: Int32Array | Float32Array, ref: Int32Array, reference: string): Mismatches {
  let count = 0;
  let maxAbsDiff = 0;
  const n = Math.min(out.length, ref.length);
  for (let i = 0; i < n; i++) {
    const d = Math.abs(out[i] - ref[i]);
    if (d !== 0) {
      count++;
      if (d > maxAbsDiff) maxAbsDiff = d;
    }
  }
  return { count: count + Math.abs(out.length - ref.length), total: ref.length, maxAbsDiff, reference };
}

export function gridSize(shapes: readonly Shape[], threads: readonly number[], contenders: readonly Contender[]): number {
  return shapes.length * threads.length * contenders.length;
}

export async function runGrid(
  shapes: readonly Shape[],
  threadCounts: readonly number[],
  contenders: readonly Contender[],
  budget: Budget,
  peak: PeakModel,
  referenceIds: Partial<Record<Precision, string>>,
  progress: Progress,
): Promise<GemmResult[]> {
  const results: GemmResult[] = [];
  const bestIsa = info().bestIsa;
  for (const shape of shapes) {
    const data = makeOperands(shape);
    for (const threads of threadCounts) {
      const references: Partial<Record<Precision, Int32Array>> = {};
      for (const c of contenders) {
        progress.tick(`${c.label} ${shapeName(shape)} t${threads}`);
        const base: GemmResult = { shape, threads, id: c.id, label: c.label, family: c.family, precision: c.precision, note: c.note };
        const skipped = c.skip?.(shape, threads);
        if (skipped !== undefined) {
          results.push({ ...base, skipped });
          continue;
        }
        const prepared = await c.prepare(data, threads);
        try {
          const kernel = c.family === 'builtin' ? (c.precision === 'f32' ? info().kernels.float32 : info().kernels.int8) : undefined;
          const timing = await measure(`${c.id} ${shapeName(shape)} t${threads}`, prepared.run, budget);
          const gops = ops(shape) / (timing.medianMs * 1e6);
          const result: GemmResult = { ...base, kernel, gops, peakFraction: gops / peakGops(peak, c.precision, threads), timing };
          if (c.precision !== 'f32') {
            const out = prepared.output() as Int32Array;
            if (referenceIds[c.precision] === c.id) references[c.precision] = out.slice();
            const ref = references[c.precision];
            if (ref !== undefined) result.mismatches = compare(out, ref, referenceIds[c.precision]!);
          }
          results.push(result);
        } finally {
          await prepared.dispose();
          setMaxIsa(bestIsa);
        }
      }
    }
  }
  return results;
}
