/**
 * Runs every contender on every shape and thread count, and cross-checks
 * integer outputs against the builtin reference of the same precision.
 */
import { info, setMaxIsa } from '../lib';
import type { Contender, Precision } from './contenders/types';
import { makeOperands } from './data';
import { Budget, measure } from './measure';
import { bandwidthLimit, instructionLimit, isSmallM, Limits, probeFor, weightBytes } from './limits';
import type { Progress } from './progress';
import type { GemmResult, Mismatches } from './results';
import { ops, Shape, shapeName } from './shapes';

/** After onnxruntime: long enough for its spinning threads to go to sleep. */
const SETTLE_MS = 100;

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
  limits: Limits,
  referenceIds: Partial<Record<Precision, string>>,
  progress: Progress,
): Promise<GemmResult[]> {
  const results: GemmResult[] = [];
  const cap = info().isaCap; // restored after each contender (builtin ones cap dispatch themselves)
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
          // Peers are held to the best kernel's instruction limit of their precision on this machine.
          const probe = probeFor(c.precision, kernel);
          const limit = instructionLimit(limits, probe, threads);
          const result: GemmResult = { ...base, kernel, gops, probe, limitFraction: limit ? gops / limit : undefined, timing };
          if (isSmallM(shape)) {
            result.weightGBps = weightBytes(shape, c.precision) / (timing.medianMs * 1e6);
            const bw = bandwidthLimit(limits, shape, c.precision, threads);
            result.bandwidthFraction = bw ? result.weightGBps / bw : undefined;
          }
          if (c.precision !== 'f32') {
            const out = prepared.output() as Int32Array;
            if (referenceIds[c.precision] === c.id) references[c.precision] = out.slice();
            const ref = references[c.precision];
            if (ref !== undefined) result.mismatches = compare(out, ref, referenceIds[c.precision]!);
          }
          results.push(result);
        } finally {
          await prepared.dispose();
          setMaxIsa(cap);
          // onnxruntime's intra-op threads spin on after its last run and would take the
          // cores from the next contender (bench/neighbour.ts measures that on purpose).
          if (c.family === 'ort') await new Promise((r) => setTimeout(r, SETTLE_MS));
        }
      }
    }
  }
  return results;
}
