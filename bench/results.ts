/** The shape of a bench run's results: what the reports read and the JSON keeps. */
import type { Precision } from './contenders/types';
import type { MachineInfo } from './machine';
import type { Budget, Timing } from './measure';
import type { Limits } from './limits';
import type { Shape } from './shapes';

export interface Mismatches {
  /** Elements that differ from the builtin reference of the same precision. */
  count: number;
  total: number;
  maxAbsDiff: number;
  reference: string;
}

export interface GemmResult {
  shape: Shape;
  threads: number;
  id: string;
  label: string;
  family: string;
  precision: Precision;
  note?: string;
  /** Why it did not run (then no timing). */
  skipped?: string;
  /** The builtin kernel that actually ran (a cap may still dispatch to a lower kernel). */
  kernel?: string;
  gops?: number;
  /** The probe whose measured GOPS this result is compared with (its kernel's, or the best of its precision). */
  probe?: string;
  /** gops over that probe's GOPS at this thread count. */
  limitFraction?: number;
  /** Small M: bytes of the weights (packed, as the precision stores them) per second. */
  weightGBps?: number;
  /** Small M: weightGBps over the measured read bandwidth over as many bytes. */
  bandwidthFraction?: number;
  timing?: Timing;
  mismatches?: Mismatches;
}

export interface PackResult {
  k: number;
  n: number;
  dtype: 'int8' | 'float32';
  kernel: string;
  timing: Timing;
}

export interface FirstCallResult {
  label: string;
  n: number;
  k: number;
  /** The never-seen M values, one trial each. */
  m: number[];
  firstMs: number[];
  /** The best of three calls right after the first: the warm cost. */
  secondMs: number[];
}

export interface BenchRun {
  kind: 'quick' | 'full' | 'custom';
  machine: MachineInfo;
  limits: Limits;
  budget: Budget;
  threads: number[];
  gemm: GemmResult[];
  overhead: GemmResult[];
  packing: PackResult[];
  firstCall: FirstCallResult[];
  durationS: number;
  /** Load average when it ended: with the start's, a hint of noise from other work. */
  loadAverageEnd: number;
}
