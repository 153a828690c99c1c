/** Command-line parsing for `qgemm`: small and strict, with a usage line per mistake. */
import { parseShapes, Shape } from '../bench/shapes';

export const USAGE = `usage:
  qgemm info [--json]
      CPU features, the kernels in use, backends, threads
  qgemm bench [--shapes M:N:K,...] [--threads n|1,2] [--quick] [--json] [--out DIR]
      GOPS of qgemm and its peers (oneDNN, onnxruntime-node, plain JS) per shape and thread count;
      writes DIR/<latest|quick|custom>.{json,md,svg} (results, tables, chart); --json prints the JSON
      instead of the tables. Default DIR: ./qgemm-bench-results in the current folder (bench/results
      when run from a qgemm source checkout)
  qgemm report FILE.json [--out DIR]
      rewrites the Markdown and SVG of a saved run (default DIR: the JSON's folder)`;

export interface BenchArgs {
  command: 'bench';
  shapes?: Shape[];
  threads?: number[];
  quick: boolean;
  json: boolean;
  out?: string;
}

export interface ReportArgs {
  command: 'report';
  file: string;
  out?: string;
}

export type Args = { command: 'info'; json: boolean } | BenchArgs | ReportArgs | { command: 'help' };

export class UsageError extends Error {}

function parseThreads(text: string): number[] {
  const list = text.split(',').map((t) => Number(t.trim()));
  if (list.length === 0 || list.some((t) => !Number.isInteger(t) || t < 1 || t > 256)) {
    throw new UsageError(`bad --threads "${text}": expected n or a list such as 1,2 (integers in 1..256)`);
  }
  return [...new Set(list)];
}

function parseReport(rest: readonly string[]): ReportArgs {
  const [file, ...more] = rest;
  if (file === undefined || file.startsWith('-')) throw new UsageError('report needs a results JSON file');
  if (more.length === 0) return { command: 'report', file };
  const out = more[0] === '--out' ? more[1] : more[0].startsWith('--out=') ? more[0].slice(6) : undefined;
  if (out === undefined || more.length > (more[0] === '--out' ? 2 : 1)) throw new UsageError(`unknown options for report: ${more.join(' ')}`);
  return { command: 'report', file, out };
}

export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'report') return parseReport(rest);
  if (command !== 'info' && command !== 'bench') throw new UsageError(`unknown command "${command}"`);
  const args: BenchArgs = { command: 'bench', quick: false, json: false };
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = rest[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--json') args.json = true;
    else if (flag === '--help' || flag === '-h') return { command: 'help' };
    else if (command === 'bench' && flag === '--quick') args.quick = true;
    else if (command === 'bench' && flag === '--out') args.out = value();
    else if (command === 'bench' && flag === '--threads') args.threads = parseThreads(value());
    else if (command === 'bench' && flag === '--shapes') {
      try {
        args.shapes = parseShapes(value());
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    } else throw new UsageError(`unknown option "${rest[i]}" for ${command}`);
  }
  return command === 'info' ? { command: 'info', json: args.json } : args;
}
