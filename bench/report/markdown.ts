/** The Markdown report (bench/results/latest.md): machine, then every section. */
import type { BenchRun } from '../results';
import { markdownTable } from './format';
import { allSections, skippedLines } from './sections';

export function machineLines(run: BenchRun): string[] {
  const m = run.machine;
  const q = m.qgemm;
  return [
    `- Date: ${m.date} (${run.kind} run, ${run.durationS.toFixed(0)} s; tinybench ${run.budget.timeMs} ms per task, at least ${run.budget.minSamples} samples)`,
    `- CPU: ${m.cpuModel}, ${m.cpus} CPUs${m.hypervisor ? ' (VM)' : ''}, ${m.memoryGiB} GiB; GEMM flags: ${m.gemmFlags.join(' ') || 'none'}`,
    `- qgemm ${q.version}: ISA ${q.isa} (best ${q.bestIsa}), kernels int8 ${q.kernels.int8} / f32 ${q.kernels.float32}; oneDNN ${m.onednn ?? 'not built'}${m.onednn ? ` (int8 exact here: ${q.backends.onednnInt8Exact ? 'yes' : 'no'})` : ''}`,
    `- ${m.os}, Node ${m.node} (V8 ${m.v8}), onnxruntime-node ${m.onnxruntime ?? 'not installed'}`,
    `- Load average (1 min) at start ${m.loadAverage.toFixed(2)}, at end ${run.loadAverageEnd.toFixed(2)}${m.loadAverage > 0.5 || run.loadAverageEnd > 0.5 ? ': other work was running, numbers are noisy' : ''}`,
  ];
}

export function renderMarkdown(run: BenchRun): string {
  const parts = [`# qgemm bench (${run.machine.date.slice(0, 10)})`, '', ...machineLines(run), ''];
  for (const s of allSections(run)) {
    parts.push(`## ${s.title}`, '');
    if (s.notes?.length) parts.push(...s.notes, '');
    parts.push(markdownTable(s.header, s.rows), '');
  }
  const skipped = skippedLines(run);
  if (skipped.length) parts.push('## Skipped', '', ...skipped.map((l) => `- ${l}`), '');
  return parts.join('\n');
}
