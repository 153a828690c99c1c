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
    `features   ${Object.entries(q.cpu).filter(([, v]) => v).map(([k]) => k).join(' ') || 'none'}` +
      (q.cpu.amx_int8 && !q.cpu.amx_permitted ? ' (AMX tile permission refused)' : ''),
    `isa        ${q.isa} (this CPU: ${q.isas.join(', ')}; cap ${q.isaCap})`,
    `kernels    int8 ${q.kernels.int8}, float32 ${q.kernels.float32} (int8, few rows of unpacked B: ${q.kernels.int8Direct})`,
    ...q.kernelList.map((k) =>
      `  ${k.runnable ? '+' : '-'} ${k.kind.padEnd(11)} ${k.name.padEnd(13)} needs ${k.requires}` +
        (k.runnable ? '' : ` -- ${k.reason}`)),
    `backends   builtin; oneDNN ${q.backends.onednn ? `${q.backends.onednnVersion} (int8 exact here: ${yes(q.backends.onednnInt8Exact)})` : 'not built in'}`,
    `threads    ${q.threads} (of ${q.availableCpus} available CPUs)`,
  ].join('\n');
}
