/**
 * The chart: GOPS by shape and contender as grouped bars on a log scale, one
 * panel per thread count, written as plain SVG. A small writer of our own, so
 * that `qgemm bench` draws it in an installed package with nothing else to
 * install (a charting library would be a dependency of every user).
 */
import type { BenchRun } from '../results';
import { shapeName } from '../shapes';

// Tableau 20: distinct on screen and in print, enough for every contender of a full run.
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#a0cbe8', '#ffbe7d', '#ff9d9a', '#86bcb6', '#8cd17d', '#f1ce63', '#d4a6c8', '#fabfd2', '#d7b5a6', '#79706e',
];
const BAR = 9;
const GROUP_GAP = 14;
const PANEL_HEIGHT = 180;
const PANEL_GAP = 64; // room for the rotated shape names
const LEFT = 70;
const TOP = 48;
const LEGEND_ROW = 16;

interface Bar {
  shape: string;
  contender: string;
  threads: number;
  gops: number;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The bars to draw: every contender that ran, per shape and thread count. */
export function chartBars(run: BenchRun): Bar[] {
  return run.gemm
    .filter((r) => r.gops !== undefined && r.gops > 0)
    .map((r) => ({ shape: shapeName(r.shape), contender: r.note ? `${r.label} (${r.note})` : r.label, threads: r.threads, gops: r.gops! }));
}

/** Powers of ten spanning [lo, hi], with 2 and 5 between when there are few of them. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    const p = 10 ** Math.round(e);
    ticks.push(p);
    if (Math.log10(hi / lo) <= 2) ticks.push(2 * p, 5 * p);
  }
  return ticks.filter((t) => t >= lo && t <= hi).sort((a, b) => a - b);
}

export function renderChart(run: BenchRun): string {
  const bars = chartBars(run);
  const shapes = [...new Set(bars.map((b) => b.shape))];
  const contenders = [...new Set(bars.map((b) => b.contender))];
  const threads = [...new Set(bars.map((b) => b.threads))].sort((a, b) => a - b);
  const gops = bars.map((b) => b.gops);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...gops, 1)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...gops, 10)));
  const y = (v: number) => PANEL_HEIGHT * (1 - Math.log10(v / lo) / Math.log10(hi / lo));
  const groupWidth = contenders.length * BAR + GROUP_GAP;
  const plotWidth = Math.max(1, shapes.length) * groupWidth;
  const legendColumns = 3;
  const legendTop = TOP + threads.length * (PANEL_HEIGHT + PANEL_GAP);
  const width = LEFT + Math.max(plotWidth, 600) + 20;
  const height = legendTop + Math.ceil(contenders.length / legendColumns) * LEGEND_ROW + 16;
  const color = (c: string) => PALETTE[contenders.indexOf(c) % PALETTE.length];
  const fmt = (v: number) => String(+v.toPrecision(3));

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="13" font-weight="bold">${escapeXml(
      `qgemm bench ${run.machine.date.slice(0, 10)}: GOPS (median, log scale) by shape, ${run.machine.cpuModel}, ${run.machine.cpus} CPUs`,
    )}</text>`,
  ];
  threads.forEach((t, p) => {
    const top = TOP + p * (PANEL_HEIGHT + PANEL_GAP);
    out.push(`<g transform="translate(${LEFT},${top})">`);
    out.push(`<text x="${plotWidth / 2}" y="-6" text-anchor="middle" font-weight="bold">${t} thread${t > 1 ? 's' : ''}</text>`);
    for (const tick of logTicks(lo, hi)) {
      const ty = y(tick).toFixed(1);
      out.push(`<line x1="0" x2="${plotWidth}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`);
      out.push(`<text x="-6" y="${ty}" dy="0.32em" text-anchor="end">${fmt(tick)}</text>`);
    }
    out.push(`<text transform="translate(-48,${PANEL_HEIGHT / 2}) rotate(-90)" text-anchor="middle">GOPS</text>`);
    shapes.forEach((shape, g) => {
      const x0 = g * groupWidth + GROUP_GAP / 2;
      contenders.forEach((c, i) => {
        const bar = bars.find((b) => b.shape === shape && b.contender === c && b.threads === t);
        if (bar === undefined) return;
        const by = y(bar.gops);
        out.push(
          `<rect class="bar" x="${x0 + i * BAR}" y="${by.toFixed(1)}" width="${BAR - 1}" height="${(PANEL_HEIGHT - by).toFixed(1)}" fill="${color(c)}">` +
            `<title>${escapeXml(`${c}, ${shape}, ${t} thread${t > 1 ? 's' : ''}: ${bar.gops.toFixed(1)} GOPS`)}</title></rect>`,
        );
      });
      const cx = x0 + (contenders.length * BAR) / 2;
      out.push(`<text transform="translate(${cx},${PANEL_HEIGHT + 12}) rotate(-30)" text-anchor="end">${escapeXml(shape)}</text>`);
    });
    out.push(`<line x1="0" x2="${plotWidth}" y1="${PANEL_HEIGHT}" y2="${PANEL_HEIGHT}" stroke="#888"/>`, '</g>');
  });
  const columnWidth = Math.max(plotWidth, 600) / legendColumns;
  contenders.forEach((c, i) => {
    const lx = LEFT + (i % legendColumns) * columnWidth;
    const ly = legendTop + Math.floor(i / legendColumns) * LEGEND_ROW;
    out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${color(c)}"/><text x="${lx + 14}" y="${ly + 9}">${escapeXml(c)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
