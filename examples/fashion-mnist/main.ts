/**
 * Fashion-MNIST with an MLP, trained and deployed every way qgemm offers, in
 * one table: fp32; post-training quantization (static int8); QAT fine-tuning
 * of the fp32 model; SwitchBack int8 training (int8 forward and input
 * gradient); full int8 training (the weight gradient in int8 too); the
 * leanest mode (full int8 + 8-bit Adam + int8-saved activations); fp32 with
 * 8-bit Adam; fp32 with int8-saved activations.
 *   node --import tsx examples/fashion-mnist/main.ts [--wide] [--full] [--smoke] [--data auto|system|subset] [--threads N] [--seed N] [--export DIR]
 * Default: 784-512-256-10, 3 epochs. --wide: 784-2048-2048-10, 2 epochs (the
 * GEMMs are most of a step). --full: 15 epochs. --smoke: 2000 images, 1 epoch.
 * Each training configuration runs in its own process (trainer.ts) so its
 * peak RSS is its own; the processes take turns of a few steps each, so that
 * other load on the machine hits every configuration alike. Progress goes to
 * stderr, the table to stdout. Seeded: the same run prints the same accuracies.
 * --export DIR writes each deployed model as ONNX (export.ts) for onnxruntime.
 * The compute threads run at normal priority (QGEMM_COMPUTE_NICE=0) unless set.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

import { info, setNumThreads, type Tensor } from '../../lib';
import { MinMaxObserver, type QParams } from '../../lib/quant';
import { accuracy, ProgressBar, rowsOf, type Sequential } from '../../lib/train';
import { buildModel, LABELS, linears, scheduleFor, type ConfigName, type Schedule } from './configs';
import { loadFashionMnist } from './data';
import { dynamicChain, fp32Bytes, staticChain, type Int8Mlp } from './deploy';
import { exportModels } from './export';
import type { EpochReport, InitMessage, ResultReport } from './trainer';

interface Args {
  schedule: Schedule['name'];
  data: 'auto' | 'system' | 'subset';
  threads?: number;
  seed: number;
  exportDir?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { schedule: 'default', data: 'auto', seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    if (key === '--full' || key === '--smoke' || key === '--wide') args.schedule = key.slice(2) as Args['schedule'];
    else if (key === '--data') args.data = value() as Args['data'];
    else if (key === '--threads') args.threads = Number(value());
    else if (key === '--seed') args.seed = Number(value());
    else if (key === '--export') args.exportDir = value();
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!['auto', 'system', 'subset'].includes(args.data)) throw new Error('--data must be auto, system or subset');
  return args;
}

// A batch job: qgemm's workers at normal priority, in this process and the trainers (they inherit
// it), unless the caller chose (README, "Compute threads"). The addon reads it when it loads.
process.env.QGEMM_COMPUTE_NICE ??= '0';
const args = parseArgs(process.argv.slice(2));
if (args.threads !== undefined) setNumThreads(args.threads);
const schedule = scheduleFor(args.schedule);
const INFER_BATCH = 256;
const started = performance.now();

/** A training process: requests answered in order. */
class Trainer {
  readonly config: ConfigName;
  readonly epochs: EpochReport[] = [];
  readonly #child: ChildProcess;
  readonly #waiting: { resolve: (m: unknown) => void; reject: (e: Error) => void }[] = [];

  constructor(config: ConfigName) {
    this.config = config;
    this.#child = fork(path.join(__dirname, 'trainer.ts'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child.on('message', (m) => this.#waiting.shift()?.resolve(m));
    this.#child.on('exit', (code) => {
      for (const w of this.#waiting.splice(0)) w.reject(new Error(`the ${config} trainer exited (code ${code}) before answering`));
    });
  }

  #request<T>(message: object): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ resolve: resolve as (m: unknown) => void, reject });
      this.#child.send(message);
    });
  }

  start(weights?: Float32Array[]): Promise<unknown> {
    const init: InitMessage = { type: 'init', config: this.config, schedule, seed: args.seed, data: args.data, threads: args.threads, weights };
    return this.#request(init);
  }

  /** Trains `count` more steps; true when that ended an epoch. */
  async steps(count: number): Promise<boolean> {
    const r = await this.#request<EpochReport | { type: 'steps' }>({ type: 'steps', count });
    if (r.type === 'epoch') this.epochs.push(r);
    return r.type === 'epoch';
  }

  finish(): Promise<ResultReport> {
    return this.#request<ResultReport>({ type: 'finish' });
  }

  get secondsPerEpoch(): number {
    return this.epochs.reduce((s, e) => s + e.seconds, 0) / this.epochs.length;
  }
}

