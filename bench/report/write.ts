/** Writes a run's files: <stem>.json (every sample), <stem>.md and <stem>.svg. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchRun } from '../results';
import { renderChart } from './chart';
import { renderMarkdown } from './markdown';

export interface Written {
  json: string;
  markdown: string;
  /** Undefined when vega/vega-lite are not installed (they are devDependencies). */
  svg?: string;
  chartError?: string;
}

export async function writeReports(run: BenchRun, dir: string, stem = 'latest'): Promise<Written> {
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${stem}.json`);
  const markdown = path.join(dir, `${stem}.md`);
  fs.writeFileSync(json, JSON.stringify(run, null, 1) + '\n');
  fs.writeFileSync(markdown, renderMarkdown(run));
  try {
    const svg = path.join(dir, `${stem}.svg`);
    fs.writeFileSync(svg, await renderChart(run));
    return { json, markdown, svg };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return { json, markdown, chartError: 'vega and vega-lite are not installed: no chart' };
  }
}
