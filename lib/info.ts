/** What qgemm found on this machine, and the knobs that change dispatch. */
import { rangeError, typeError } from './errors';
import { native, packageRoot } from './native';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * ISA caps for setMaxIsa / QGEMM_MAX_ISA. A cap allows the features of that ISA and of the ISAs
 * below it on the same architecture ('all': no cap); it never selects a kernel the CPU cannot run.
 */
export type Isa = 'scalar' | 'avx2' | 'avx_vnni' | 'avx512_vnni' | 'amx' | 'neon' | 'neon_dotprod' | 'neon_i8mm' | 'all';
export const ISAS: readonly Isa[] = ['scalar', 'avx2', 'avx_vnni', 'avx512_vnni', 'amx', 'neon', 'neon_dotprod', 'neon_i8mm', 'all'];

/** One kernel compiled into the addon, and whether dispatch may use it here. */
export interface KernelStatus {
  name: string;
  kind: 'int8' | 'int8 direct' | 'float32';
  /** CPU features it needs ('none' for the portable kernels). */
  requires: string;
  /** Its packed-weight layout; kernels sharing one run the same PackedWeights. */
  layout: string;
  /** The CPU has its features, the cap allows them, and its self-check passed. */
  runnable: boolean;
  /** Why not runnable: the CPU lacks a feature, the cap excludes it, or its self-check failed. */
  reason?: string;
  /** The signal its self-check raised on this CPU ('SIGILL', 'SIGSEGV', 'SIGBUS'): the kernel was dropped. */
  fault?: string;
  /** Its once-per-process check against the scalar reference has run (at first use). */
  selfChecked: boolean;
  /** The probe that measures its instruction mix's limit (see probe()). */
  probe?: string;
}

export interface Info {
  version: string;
  cpu: {
    avx2: boolean; avx512: boolean; avx512_vnni: boolean; avx_vnni: boolean; amx_int8: boolean; amx_permitted: boolean;
    neon: boolean; neon_dotprod: boolean; neon_i8mm: boolean;
  };
  /** The ISAs this CPU has, in cap order (each a valid setMaxIsa argument); always starts with 'scalar'. */
  isas: Isa[];
  /** The best ISA the CPU and OS support (the last of `isas`). */
  bestIsa: Isa;
  /** The cap set by QGEMM_MAX_ISA or setMaxIsa() ('all' = no cap). */
  isaCap: Isa;
  /** The best of `isas` the cap allows. */
  isa: Isa;
  /**
   * The kernels dispatch picks now: for packing new int8 and float32 weights (many rows), and for a
   * few rows of an unpacked int8 B.
   */
  kernels: { int8: string; int8Direct: string; float32: string };
  /** Every kernel compiled in, with whether it can run here and why not. */
  kernelList: KernelStatus[];
  backends: { builtin: true; onednn: boolean; onednnVersion: string | null; onednnInt8Exact: boolean; onednnUnavailableReason?: string };
  /** Threads of qgemm's pool (default: CPUs available to the process). */
  threads: number;
  availableCpus: number;
}

let version: string | undefined;

export function info(): Info {
  const n = native().info();
  version ??= (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return {
    version,
    cpu: n.cpu,
    isas: n.isas as Isa[],
    bestIsa: n.isas[n.isas.length - 1] as Isa,
    isaCap: n.isaCap as Isa,
    isa: n.isa as Isa,
    kernels: { int8: n.int8Kernel, int8Direct: n.int8DirectKernel, float32: n.f32Kernel },
    kernelList: n.kernelList,
    backends: { builtin: true, onednn: n.onednn, onednnVersion: n.onednn ? n.onednnVersion : null, onednnInt8Exact: n.onednnInt8Exact, ...(n.onednn ? {} : { onednnUnavailableReason: n.onednnUnavailableReason }) },
    threads: n.threads,
    availableCpus: n.availableCpus,
  };
}

/** Threads for qgemm's pool (and oneDNN's OpenMP team), 1..256. */
export function setNumThreads(threads: number): void {
  if (typeof threads !== 'number') throw typeError('ERR_QGEMM_ARG_TYPE', 'threads must be a number');
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw rangeError('ERR_QGEMM_OPTION', `threads must be an integer in 1..256, got ${threads}`);
  }
  native().setNumThreads(threads);
}

/** Caps kernel dispatch at `isa` (as the QGEMM_MAX_ISA environment variable does). */
export function setMaxIsa(isa: Isa): void {
  if (typeof isa !== 'string') throw typeError('ERR_QGEMM_ARG_TYPE', 'isa must be a string');
  if (!(ISAS as readonly string[]).includes(isa)) {
    throw rangeError('ERR_QGEMM_OPTION', `isa must be one of ${ISAS.join(', ')}, got ${isa}`);
  }
  native().setMaxIsa(isa);
}
