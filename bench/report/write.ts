/** Writes a run's files: <stem>.json (every sample), <stem>.md and <stem>.svg. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchRun } from '../results';
import { renderChart } from './chart';
import { renderMarkdown } from './markdown';

export interface Written {
  json: string;
  markdown: string;
  svg: string;
}

export async function writeReports(run: BenchRun, dir: string, stem = 'latest'): Promise<Written> {
  fs.mkdirSync(dir, { recursive: true });
  const written = { json: path.join(dir, `${stem}.json`), markdown: path.join(dir, `${stem}.md`), svg: path.join(dir, `${stem}.svg`) };
  fs.writeFileSync(written.json, JSON.stringify(run, null, 1) + '\n');
  fs.writeFileSync(written.markdown, renderMarkdown(run));
  fs.writeFileSync(written.svg, renderChart(run));
  return written;
}
