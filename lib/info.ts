/** What qgemm found on this machine, and the knobs that change dispatch. */
import { rangeError, typeError } from './errors';
import { native, packageRoot } from './native';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Isa = 'scalar' | 'avx2' | 'avx_vnni' | 'avx512_vnni' | 'amx';
export const ISAS: readonly Isa[] = ['scalar', 'avx2', 'avx_vnni', 'avx512_vnni', 'amx'];

export interface Info {
  version: string;
  cpu: { avx2: boolean; avx512_vnni: boolean; avx_vnni: boolean; amx_int8: boolean; amx_permitted: boolean };
  /** The best ISA the CPU and OS support. */
  bestIsa: Isa;
  /** The cap set by QGEMM_MAX_ISA or setMaxIsa() ('amx' = no cap). */
  isaCap: Isa;
  /** The ISA the built-in kernels dispatch to: min(bestIsa, isaCap). */
  isa: Isa;
  /** The kernels in use for int8 and float32 GEMMs. */
  kernels: { int8: string; float32: string };
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
    bestIsa: n.bestIsa as Isa,
    isaCap: n.isaCap as Isa,
    isa: n.isa as Isa,
    kernels: { int8: n.int8Kernel, float32: n.f32Kernel },
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
