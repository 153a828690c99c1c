/** The console report: the same sections as the Markdown one, as aligned text. */
import type { BenchRun } from '../results';
import { textTable } from './format';
import { machineLines } from './markdown';
import { allSections, skippedLines } from './sections';

export function renderConsole(run: BenchRun): string {
  const parts = [...machineLines(run).map((l) => l.replace(/^- /, '')), ''];
  for (const s of allSections(run)) {
    parts.push(s.title, ...(s.notes ?? []), textTable(s.header, s.rows), '');
  }
  const skipped = skippedLines(run);
  if (skipped.length) parts.push('Skipped:', ...skipped.map((l) => `  ${l}`), '');
  return parts.join('\n');
}
