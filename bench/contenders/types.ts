/** What every peer in the bench provides: a name, when it sits out, and a prepared call. */
import type { Operands } from '../data';
import type { Shape } from '../shapes';

/** u8s8/s8s8: uint8 or int8 A times int8 B into int32; f32: float32 throughout. */
export type Precision = 'u8s8' | 's8s8' | 'f32';

export interface Prepared {
  /** One GEMM call on the prepared operands (the output buffer is reused). */
  run: () => unknown;
  /** The latest result, for the correctness cross-check. */
  output: () => Int32Array | Float32Array;
  dispose: () => void | Promise<void>;
}

export interface Contender {
  /** Stable key for JSON and charts, e.g. "builtin-avx2-u8s8-packed". */
  id: string;
  /** Short human name for tables. */
  label: string;
  family: 'builtin' | 'onednn' | 'ort' | 'js';
  precision: Precision;
  /** Said next to every number of this contender (e.g. "inexact here"). */
  note?: string;
  /** A reason to leave this shape/thread count out, or undefined to run it. */
  skip?: (shape: Shape, threads: number) => string | undefined;
  /** Set-up outside the timed region: packing, sessions, output buffers. */
  prepare: (data: Operands, threads: number) => Promise<Prepared>;
}