/**
 * Steps each process trains in its turn: enough that the caches the other
 * configurations' processes evicted are refilled only a few times an epoch
 * (default MLP: 16 steps a turn cost fp32 1.28 and full int8 0.91 s/epoch,
 * 64 steps 1.18 and 0.82, Zen 5), few enough that every configuration sees
 * the machine's load alike (0.1-2 s a turn).
 */
const TURN_STEPS = 64;

/** Trains the configurations for `epochs`, taking turns of TURN_STEPS steps; returns their results. */
async function fit(configs: ConfigName[], epochs: number, weights?: Float32Array[]): Promise<Map<ConfigName, { trainer: Trainer; result: ResultReport }>> {
  const trainers = configs.map((c) => new Trainer(c));
  await Promise.all(trainers.map((t) => t.start(weights)));
  for (let e = 0; e < epochs; e++) {
    let training = trainers;
    while (training.length > 0) {
      const ended: Trainer[] = [];
      for (const t of training) if (await t.steps(TURN_STEPS)) ended.push(t);
      training = training.filter((t) => !ended.includes(t));
    }
  }
  const results = new Map<ConfigName, { trainer: Trainer; result: ResultReport }>();
  for (const t of trainers) results.set(t.config, { trainer: t, result: await t.finish() });
  return results;
}

const data = loadFashionMnist(args.data);
const test = data.test;
const features = schedule.widths[0];

type Predict = (x: Float32Array, rows: number) => unknown;

/**
 * Samples per second in batches of INFER_BATCH over the first 4096 test images,
 * for every model: 7 rounds after a warm-up, each round one pass of each model
 * in turn, and each model's best pass (the least disturbed by other processes).
 */
function throughputs(predicts: Predict[]): number[] {
  const n = Math.min(4096, test.y.length);
  const batches: Float32Array[] = [];
  for (let from = 0; from < n; from += INFER_BATCH) batches.push(rowsOf(test, from, Math.min(n, from + INFER_BATCH)).data);
  const pass = (predict: Predict) => {
    const t = performance.now();
    for (const b of batches) predict(b, b.length / features);
    return (performance.now() - t) / 1000;
  };
  const best = predicts.map((p) => (pass(p), Infinity));
  const bar = new ProgressBar('inference throughput');
  for (let round = 0; round < 7; round++) {
    predicts.forEach((p, i) => (best[i] = Math.min(best[i], pass(p))));
    bar.update(round + 1, 7);
  }
  bar.done();
  return best.map((s) => n / s);
}

/** PTQ: each Linear's input observed (min-max) over calibration images of the training set. */
function calibrate(model: Sequential): QParams[] {
  const layers = linears(model);
  const observers = layers.map(() => new MinMaxObserver());
  for (let from = 0; from < schedule.calibration; from += INFER_BATCH) {
    let x: Tensor<'float32'> = rowsOf(data.train, from, Math.min(schedule.calibration, from + INFER_BATCH));
    for (const layer of model.layers) {
      const k = layers.indexOf(layer as (typeof layers)[number]);
      if (k >= 0) observers[k].observe(x);
      x = layer.forward(x, false);
    }
  }
  return observers.map((o) => o.calculateQParams());
}

interface Row {
  name: string;
  accuracy: number;
  config?: ConfigName;
  trainer?: Trainer;
  peakRss?: number;
  /** The epoch time this row is compared with (fp32's, or fp32 fine-tuning's for QAT). */
  baseEpoch?: number;
  predict?: Predict;
  samplesPerSecond?: number;
  bytes: number;
}

