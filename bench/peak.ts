/**
 * The peak model: GOPS = cores x clock x MACs per cycle per core x 2.
 *
 * The clock is measured, not read from /proc/cpuinfo (a VM reports the base
 * clock, or nothing useful) and not from perf (hardware counters are usually
 * not exposed to VMs: `perf stat -e cycles` says <not supported> here). The
 * method: a JIT-compiled loop that is one long dependency chain of 32-bit
 * add and xor (1 cycle latency each on every x86 core since the Pentium 4),
 * 16 per iteration so the loop overhead hides beside the chain. Chain
 * operations per second = cycles per second. The best of several short runs
 * is kept (interruptions only make a run slower).
 */
import * as fs from 'node:fs';
import type { Isa } from '../lib';
import type { Precision } from './contenders/types';

/** int8 multiply-accumulates per cycle per core of each ISA's GEMM instruction. */
export const INT8_MACS_PER_CYCLE: Partial<Record<Isa, number>> = {
  amx: 1024, // TDPBUSD: 16x64 int8 x 64x16 per 16 cycles
  avx512_vnni: 128, // 2 ports x 64 (vpdpbusd zmm)
  avx_vnni: 64, // 2 ports x 32 (vpdpbusd ymm)
  avx2: 32, // exact int16 path: 2 ports x 16 (vpmaddwd ymm)
  scalar: 1, // one imul + add per cycle: a floor, not a real peak
};

/** fp32 FMAs per cycle per core: 2 FMA ports x lanes. */
export function f32FmasPerCycle(cpuFlags: readonly string[]): number {
  return cpuFlags.includes('avx512f') ? 32 : cpuFlags.includes('fma') ? 16 : 4;
}

function chain(n: number, a: number, b: number): number {
  let x = 0;
  for (let i = 0; i < n; i++) {
    x = (x + a) | 0; x ^= b; x = (x + a) | 0; x ^= b; // prettier-ignore
    x = (x + a) | 0; x ^= b; x = (x + a) | 0; x ^= b; // prettier-ignore
    x = (x + a) | 0; x ^= b; x = (x + a) | 0; x ^= b; // prettier-ignore
    x = (x + a) | 0; x ^= b; x = (x + a) | 0; x ^= b; // prettier-ignore
  }
  return x;
}

export interface ClockMeasurement {
  ghz: number;
  /** Every run's estimate, GHz. */
  runs: number[];
  method: string;
  /** What the OS says, for comparison (MHz of the first CPU in /proc/cpuinfo). */
  reportedMhz: number | null;
}

export function measureClock(runs = 25, opsPerRun = 2e7): ClockMeasurement {
  const iterations = Math.round(opsPerRun / 16);
  let sink = 0;
  chain(1e6, 3, 0x5bd1e995); // let the JIT optimize before timing
  const estimates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    sink ^= chain(iterations, r + 3, 0x5bd1e995);
    const ns = Number(process.hrtime.bigint() - t0);
    estimates.push((iterations * 16) / ns);
  }
  if (sink === 0x7fffffff) console.error(''); // keep the result alive
  let reportedMhz: number | null = null;
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) reportedMhz = Number(m[1]);
  } catch {
    // not Linux
  }
  return {
    ghz: Math.max(...estimates),
    runs: estimates,
    method: 'dependent chain of 32-bit add/xor in JIT-compiled JS (1 cycle each), best of runs',
    reportedMhz,
  };
}

export interface PeakModel {
  clockGhz: number;
  int8Isa: Isa;
  int8MacsPerCycle: number;
  f32FmasPerCycle: number;
  /** Physical cores the bench's threads can occupy (threads, capped at CPUs). */
  cores: (threads: number) => number;
}

export function makePeakModel(clockGhz: number, int8Isa: Isa, cpuFlags: readonly string[], cpus: number): PeakModel {
  return {
    clockGhz,
    int8Isa,
    int8MacsPerCycle: INT8_MACS_PER_CYCLE[int8Isa] ?? 1,
    f32FmasPerCycle: f32FmasPerCycle(cpuFlags),
    cores: (threads) => Math.min(threads, cpus),
  };
}

/** Theoretical GOPS (2 ops per multiply-accumulate) of a precision at a thread count. */
export function peakGops(model: PeakModel, precision: Precision, threads: number): number {
  const macs = precision === 'f32' ? model.f32FmasPerCycle : model.int8MacsPerCycle;
  return model.cores(threads) * model.clockGhz * macs * 2;
}
