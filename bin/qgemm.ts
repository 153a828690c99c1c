#!/usr/bin/env node
/**
 * The qgemm command line: `qgemm info`, `qgemm bench` and `qgemm quantize`. Runs from source
 * (node --import tsx bin/qgemm.ts) and compiled (dist/bin/qgemm.js).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderConsole } from '../bench/report/console';
import { writeReports } from '../bench/report/write';
import { runBench } from '../bench/run';
import type { BenchRun } from '../bench/results';
import { BenchArgs, parseArgs, ReportArgs, USAGE, UsageError } from './args';
import { terminalSafe } from './terminal';
import { infoReport, infoText } from './info_text';
import { QUANTIZE_USAGE, quantizeCommand } from './quantize';

/** bench/results in a source checkout; ./qgemm-bench-results elsewhere (an installed package). */
function defaultOutDir(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const bench = path.join(dir, 'bench');
      if (fs.existsSync(path.join(bench, 'run.ts'))) return path.join(bench, 'results');
      break;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.resolve('qgemm-bench-results');
}

async function bench(args: BenchArgs): Promise<void> {
  const run = await runBench({ shapes: args.shapes, threads: args.threads, quick: args.quick });
  const written = await writeReports(run, args.out ?? defaultOutDir(), run.kind === 'full' ? 'latest' : run.kind);
  if (args.json) process.stdout.write(JSON.stringify(run) + '\n');
  else process.stdout.write(renderConsole(run) + '\n');
  process.stderr.write(`wrote ${[written.json, written.markdown, written.svg].join(', ')}\n`);
}

/** Re-renders a saved run: report code changes need no new (long) bench run. */
async function report(args: ReportArgs): Promise<void> {
  const run = JSON.parse(fs.readFileSync(args.file, 'utf8')) as BenchRun;
  const stem = path.basename(args.file, '.json');
  const written = await writeReports(run, args.out ?? path.dirname(args.file), stem);
  process.stderr.write(`wrote ${[written.json, written.markdown, written.svg].join(', ')}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === 'quantize') return quantizeCommand(argv.slice(1));
  let args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`qgemm: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (args.command === 'help') process.stdout.write(`${USAGE}\n${QUANTIZE_USAGE}\n`);
  else if (args.command === 'info') process.stdout.write((args.json ? JSON.stringify(infoReport(), null, 2) : infoText()) + '\n');
  else if (args.command === 'report') await report(args);
  else await bench(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`qgemm: ${terminalSafe(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.exitCode = 1;
  },
);
