/**
 * Fashion-MNIST with a 784-512-256-10 MLP, five ways, in one table:
 *   fp32 baseline; post-training quantization (static int8, min-max and
 *   histogram calibration); QAT fine-tuning of the fp32 model; int8
 *   (SwitchBack-style) training from scratch.
 *   node --import tsx examples/fashion-mnist/main.ts [--full] [--data auto|system|subset] [--smoke] [--threads N] [--seed N]
 * --smoke: 2000 training samples, 1 epoch each (a quick check of the whole path).
 * Progress goes to stderr, the table to stdout. Seeded: the same run prints the same accuracies.
 */
import { info, setNumThreads, type Tensor } from '../../lib';
import { HistogramObserver, MinMaxObserver, type Observer, type QParams } from '../../lib/quant';
import { Adam, Int8Linear, Linear, QATLinear, ReLU, Rng, Sequential, accuracy, trainEpoch, ProgressBar, type Dataset, type Module } from '../../lib/train';
import { loadFashionMnist } from './data';
import { Int8Mlp, fp32Bytes, staticChain, dynamicChain } from './deploy';

interface Args {
  full: boolean;
  smoke: boolean;
  data: 'auto' | 'system' | 'subset';
  threads?: number;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { full: false, smoke: false, data: 'auto', seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    if (key === '--full') args.full = true;
    else if (key === '--smoke') args.smoke = true;
    else if (key === '--data') args.data = value() as Args['data'];
    else if (key === '--threads') args.threads = Number(value());
    else if (key === '--seed') args.seed = Number(value());
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!['auto', 'system', 'subset'].includes(args.data)) throw new Error('--data must be auto, system or subset');
  return args;
}

const args = parseArgs(process.argv.slice(2));
if (args.threads !== undefined) setNumThreads(args.threads);
const schedule = args.full
  ? { epochs: 15, qatEpochs: 3, batch: 128, lr: 1e-3, qatLr: 1e-4, calibration: 4096 }
  : args.smoke
    ? { epochs: 1, qatEpochs: 1, batch: 128, lr: 1e-3, qatLr: 1e-4, calibration: 256 }
    : { epochs: 3, qatEpochs: 1, batch: 128, lr: 1e-3, qatLr: 1e-4, calibration: 2048 };
const INFER_BATCH = 256;

const data = loadFashionMnist(args.data);
const train: Dataset = args.smoke ? { ...data.train, x: data.train.x.subarray(0, 2000 * 784), y: (data.train.y as Uint8Array).subarray(0, 2000) } : data.train;
const test = data.test;
const started = performance.now();

function mlp(make: (i: number, o: number, name: string) => Linear): Sequential {
  return new Sequential([make(784, 512, 'fc1'), new ReLU(), make(512, 256, 'fc2'), new ReLU(), make(256, 10, 'fc3')]);
}

interface Run {
  label: string;
  model: Module;
  optimizer: Adam;
  rng: Rng;
  seconds: number;
  epochs: number;
}

function run(label: string, model: Module, lr: number, rng: Rng): Run {
  return { label, model, optimizer: new Adam(model.params(), { lr }), rng, seconds: 0, epochs: 0 };
}

/**
 * Trains the runs for `epochs`, one epoch of each in turn: the runs are
 * independent (own model, optimizer and rng), and alternating them makes the
 * per-epoch time ratios fair when other processes share the machine.
 */
function fit(runs: Run[], epochs: number): void {
  for (let e = 0; e < epochs; e++) {
    for (const r of runs) {
      const bar = new ProgressBar(`${r.label} epoch ${e + 1}/${epochs}`);
      const t = performance.now();
      const loss = trainEpoch(r.model, train, r.optimizer, { batchSize: schedule.batch, rng: r.rng, onStep: (d, n, l) => bar.update(d, n, `loss ${l.toFixed(3)}`) });
      r.seconds += (performance.now() - t) / 1000;
      r.epochs++;
      bar.done(`mean loss ${loss.toFixed(4)}`);
    }
  }
}

type Predict = (x: Dataset['x'], rows: number) => unknown;

/**
 * Samples per second in batches of INFER_BATCH over the first 4096 test images,
 * for every model: 7 rounds after a warm-up, each round one pass of each model
 * in turn, and each model's best pass (the least disturbed by other processes).
 */
