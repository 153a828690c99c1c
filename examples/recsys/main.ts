/**
 * A DLRM-style recommendation model on a SYNTHETIC click log (synthetic.ts:
 * Zipf-distributed ids, clicks from a hidden teacher), three ways, one table:
 *   fp32    float32 tables + fp32 MLPs, trained
 *   int8    8-bit row-wise tables (sparse row-wise Adagrad, stochastic
 *           rounding) + int8 MLPs (Int8Linear), trained
 *   serve4  the fp32 model's tables as 4-bit row-wise, fp32 MLPs: serving only
 *   node --import tsx examples/recsys/main.ts [--seed N] [--size default|large|smoke] [--threads N] [--save DIR]
 * Each configuration runs in its own process (worker.ts) so that its peak
 * RSS is its own. --size large holds 10.2M table rows (dim 32). --save DIR keeps
 * the served model (4-bit tables, fp32 MLPs) for examples/server (QGEMM_RECSYS_MODEL=DIR).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { SIZES, type SizeConfig } from './synthetic';
import type { ConfigName, WorkerResult } from './worker';

function parseArgs(argv: string[]) {
  const args = { seed: 1, size: 'default' as SizeConfig['name'], threads: undefined as number | undefined, save: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    if (key === '--seed') args.seed = Number(value());
    else if (key === '--size') args.size = value() as SizeConfig['name'];
    else if (key === '--threads') args.threads = Number(value());
    else if (key === '--save') args.save = value();
    else throw new Error(`unknown argument ${argv[i]} (--seed N, --size default|large|smoke, --threads N, --save DIR)`);
  }
  if (!(args.size in SIZES)) throw new Error('--size must be default, large or smoke');
  if (!Number.isInteger(args.seed) || args.seed < 0) throw new Error('--seed must be a non-negative integer');
  return args;
}

function run(config: ConfigName, size: string, seed: number, dir: string, threads?: number): WorkerResult {
  process.stderr.write(`${config}:\n`);
  const extra = threads !== undefined ? [String(threads)] : [];
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'worker.ts'), config, size, String(seed), dir, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`${config} failed (exit ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as WorkerResult;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const size = SIZES[args.size];
  const rows = size.tableRows.reduce((a, b) => a + b, 0);
  process.stderr.write(`synthetic click log: ${size.trainSamples} train / ${size.testSamples} test samples, ${size.tableRows.length} tables, ${rows} rows of dim ${size.dim}, seed ${args.seed}\n`);
  const dir = args.save ?? fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-recsys-'));
  try {
    const results = (['fp32', 'int8', 'serve4'] as ConfigName[]).map((c) => run(c, args.size, args.seed, dir, args.threads));
    const fp32 = results[0];
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(`\nDLRM-style model, synthetic click log (--size ${args.size}, ${rows} table rows, dim ${size.dim}, seed ${args.seed}; the hidden teacher's own AUC: ${fp32.teacherAuc.toFixed(4)})\n`);
    console.log('| configuration | tables | MLPs | AUC | log loss | train samples/s | serve samples/s | table MiB | peak RSS MiB |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const r of results) {
      const vs = r === fp32 ? '' : ` (${r.auc - fp32.auc >= 0 ? '+' : ''}${(r.auc - fp32.auc).toFixed(4)})`;
      const train = r.trainSamplesPerSec === undefined ? '-' : `${Math.round(r.trainSamplesPerSec)}${r === fp32 ? '' : ` (${(r.trainSamplesPerSec / fp32.trainSamplesPerSec!).toFixed(2)}x)`}`;
      const ratio = r === fp32 ? '' : ` (${(fp32.tableBytes / r.tableBytes).toFixed(2)}x smaller)`;
      console.log(`| ${r.config} | ${r.tables} | ${r.mlps} | ${r.auc.toFixed(4)}${vs} | ${r.logLoss.toFixed(4)} | ${train} | ${Math.round(r.serveSamplesPerSec)} | ${mib(r.tableBytes)}${ratio} | ${mib(r.peakRss)} |`);
    }
  } finally {
    if (args.save === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
