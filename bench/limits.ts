/**
 * The limits each result is reported against, measured on this machine in the
 * same run (lib/probes.ts): the instruction-throughput probe of every kernel
 * the bench uses, at every thread count, and the read bandwidth over as many
 * bytes as each small-M shape's weights (so a weight matrix that fits the
 * last-level cache is compared with reading that cache, a larger one with DRAM).
 */
import { info, listProbes, measureProbe, measureReadBandwidth } from '../lib';
import type { Precision } from './contenders/types';
import { Shape } from './shapes';

export interface Limits {
  /** GOPS of each probe at each thread count: probes[name][threads]. */
  probes: Record<string, Record<string, number>>;
  /** What each probe's loop runs. */
  instructions: Record<string, string>;
  /** GB/s reading `megabytes` of memory: readGBps[megabytes][threads]. */
  readGBps: Record<string, Record<string, number>>;
}

/** Shapes whose time is bound by streaming the weights: reported as % of read bandwidth. */
export function isSmallM(shape: Shape): boolean {
  return shape.m <= 8;
}

/** Bytes of B (packed weights of that precision) a product streams. */
export function weightBytes(shape: Shape, precision: Precision): number {
  return shape.k * shape.n * (precision === 'f32' ? 4 : 1);
}

function megabytesOf(bytes: number): number {
  return Math.max(1, Math.min(4096, Math.round(bytes / 2 ** 20)));
}

/** The probe of a builtin kernel (by name and kind), or of the best kernel of a precision. */
export function probeFor(precision: Precision, kernel?: string): string | undefined {
  const list = info().kernelList;
  const kind = precision === 'f32' ? 'float32' : 'int8';
  const name = kernel ?? (precision === 'f32' ? info().kernels.float32 : info().kernels.int8);
  return list.find((k) => k.kind === kind && k.name === name)?.probe;
}

export function measureLimits(probes: readonly string[], threads: readonly number[], shapes: readonly Shape[]): Limits {
  const runnable = new Map(listProbes().filter((p) => p.runnable).map((p) => [p.name, p.instruction]));
  const limits: Limits = { probes: {}, instructions: {}, readGBps: {} };
  for (const name of new Set(probes)) {
    if (!runnable.has(name)) continue;
    limits.instructions[name] = runnable.get(name)!;
    limits.probes[name] = Object.fromEntries(threads.map((t) => [String(t), measureProbe(name, t)]));
  }
  const sizes = new Set(shapes.filter(isSmallM).flatMap((s) => [megabytesOf(weightBytes(s, 'u8s8')), megabytesOf(weightBytes(s, 'f32'))]));
  for (const mb of sizes) {
    limits.readGBps[String(mb)] = Object.fromEntries(threads.map((t) => [String(t), measureReadBandwidth(t, mb)]));
  }
  return limits;
}

/** The instruction limit (GOPS) a result is a fraction of. */
export function instructionLimit(limits: Limits, probe: string | undefined, threads: number): number | undefined {
  return probe === undefined ? undefined : limits.probes[probe]?.[String(threads)];
}

/** GB/s reading this shape's weight bytes, as measured. */
export function bandwidthLimit(limits: Limits, shape: Shape, precision: Precision, threads: number): number | undefined {
  return limits.readGBps[String(megabytesOf(weightBytes(shape, precision)))]?.[String(threads)];
}
