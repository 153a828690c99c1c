/**
 * One timed task on tinybench. Each task gets its own Bench so that global
 * state (thread count, ISA cap) set by a contender's prepare() holds for
 * exactly that task.
 */
import type { Bench as BenchClass } from 'tinybench';
import { importOptional } from './esm';

export interface Budget {
  /** tinybench `time`: ms of sampling per task. */
  timeMs: number;
  /** Minimum samples even when one call outlasts the time budget. */
  minSamples: number;
  /** Warm-up budget (ms) and minimum warm-up calls. */
  warmupMs: number;
  warmupSamples: number;
}

export const FULL_BUDGET: Budget = { timeMs: 400, minSamples: 5, warmupMs: 50, warmupSamples: 2 };
export const QUICK_BUDGET: Budget = { timeMs: 60, minSamples: 3, warmupMs: 10, warmupSamples: 1 };

/** Latency statistics in milliseconds (tinybench's, minus the bulky parts) and every sample. */
export interface Timing {
  medianMs: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  p75Ms: number;
  p99Ms: number;
  /** Median absolute deviation over the median: the run's noise, as a fraction. */
  relMad: number;
  rmePercent: number;
  samplesMs: number[];
}

let benchCtor: typeof BenchClass | undefined;

async function Bench(): Promise<typeof BenchClass> {
  if (benchCtor === undefined) {
    // A devDependency: an installed qgemm runs `qgemm info` without it, and says what `bench` needs.
    const tinybench = await importOptional<typeof import('tinybench')>('tinybench');
    if (tinybench === undefined) throw new Error('qgemm bench needs tinybench: npm install tinybench');
    benchCtor = tinybench.Bench;
  }
  return benchCtor;
}

/** The fewer calls the slower the call: a 1-second GEMM gets minSamples, a 1-us one thousands. */
export async function measure(name: string, fn: () => unknown, budget: Budget): Promise<Timing> {
  const B = await Bench();
  const bench = new B({
    name,
    time: budget.timeMs,
    iterations: budget.minSamples,
    warmupTime: budget.warmupMs,
    warmupIterations: budget.warmupSamples,
    retainSamples: true,
    throws: true,
  });
  bench.add(name, fn);
  const [task] = await bench.run();
  const result = task.result;
  if (!('latency' in result)) throw new Error(`task ${name} ended ${result.state}`);
  const l = result.latency;
  return {
    medianMs: l.p50,
    meanMs: l.mean,
    minMs: l.min,
    maxMs: l.max,
    p75Ms: l.p75,
    p99Ms: l.p99,
    relMad: l.p50 > 0 ? l.mad / l.p50 : 0,
    rmePercent: l.rme,
    // Rounded to the nanosecond: the timer is no finer, and the JSON halves.
    samplesMs: l.samples ? Array.from(l.samples, (x) => Math.round(x * 1e6) / 1e6) : [],
  };
}

/** Wall time of one call in ms (for first calls, where there is only one sample). */
export async function timeOnce(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
