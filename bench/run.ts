/**
 * A whole bench run: machine, measured limits, the GEMM grid, per-call overhead,
 * packing and first-call costs. Returns the results; reports are written by
 * report/ (the CLI decides which).
 */
import * as os from 'node:os';
import { info, setMaxIsa, setNumThreads } from '../lib';
import { availableIsas, builtinContenders, referenceId } from './contenders/builtin';
import { jsContender } from './contenders/js';
import { onednnContenders } from './contenders/onednn';
import { ortContenders } from './contenders/ort';
import type { Contender } from './contenders/types';
import { firstCallCount, packShapes, runFirstCalls, runPacking } from './extras';
import { gridSize, runGrid } from './grid';
import { machineInfo } from './machine';
import { FULL_BUDGET, QUICK_BUDGET } from './measure';
import { measureLimits, probeFor } from './limits';
import { Progress } from './progress';
import type { BenchRun } from './results';
import { DEFAULT_SHAPES, OVERHEAD_SHAPES, QUICK_SHAPES, Shape } from './shapes';

export interface RunOptions {
  /** Default: the full list, or the quick list with quick. */
  shapes?: readonly Shape[];
  /** Default: 1 and the CPUs available (just 1 with quick on a 1-CPU machine). */
  threads?: readonly number[];
  quick?: boolean;
  /** Progress output (default stderr). */
  progressStream?: NodeJS.WriteStream;
}

export function defaultThreads(): number[] {
  const cpus = os.availableParallelism();
  return cpus > 1 ? [1, cpus] : [1];
}

export function allContenders(): Contender[] {
  return [...builtinContenders(), ...onednnContenders(), ...ortContenders(), jsContender];
}

export async function runBench(options: RunOptions = {}): Promise<BenchRun> {
  const started = Date.now();
  const quick = options.quick ?? false;
  const shapes = options.shapes ?? (quick ? QUICK_SHAPES : DEFAULT_SHAPES);
  const threads = options.threads ?? defaultThreads();
  const budget = quick ? QUICK_BUDGET : FULL_BUDGET;
  const machine = machineInfo();
  const cap = info().isaCap;
  const contenders = allContenders();
  // The probe of every builtin kernel the grid runs (one per ISA cap), and the best fp32 one.
  const probes: string[] = [];
  for (const isa of availableIsas()) {
    setMaxIsa(isa);
    for (const p of ['u8s8', 'f32'] as const) {
      const probe = probeFor(p);
      if (probe !== undefined) probes.push(probe);
    }
  }
  setMaxIsa(cap);
  const limits = measureLimits(probes, threads, shapes);
  const refs = { u8s8: referenceId(), s8s8: referenceId().replace('u8s8', 's8s8') };
  const maxThreads = Math.max(...threads);

  const trials = quick ? 2 : 5;
  const total =
    gridSize(shapes, threads, contenders) + gridSize(OVERHEAD_SHAPES, [1], contenders) + 2 * packShapes(shapes).length + firstCallCount();
  const progress = new Progress(total, options.progressStream);
  try {
    const gemm = await runGrid(shapes, threads, contenders, budget, limits, refs, progress);
    const overhead = await runGrid(OVERHEAD_SHAPES, [1], contenders, budget, limits, refs, progress);
    const packing = await runPacking(shapes, maxThreads, budget, progress);
    const fc = quick ? 256 : 1024;
    const firstCall = await runFirstCalls(fc, fc, maxThreads, trials, progress);
    return {
      kind: options.shapes || options.threads ? 'custom' : quick ? 'quick' : 'full',
      machine,
      limits,
      budget,
      threads: [...threads],
      gemm,
      overhead,
      packing,
      firstCall,
      durationS: (Date.now() - started) / 1000,
      loadAverageEnd: os.loadavg()[0],
    };
  } finally {
    progress.finish();
    setMaxIsa(cap);
    setNumThreads(machine.cpus);
  }
}
