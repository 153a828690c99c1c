/** Turns a run's results into titled tables: the content of both the console and the Markdown report. */
import type { BenchRun, GemmResult } from '../results';
import { Shape, shapeName } from '../shapes';
import { fmt, pct, ratio, Section } from './format';

/** A median this far from its samples' median absolute deviation is marked noisy. */
export const NOISY_REL_MAD = 0.05;

function sameShape(a: Shape, b: Shape): boolean {
  return a.m === b.m && a.n === b.n && a.k === b.k;
}

function uniqueShapes(results: readonly GemmResult[]): Shape[] {
  const out: Shape[] = [];
  for (const r of results) if (!out.some((s) => sameShape(s, r.shape))) out.push(r.shape);
  return out;
}

function contenderIds(results: readonly GemmResult[]): GemmResult[] {
  const seen = new Map<string, GemmResult>();
  for (const r of results) if (!seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()];
}

function find(results: readonly GemmResult[], id: string, shape: Shape, threads: number): GemmResult | undefined {
  return results.find((r) => r.id === id && r.threads === threads && sameShape(r.shape, shape));
}

function noisy(r: GemmResult): boolean {
  return (r.timing?.relMad ?? 0) > NOISY_REL_MAD;
}

/** The id of the builtin contender the headlines are about: best ISA, u8s8, packed B. */
export function headlineId(run: BenchRun): string {
  return `builtin-${run.machine.qgemm.isa}-u8s8-packed`;
}

export function throughputSections(run: BenchRun): Section[] {
  const shapes = uniqueShapes(run.gemm);
  return run.threads.map((threads) => ({
    title: `GEMM throughput, ${threads} thread${threads > 1 ? 's' : ''}: GOPS from the median time (% of the measured instruction limit)`,
    notes: [
      `~ marks a noisy median (median absolute deviation over ${100 * NOISY_REL_MAD}% of the median).`,
      'The limit is the probe of the kernel that ran (peers: of the best kernel of their precision), measured in this run.',
    ],
    header: ['contender', ...shapes.map(shapeName)],
    rows: contenderIds(run.gemm).map((c) => [
      c.note ? `${c.label} (${c.note})` : c.label,
      ...shapes.map((s) => {
        const r = find(run.gemm, c.id, s, threads);
        if (r === undefined || r.gops === undefined) return '—';
        return `${noisy(r) ? '~' : ''}${fmt(r.gops)} (${pct(r.limitFraction)})`;
      }),
    ]),
  }));
}

/** Peers the headline contender is divided by. */
const PEERS: { id: string; label: string }[] = [
  { id: 'onednn-u8s8', label: 'oneDNN u8s8' },
  { id: 'ort-u8s8', label: 'ORT u8s8' },
  { id: 'ort-s8s8', label: 'ORT s8s8' },
  { id: 'onednn-f32', label: 'oneDNN f32' },
  { id: 'ort-f32', label: 'ORT f32' },
];

export interface Headline {
  shape: Shape;
  threads: number;
  gops: number | undefined;
  ratios: Record<string, number | undefined>;
}

export function headlines(run: BenchRun): Headline[] {
  const id = headlineId(run);
  const fp32Id = id.replace('u8s8', 'f32');
  const out: Headline[] = [];
  for (const threads of run.threads) {
    for (const shape of uniqueShapes(run.gemm)) {
      const mine = find(run.gemm, id, shape, threads)?.gops;
      const ratios: Record<string, number | undefined> = {};
      for (const p of [...PEERS, { id: fp32Id, label: 'qgemm f32' }]) {
        const theirs = find(run.gemm, p.id, shape, threads)?.gops;
        ratios[p.id] = mine !== undefined && theirs !== undefined ? mine / theirs : undefined;
      }
      out.push({ shape, threads, gops: mine, ratios });
    }
  }
  return out;
}

export function headlineSection(run: BenchRun): Section {
  const id = headlineId(run);
  const fp32Id = id.replace('u8s8', 'f32');
  const peers = [...PEERS, { id: fp32Id, label: 'qgemm f32' }].map((p) => {
    const note = run.gemm.find((r) => r.id === p.id)?.note; // e.g. "inexact here"
    return note ? { ...p, label: `${p.label} (${note})` } : p;
  });
  return {
    title: `Headline ratios: qgemm ${run.machine.qgemm.isa} u8s8 (packed B) over each peer (ratio of median GOPS; >1 = qgemm faster)`,
    header: ['shape', 'threads', 'qgemm GOPS', ...peers.map((p) => `vs ${p.label}`)],
    rows: headlines(run).map((h) => [shapeName(h.shape), String(h.threads), fmt(h.gops), ...peers.map((p) => ratio(h.ratios[p.id]))]),
  };
}

