/**
 * The chart: GOPS by shape and contender, one row of panels per thread
 * count, as SVG. Vega-Lite compiled to Vega and rendered headless
 * (renderer 'none' + toSVG: no canvas, no browser).
 */
import { importEsm } from '../esm';
import type { BenchRun } from '../results';
import { shapeName } from '../shapes';

// Just the calls used here: vega-lite's own types need moduleResolution node16+.
interface VegaLite {
  compile(spec: object): { spec: object };
}
interface Vega {
  parse(spec: object): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => { toSVG(): Promise<string>; finalize(): void };
}

export function chartSpec(run: BenchRun): object {
  const values = run.gemm
    .filter((r) => r.gops !== undefined)
    .map((r) => ({
      shape: shapeName(r.shape),
      contender: r.note ? `${r.label} (${r.note})` : r.label,
      threads: `${r.threads} thread${r.threads > 1 ? 's' : ''}`,
      gops: r.gops,
    }));
  const shapes = [...new Set(values.map((v) => v.shape))];
  const contenders = [...new Set(values.map((v) => v.contender))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `qgemm bench ${run.machine.date.slice(0, 10)}: GOPS (median) by shape, ${run.machine.cpuModel}, ${run.machine.cpus} CPUs`,
    data: { values },
    mark: 'bar',
    encoding: {
      row: { field: 'threads', type: 'nominal', title: null },
      column: { field: 'shape', type: 'ordinal', sort: shapes, title: 'M x N x K' },
      x: { field: 'contender', type: 'nominal', sort: contenders, axis: null },
      // stack: null, or stacking starts each bar at 0, which a log scale cannot place.
      y: { field: 'gops', type: 'quantitative', stack: null, scale: { type: 'log' }, title: 'GOPS (log scale)' },
      color: { field: 'contender', type: 'nominal', sort: contenders, legend: { orient: 'bottom', columns: 3, title: null } },
      tooltip: [{ field: 'contender' }, { field: 'shape' }, { field: 'gops', format: '.1f' }],
    },
    width: Math.max(60, contenders.length * 9),
    height: 180,
    config: { background: 'white' },
  };
}

export async function renderChart(run: BenchRun): Promise<string> {
  const vl = await importEsm<VegaLite>('vega-lite');
  const vega = await importEsm<Vega>('vega');
  const compiled = vl.compile(chartSpec(run)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