async function main(): Promise<void> {
  const phase1 = await fit(['fp32', 'switchback', 'int8', 'lean', 'adam8bit', 'adam8bit-float8', 'int8-saved'], schedule.epochs);
  const fp32Weights = phase1.get('fp32')!.result.weights;
  const phase2 = await fit(['qat', 'fp32-finetune'], schedule.qatEpochs, fp32Weights);
  const all = new Map([...phase1, ...phase2]);
  const model = (c: ConfigName) => buildModel(c, schedule.widths, args.seed, schedule, all.get(c)!.result.weights);
  const floatAccuracy = (m: Sequential) => accuracy((x) => m.forward(x, false), test);
  const rowFor = (c: ConfigName, acc: number, deployed: Int8Mlp | Sequential | undefined, bytes: number, baseEpoch = phase1.get('fp32')!.trainer.secondsPerEpoch): Row => {
    const { trainer, result } = all.get(c)!;
    const predict: Predict | undefined = deployed === undefined ? undefined
      : 'predict' in deployed ? (x, r) => deployed.predict(x, r)
      : (x, r) => deployed.forward({ dtype: 'float32', shape: [r, features], data: x }, false);
    return { name: LABELS[c], accuracy: acc, config: c, trainer, peakRss: result.peakRss, baseEpoch, predict, bytes };
  };

  const fp32 = model('fp32');
  const bar = new ProgressBar('deploy and evaluate');
  const ptq = staticChain(linears(fp32), calibrate(fp32));
  const qatModel = model('qat');
  const qat = staticChain(linears(qatModel), all.get('qat')!.result.inputQParams!);
  const switchback = dynamicChain(linears(model('switchback')));
  const int8 = dynamicChain(linears(model('int8')));
  const lean = dynamicChain(linears(model('lean')));
  const rows: Row[] = [
    rowFor('fp32', floatAccuracy(fp32), fp32, fp32Bytes(linears(fp32))),
    { name: 'PTQ min-max -> int8 static', accuracy: ptq.accuracy(test), predict: (x, r) => ptq.predict(x, r), bytes: ptq.bytes },
    rowFor('qat', qat.accuracy(test), qat, qat.bytes, all.get('fp32-finetune')!.trainer.secondsPerEpoch),
    rowFor('switchback', switchback.accuracy(test), switchback, switchback.bytes),
    rowFor('int8', int8.accuracy(test), int8, int8.bytes),
    rowFor('lean', lean.accuracy(test), lean, lean.bytes),
    rowFor('adam8bit', floatAccuracy(model('adam8bit')), undefined, fp32Bytes(linears(fp32))),
    rowFor('adam8bit-float8', floatAccuracy(model('adam8bit-float8')), undefined, fp32Bytes(linears(fp32))),
    rowFor('int8-saved', floatAccuracy(model('int8-saved')), undefined, fp32Bytes(linears(fp32))),
  ];
  bar.done();
  if (args.exportDir !== undefined) {
    const files = exportModels({ 'fp32': fp32, 'PTQ min-max static': ptq, 'QAT static': qat, 'SwitchBack dynamic': switchback, 'full int8 dynamic': int8 }, args.exportDir);
    console.error(`ONNX: ${files.join(', ')}`);
  }
  const measured = rows.filter((r) => r.predict !== undefined);
  throughputs(measured.map((r) => r.predict!)).forEach((t, i) => (measured[i].samplesPerSecond = t));
  print(rows, all.get('fp32-finetune')!, all);
}

function print(rows: Row[], finetune: { trainer: Trainer; result: ResultReport }, all: Map<ConfigName, { trainer: Trainer; result: ResultReport }>): void {
  const base = rows[0];
  const mb = (b: number | undefined) => (b === undefined ? '-' : (b / 2 ** 20).toFixed(2));
  const pct = (a: number) => (100 * a).toFixed(2);
  const last = (r: Row) => r.trainer?.epochs[r.trainer.epochs.length - 1];
  const lines = [
    `| model | test acc % | vs fp32 | train s/epoch | speed vs fp32 | optimizer state MiB | saved activations MiB | peak RSS MiB | infer samples/s (batch ${INFER_BATCH}) | vs fp32 | model size MiB |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => [
      r.name,
      pct(r.accuracy),
      r === base ? '' : (100 * (r.accuracy - base.accuracy)).toFixed(2),
      r.trainer === undefined ? '-' : r.trainer.secondsPerEpoch.toFixed(2),
      r.trainer === undefined || r === base ? '' : `${(r.baseEpoch! / r.trainer.secondsPerEpoch).toFixed(2)}x`,
      mb(last(r)?.stateBytes),
      mb(last(r)?.savedBytes),
      r.peakRss === undefined ? '-' : (r.peakRss / 2 ** 20).toFixed(0),
      r.samplesPerSecond === undefined ? '-' : Math.round(r.samplesPerSecond).toString(),
      r.samplesPerSecond === undefined || r === base ? '' : `${(r.samplesPerSecond / base.samplesPerSecond!).toFixed(2)}x`,
      mb(r.bytes),
    ].join(' | ')).map((l) => `| ${l} |`),
  ];
  const m = info();
  console.log(`Fashion-MNIST ${schedule.trainSamples ?? data.train.y.length} train / ${test.y.length} test from ${data.source}; MLP ${schedule.widths.join('-')}, Adam (lr ${schedule.lr}; QAT ${schedule.qatLr}), ` +
    `batch ${schedule.batch}, ${schedule.epochs} epochs (QAT ${schedule.qatEpochs}); ${m.threads} threads, kernels ${m.kernels.int8} / ${m.kernels.float32}, seed ${args.seed}`);
  console.log(lines.join('\n'));
  const own = (c: ConfigName) => pct(all.get(c)!.result.ownAccuracy);
  console.log(`(QAT's speed is against fp32 fine-tuning from the same model, run alongside it: ${finetune.trainer.secondsPerEpoch.toFixed(2)} s/epoch, ${pct(finetune.result.ownAccuracy)}%. ` +
    `Own forward: QAT (int8, = its converted layer's) ${own('qat')}%, SwitchBack ${own('switchback')}%, full int8 ${own('int8')}%. Total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