export function correctnessSection(run: BenchRun): Section {
  const checked = run.gemm.filter((r) => r.mismatches !== undefined && r.id !== r.mismatches.reference);
  const builtinBad = checked.filter((r) => r.family === 'builtin' && r.mismatches!.count > 0);
  const shapes = uniqueShapes(run.gemm);
  const peers = contenderIds(checked).filter((c) => c.family !== 'builtin' || builtinBad.some((r) => r.id === c.id));
  return {
    title: 'Correctness on the bench data (full-range int8): share of output elements that differ from qgemm builtin (same precision), max |difference|',
    notes: [
      builtinBad.length === 0
        ? 'Every other builtin ISA and the unpacked variant matched the reference exactly, at every thread count.'
        : `BUILTIN MISMATCHES: ${builtinBad.map((r) => `${r.label} ${shapeName(r.shape)} t${r.threads}`).join(', ')}`,
      'Each cell is the worst over the thread counts.',
    ],
    header: ['contender', ...shapes.map(shapeName)],
    rows: peers.map((c) => [
      c.label,
      ...shapes.map((s) => {
        const rows = checked.filter((r) => r.id === c.id && sameShape(r.shape, s));
        if (rows.length === 0) return '—';
        const worst = rows.reduce((w, r) => (r.mismatches!.count > w.mismatches!.count ? r : w));
        const m = worst.mismatches!;
        return m.count === 0 ? 'exact' : `${pct(m.count / m.total)} (max ${m.maxAbsDiff})`;
      }),
    ]),
  };
}

export function overheadSection(run: BenchRun): Section {
  const shapes = uniqueShapes(run.overhead);
  return {
    title: 'Per-call overhead: median time per call (us), 1 thread',
    header: ['contender', ...shapes.map(shapeName)],
    rows: contenderIds(run.overhead).map((c) => [
      c.label,
      ...shapes.map((s) => {
        const r = find(run.overhead, c.id, s, 1);
        return r?.timing ? `${noisy(r) ? '~' : ''}${fmt(r.timing.medianMs * 1000)}` : '—';
      }),
    ]),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function packingSection(run: BenchRun): Section {
  return {
    title: `packWeights: median ms per pack (${Math.max(...run.threads)} threads available)`,
    header: ['B [K, N]', 'dtype', 'kernel', 'median ms', 'GB/s of B'],
    rows: run.packing.map((p) => {
      const bytes = p.k * p.n * (p.dtype === 'int8' ? 1 : 4);
      return [`${p.k}x${p.n}`, p.dtype, p.kernel, fmt(p.timing.medianMs), fmt(bytes / (p.timing.medianMs * 1e6))];
    }),
  };
}

export function firstCallSection(run: BenchRun): Section {
  const fc = run.firstCall[0];
  return {
    title: `First call at a never-seen M (N = K = ${fc?.n ?? '?'}, M in ${fc?.m.join(', ') ?? '?'}; ${Math.max(...run.threads)} threads): medians over the M values`,
    header: ['contender', 'first call ms', 'warm call ms (best of 3 after)', 'first-call cost ms'],
    rows: run.firstCall.map((r) => {
      const first = median(r.firstMs);
      const second = median(r.secondMs);
      return [r.label, fmt(first), fmt(second), fmt(median(r.firstMs.map((f, i) => f - r.secondMs[i])))];
    }),
  };
}

export function skippedLines(run: BenchRun): string[] {
  const reasons = new Map<string, string[]>();
  for (const r of run.gemm) {
    if (r.skipped === undefined) continue;
    const key = `${r.label}: ${r.skipped}`;
    reasons.set(key, [...(reasons.get(key) ?? []), `${shapeName(r.shape)} t${r.threads}`]);
  }
  return [...reasons.entries()].map(([k, v]) => `${k} (${v.join(', ')})`);
}

export function limitsSection(run: BenchRun): Section {
  const l = run.limits;
  return {
    title: 'Measured limits: GOPS of loops of nothing but each kernel instruction (best of 5), read bandwidth (GB/s)',
    notes: ['Probes run on plain threads at normal priority, all threads at once; read bandwidth over as many bytes as the small-M weights.'],
    header: ['probe', 'instruction', ...run.threads.map((t) => `${t} thread${t > 1 ? 's' : ''}`)],
    rows: [
      ...Object.entries(l.probes).map(([name, byT]) => [name, l.instructions[name] ?? '', ...run.threads.map((t) => fmt(byT[String(t)]))]),
      ...Object.entries(l.readGBps).map(([mb, byT]) => [`read ${mb} MiB`, 'GB/s', ...run.threads.map((t) => fmt(byT[String(t)]))]),
    ],
  };
}

export function bandwidthSection(run: BenchRun): Section {
  const small = run.gemm.filter((r) => r.weightGBps !== undefined);
  const shapes = uniqueShapes(small);
  return {
    title: 'Small M: weight bytes streamed per second, GB/s (% of the read bandwidth measured over as many bytes)',
    header: ['contender', ...run.threads.flatMap((t) => shapes.map((s) => `${shapeName(s)} t${t}`))],
    rows: contenderIds(small).map((c) => [
      c.label,
      ...run.threads.flatMap((t) =>
        shapes.map((s) => {
          const r = find(small, c.id, s, t);
          return r?.weightGBps === undefined ? '—' : `${fmt(r.weightGBps)} (${pct(r.bandwidthFraction)})`;
        }),
      ),
    ]),
  };
}

export function allSections(run: BenchRun): Section[] {
  return [
    limitsSection(run),
    ...throughputSections(run),
    bandwidthSection(run),
    headlineSection(run),
    correctnessSection(run),
    overheadSection(run),
    packingSection(run),
    firstCallSection(run),
  ];
}
