/**
 * One configuration of the demo in its own process (so its peak RSS is its
 * own): builds or loads the model, trains it (fp32, int8), evaluates it on
 * the test log and prints one JSON line of results on stdout.
 *   node --import tsx examples/recsys/worker.ts fp32|int8|serve4 SIZE SEED MODEL_DIR [THREADS]
 * fp32 also saves its model with rowwise4 tables to MODEL_DIR for serve4.
 */
import {
  embeddingTable, quantizeTable, Rng, setNumThreads, tableBytes, tensor, type EmbeddingTable, type TableFormat,
} from '../../lib';
import { bce, auc, logLoss } from './metrics';
import { buildMlps, buildOptimizers, Dlrm, type MlpKind } from './dlrm';
import { loadModel, saveModel } from './model_file';
import { DENSE, makeClickLog, SIZES, type ClickLog, type SizeConfig } from './synthetic';

export type ConfigName = 'fp32' | 'int8' | 'serve4';

export interface WorkerResult {
  config: ConfigName;
  tables: TableFormat;
  mlps: MlpKind;
  auc: number;
  logLoss: number;
  /** The teacher's AUC on the same test log. */
  teacherAuc: number;
  trainSamplesPerSec?: number;
  serveSamplesPerSec: number;
  tableBytes: number;
  peakRss: number;
}

const BATCH = 256;
const SERVE_BATCH = 1024;
const INIT = 0.05;

// A table of uniform(-0.05, 0.05) rows, made chunk by chunk so a quantized
// table never exists as float32 in full (the peak RSS is the format's own).
function initTable(rows: number, dim: number, format: 'float32' | 'rowwise8', rng: Rng): EmbeddingTable {
  const chunk = 65536;
  if (format === 'float32') {
    const x = new Float32Array(rows * dim);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-INIT, INIT);
    return embeddingTable('float32', rows, dim, x);
  }
  const out = new Uint8Array(rows * (dim + 8));
  const x = new Float32Array(chunk * dim);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const n = Math.min(chunk, rows - r0);
    for (let i = 0; i < n * dim; i++) x[i] = rng.uniform(-INIT, INIT);
    out.set(quantizeTable(tensor(x.subarray(0, n * dim), [n, dim]), 'rowwise8').data, r0 * (dim + 8));
  }
  return embeddingTable('rowwise8', rows, dim, out);
}

function gather(log: ClickLog, order: Uint32Array, start: number, n: number) {
  const dense = new Float32Array(n * DENSE), labels = new Uint8Array(n);
  const ids = log.sparse.map(() => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    const s = order[start + i];
    dense.set(log.dense.subarray(s * DENSE, (s + 1) * DENSE), i * DENSE);
    labels[i] = log.labels[s];
    for (let t = 0; t < ids.length; t++) ids[t][i] = log.sparse[t][s];
  }
  return { dense, ids, labels };
}

function train(m: Dlrm, log: ClickLog, size: SizeConfig, seed: number): number {
  const opt = buildOptimizers(m, seed);
  const rng = new Rng(seed + 99);
  const order = Uint32Array.from({ length: log.n }, (_, i) => i);
  const dLogits = new Float32Array(BATCH);
  let seconds = 0, samples = 0;
  for (let epoch = 0; epoch < size.epochs; epoch++) {
    rng.shuffle(order);
    let loss = 0;
    for (let s = 0; s + BATCH <= log.n; s += BATCH) {
      const b = gather(log, order, s, BATCH);
      const t0 = process.hrtime.bigint();
      const logits = m.forward(b.dense, b.ids, true);
      for (let i = 0; i < BATCH; i++) {
        loss += bce(logits[i], b.labels[i]);
        dLogits[i] = (1 / (1 + Math.exp(-logits[i])) - b.labels[i]) / BATCH;
      }
      opt.step(m.backward(dLogits));
      seconds += Number(process.hrtime.bigint() - t0) / 1e9;
      samples += BATCH;
    }
    process.stderr.write(`  epoch ${epoch + 1}: train log loss ${(loss / Math.floor(log.n / BATCH) / BATCH).toFixed(4)}\n`);
  }
  return samples / seconds;
}

function evaluate(m: Dlrm, log: ClickLog): { auc: number; logLoss: number; samplesPerSec: number } {
  const order = Uint32Array.from({ length: log.n }, (_, i) => i);
  const logits = new Float32Array(log.n);
  let seconds = 0;
  for (let s = 0; s < log.n; s += SERVE_BATCH) {
    const b = gather(log, order, s, Math.min(SERVE_BATCH, log.n - s));
    const t0 = process.hrtime.bigint();
    logits.set(m.forward(b.dense, b.ids, false), s);
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { auc: auc(logits, log.labels), logLoss: logLoss(logits, log.labels), samplesPerSec: log.n / seconds };
}

function main(): void {
  const [config, sizeName, seedText, modelDir, threads] = process.argv.slice(2) as [ConfigName, SizeConfig['name'], string, string, string?];
  const size = SIZES[sizeName], seed = Number(seedText);
  if (threads !== undefined) setNumThreads(Number(threads));
  const test = makeClickLog(size, size.testSamples, seed, 2);
  let m: Dlrm, trainRate: number | undefined, mlps: MlpKind = 'fp32';
  if (config === 'serve4') {
    m = loadModel(modelDir);
  } else {
    mlps = config === 'int8' ? 'int8' : 'fp32';
    const rng = new Rng(seed);
    const tables = size.tableRows.map((rows) => initTable(rows, size.dim, config === 'int8' ? 'rowwise8' : 'float32', rng));
    const { bottom, top } = buildMlps(size, mlps, rng);
    m = new Dlrm(tables, bottom, top);
    const trainLog = makeClickLog(size, size.trainSamples, seed, 1);
    trainRate = train(m, trainLog, size, seed);
  }
  const e = evaluate(m, test);
  if (config === 'fp32') saveModel(modelDir, m, m.tables.map((t) => quantizeTable(t as EmbeddingTable<'float32'>, 'rowwise4')));
  const result: WorkerResult = {
    config, tables: m.tables[0].format, mlps, auc: e.auc, logLoss: e.logLoss, teacherAuc: auc(test.teacher, test.labels), trainSamplesPerSec: trainRate,
    serveSamplesPerSec: e.samplesPerSec, tableBytes: m.tables.reduce((s, t) => s + tableBytes(t), 0),
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main();
