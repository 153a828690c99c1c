/** Everything about the machine and software a result needs to be read later. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { info, Info } from '../lib';
import { ortVersion } from './contenders/ort';

export interface MachineInfo {
  date: string;
  qgemm: Info;
  cpuModel: string;
  cpus: number;
  cpuFlags: string[];
  /** The GEMM-relevant subset of the flags, for headlines. */
  gemmFlags: string[];
  hypervisor: boolean;
  memoryGiB: number;
  os: string;
  node: string;
  v8: string;
  onnxruntime: string | null;
  onednn: string | null;
  /** The 1-minute load average when the run started: other work makes numbers noisy. */
  loadAverage: number;
}

const GEMM_FLAGS = ['sse4_1', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16'];

export function cpuFlags(): string[] {
  try {
    const m = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim().split(/\s+/) : [];
  } catch {
    return [];
  }
}

export function machineInfo(): MachineInfo {
  const flags = cpuFlags();
  const q = info();
  return {
    date: new Date().toISOString(),
    qgemm: q,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.availableParallelism(),
    cpuFlags: flags,
    gemmFlags: GEMM_FLAGS.filter((f) => flags.includes(f)),
    hypervisor: flags.includes('hypervisor'),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    onnxruntime: ortVersion(),
    onednn: q.backends.onednnVersion,
    loadAverage: os.loadavg()[0],
  };
}
