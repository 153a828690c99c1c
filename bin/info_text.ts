/** `qgemm info`: what qgemm found on this machine, for people (or JSON). */
import { info } from '../lib';
import { loadOrt, ortVersion } from '../bench/contenders/ort';
import { machineInfo } from '../bench/machine';

export function infoReport() {
  const m = machineInfo();
  return {
    ...m.qgemm,
    machine: { cpuModel: m.cpuModel, cpus: m.cpus, gemmFlags: m.gemmFlags, hypervisor: m.hypervisor, os: m.os, node: m.node },
    peers: { onnxruntime: loadOrt() !== null ? ortVersion() : null },
  };
}

export function infoText(): string {
  const q = info();
  const m = machineInfo();
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    `qgemm ${q.version}`,
    `cpu        ${m.cpuModel}, ${m.cpus} CPUs${m.hypervisor ? ' (VM)' : ''}`,
    `features   avx2 ${yes(q.cpu.avx2)}, avx_vnni ${yes(q.cpu.avx_vnni)}, avx512_vnni ${yes(q.cpu.avx512_vnni)}, ` +
      `amx_int8 ${yes(q.cpu.amx_int8)} (tile permission ${yes(q.cpu.amx_permitted)})`,
    `isa        ${q.isa} (best ${q.bestIsa}, cap ${q.isaCap})`,
    `kernels    int8 ${q.kernels.int8}, float32 ${q.kernels.float32}`,
    `backends   builtin; oneDNN ${q.backends.onednn ? `${q.backends.onednnVersion} (int8 exact here: ${yes(q.backends.onednnInt8Exact)})` : 'not built in'}`,
    `threads    ${q.threads} (of ${q.availableCpus} available CPUs)`,
  ].join('\n');
}
