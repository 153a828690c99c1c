/**
 * Time per training step of the demo's two trained configurations, fp32
 * (float32 tables, Linear MLPs) and int8 (rowwise8 tables, Int8Linear MLPs),
 * stepped alternately on the same batches in one process, so that a noisy
 * machine slows both alike: medians of ms per step, per phase and whole.
 *   node --import tsx examples/recsys/step_time.ts [--steps N] [--batch B] [--threads N]
 */
import { embeddingTable, quantizeTable, Rng, setNumThreads } from '../../lib';
import { buildMlps, buildOptimizers, Dlrm, type MlpKind } from './dlrm';
import { DENSE, makeClickLog, SIZES } from './synthetic';

function parseArgs(argv: string[]) {
  const args = { steps: 600, batch: 256, threads: undefined as number | undefined };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = Number(inline ?? argv[++i]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${key} needs a positive integer`);
    if (key === '--steps') args.steps = value;
    else if (key === '--batch') args.batch = value;
    else if (key === '--threads') args.threads = value;
    else throw new Error(`unknown argument ${argv[i]} (--steps N, --batch B, --threads N)`);
  }
  return args;
}

const PHASES = ['forward', 'backward', 'optimizers', 'step'] as const;

function build(kind: MlpKind) {
  const size = SIZES.default, rng = new Rng(1);
  const tables = size.tableRows.map((rows) => {
    const t = embeddingTable('float32', rows, size.dim, new Float32Array(rows * size.dim).map(() => rng.uniform(-0.05, 0.05)));
    return kind === 'int8' ? quantizeTable(t, 'rowwise8') : t;
  });
  const { bottom, top } = buildMlps(size, kind, rng);
  const m = new Dlrm(tables, bottom, top);
  return { kind, m, opt: buildOptimizers(m, 1), times: Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.threads !== undefined) setNumThreads(args.threads);
  const B = args.batch, warmup = Math.min(100, args.steps);
  const models = [build('fp32'), build('int8')];
  const log = makeClickLog(SIZES.default, 100_000, 1, 1);
  const dLogits = new Float32Array(B);
  for (let step = 0, s = 0; step < warmup + args.steps; step++, s = s + 2 * B > log.n ? 0 : s + B) {
    const dense = log.dense.slice(s * DENSE, (s + B) * DENSE);
    const ids = log.sparse.map((c) => c.slice(s, s + B));
    for (const x of models) {
      const t0 = performance.now();
      const logits = x.m.forward(dense, ids, true);
      const t1 = performance.now();
      for (let i = 0; i < B; i++) dLogits[i] = (1 / (1 + Math.exp(-logits[i])) - log.labels[s + i]) / B;
      const grads = x.m.backward(dLogits);
      const t2 = performance.now();
      x.opt.step(grads);
      const t3 = performance.now();
      if (step < warmup) continue;
      x.times.forward.push(t1 - t0);
      x.times.backward.push(t2 - t1);
      x.times.optimizers.push(t3 - t2);
      x.times.step.push(t3 - t0);
    }
  }
  const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];
  console.log(`DLRM demo model (--size default), batch ${B}, ${args.steps} steps each, medians in ms\n`);
  console.log('| phase | fp32 | int8 | fp32 / int8 |');
  console.log('|---|---:|---:|---:|');
  for (const p of PHASES) {
    const [a, b] = models.map((x) => median(x.times[p]));
    console.log(`| ${p} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)}x |`);
  }
}

main();