function throughputs(predicts: Predict[]): number[] {
  const n = Math.min(4096, test.y.length);
  const pass = (predict: Predict) => {
    const t = performance.now();
    for (let from = 0; from < n; from += INFER_BATCH) {
      const to = Math.min(n, from + INFER_BATCH);
      predict(test.x.subarray(from * 784, to * 784), to - from);
    }
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

interface Row {
  name: string;
  accuracy: number;
  epochSeconds?: number;
  predict: Predict;
  samplesPerSecond?: number;
  bytes: number;
}
const rows: Row[] = [];

// 1 and 4. fp32 and int8 (SwitchBack-style) training from scratch: same initialisation, schedule and shuffling.
const fp32 = mlp((i, o, n) => new Linear(i, o, new Rng(args.seed + i * 7 + o), n));
const int8 = mlp((i, o, n) => new Int8Linear(i, o, new Rng(args.seed + i * 7 + o), n));
const fp32Run = run('fp32', fp32, schedule.lr, new Rng(args.seed));
const int8Run = run('int8 train', int8, schedule.lr, new Rng(args.seed));
fit([fp32Run, int8Run], schedule.epochs);
const fp32Linears = fp32.layers.filter((l): l is Linear => l instanceof Linear);
rows.push({
  name: 'fp32 baseline',
  accuracy: accuracy((x) => fp32.forward(x, false), test),
  epochSeconds: fp32Run.seconds / fp32Run.epochs,
  predict: (x, r) => fp32.forward({ dtype: 'float32', shape: [r, 784], data: x }, false),
  bytes: fp32Bytes(fp32Linears),
});

// 2. PTQ: observe each Linear's input over calibration samples, then static int8 layers.
function calibrated(make: () => Observer<QParams>): QParams[] {
  const observers = fp32Linears.map(make);
  const bar = new ProgressBar(`calibrate ${observers[0].constructor.name}`);
  for (let from = 0; from < schedule.calibration; from += INFER_BATCH) {
    const to = Math.min(schedule.calibration, from + INFER_BATCH);
    let x: Tensor<'float32'> = { dtype: 'float32', shape: [to - from, 784], data: train.x.subarray(from * 784, to * 784) };
    for (const layer of fp32.layers) {
      const k = fp32Linears.indexOf(layer as Linear);
      if (k >= 0) observers[k].observe(x);
      x = layer.forward(x, false);
    }
    bar.update(to, schedule.calibration);
  }
  bar.done();
  return observers.map((o) => o.calculateQParams());
}
for (const [name, make] of [['PTQ min-max (static)', () => new MinMaxObserver()], ['PTQ histogram (static)', () => new HistogramObserver()]] as const) {
  const model = staticChain(fp32Linears, calibrated(make));
  rows.push({ name, accuracy: model.accuracy(test), predict: (x, r) => model.predict(x, r), bytes: model.bytes });
}

// 3. QAT fine-tuning from the fp32 weights.
const qatRng = new Rng(args.seed + 1);
const qat = new Sequential(fp32.layers.map((l) => (l instanceof Linear ? QATLinear.fromLinear(l, qatRng) : new ReLU())));
const qatRun = run('QAT', qat, schedule.qatLr, qatRng);
fit([qatRun], schedule.qatEpochs);
const qatLinears = qat.layers.filter((l): l is QATLinear => l instanceof QATLinear);
const qatFake = accuracy((x) => qat.forward(x, false), test);
const qatStatic = staticChain(qatLinears, qatLinears.map((l) => l.inputQParams()));
const qatDynamic = dynamicChain(qatLinears);
for (const [name, model] of [['QAT -> int8 static', qatStatic], ['QAT -> int8 dynamic', qatDynamic]] as const) {
  rows.push({ name, accuracy: model.accuracy(test), epochSeconds: qatRun.seconds / qatRun.epochs, predict: (x, r) => model.predict(x, r), bytes: model.bytes });
}

// 4, deployed as dynamic int8 (its forward used per-row activation scales too).
const int8Own = accuracy((x) => int8.forward(x, false), test);
const int8Deployed: Int8Mlp = dynamicChain(int8.layers.filter((l): l is Int8Linear => l instanceof Int8Linear));
rows.push({ name: 'int8 training -> int8 dynamic', accuracy: int8Deployed.accuracy(test), epochSeconds: int8Run.seconds / int8Run.epochs, predict: (x, r) => int8Deployed.predict(x, r), bytes: int8Deployed.bytes });

throughputs(rows.map((r) => r.predict)).forEach((t, i) => (rows[i].samplesPerSecond = t));

// The table.
const base = rows[0];
const pct = (a: number) => (100 * a).toFixed(2);
const lines = [
  `| model | test acc % | vs fp32 | train s/epoch | vs fp32 | infer samples/s (batch ${INFER_BATCH}) | vs fp32 | size |`,
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => [
    r.name,
    pct(r.accuracy),
    r === base ? '' : `${(100 * (r.accuracy - base.accuracy)).toFixed(2)}`,
    r.epochSeconds === undefined ? '-' : r.epochSeconds.toFixed(2),
    r.epochSeconds === undefined || r === base ? '' : `${(base.epochSeconds! / r.epochSeconds).toFixed(2)}x`,
    Math.round(r.samplesPerSecond!).toString(),
    r === base ? '' : `${(r.samplesPerSecond! / base.samplesPerSecond!).toFixed(2)}x`,
    `${(r.bytes / 1e6).toFixed(2)} MB`,
  ].join(' | ')).map((l) => `| ${l} |`),
];
const machine = info();
console.log(`Fashion-MNIST ${train.y.length} train / ${test.y.length} test from ${data.source}; MLP 784-512-256-10, Adam, batch ${schedule.batch}, ` +
  `${schedule.epochs} epochs (QAT ${schedule.qatEpochs}); ${machine.threads} threads, kernels ${machine.kernels.int8} / ${machine.kernels.float32}, seed ${args.seed}`);
console.log(lines.join('\n'));
console.log(`(QAT fake-quant model ${pct(qatFake)}%, int8-trained model with its own int8 forward ${pct(int8Own)}%; total ${((performance.now() - started) / 1000).toFixed(0)} s)`);
