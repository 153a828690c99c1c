/**
 * One training configuration in its own process (forked by main.ts), so that
 * its peak RSS is its own. It trains one epoch per 'epoch' message (main.ts
 * alternates the processes epoch by epoch: only one computes at a time), and
 * on 'finish' reports its peak RSS and sends its weights back.
 * Messages in: init, epoch, finish. Out: ready, epoch, result.
 */
import { setNumThreads } from '../../lib';
import { accuracy, ProgressBar, QATLinear, Rng, trainEpoch, type Dataset } from '../../lib/train';
import { buildModel, buildOptimizer, LABELS, linears, weightsOf, type ConfigName, type Schedule } from './configs';
import { loadFashionMnist } from './data';

export interface InitMessage {
  type: 'init';
  config: ConfigName;
  schedule: Schedule;
  seed: number;
  data: 'auto' | 'system' | 'subset';
  threads?: number;
  weights?: Float32Array[];
}

export interface EpochReport {
  type: 'epoch';
  seconds: number;
  loss: number;
  /** Bytes kept for the backward after a full batch's training step. */
  savedBytes: number;
  stateBytes: number;
}

export interface ResultReport {
  type: 'result';
  weights: Float32Array[];
  /** QAT: each layer's observed input qparams (uint8 affine). */
  inputQParams?: { scale: number; zeroPoint: number }[];
  /** Test accuracy of the model's own (training-time) forward. */
  ownAccuracy: number;
  /** process.resourceUsage().maxRSS after training, bytes. */
  peakRss: number;
}

type Message = InitMessage | { type: 'epoch' } | { type: 'finish' };

function send(m: object, then?: () => void): void {
  process.send!(m, undefined, undefined, then);
}

let state: { init: InitMessage; train: Dataset; test: Dataset; run: (epoch: number) => EpochReport; finish: () => ResultReport } | undefined;

function init(m: InitMessage): void {
  if (m.threads !== undefined) setNumThreads(m.threads);
  const data = loadFashionMnist(m.data);
  const n = m.schedule.trainSamples;
  const train: Dataset = n === undefined ? data.train : { ...data.train, x: data.train.x.subarray(0, n * data.train.features), y: (data.train.y as Uint8Array).subarray(0, n) };
  const model = buildModel(m.config, m.schedule.widths, m.seed, m.schedule, m.weights);
  const optimizer = buildOptimizer(m.config, model, m.schedule);
  const rng = new Rng(m.config === 'qat' || m.config === 'fp32-finetune' ? m.seed + 1 : m.seed); // the same batches for every run of a phase
  const run = (epoch: number): EpochReport => {
    const bar = new ProgressBar(`${LABELS[m.config]}: epoch ${epoch}`);
    let savedBytes = 0;
    const t = performance.now();
    const loss = trainEpoch(model, train, optimizer, {
      batchSize: m.schedule.batch,
      rng,
      onStep: (done, total, l) => {
        if (done === 1) savedBytes = model.savedBytes();
        bar.update(done, total, `loss ${l.toFixed(3)}`);
      },
    });
    const seconds = (performance.now() - t) / 1000;
    bar.done(`mean loss ${loss.toFixed(4)}`);
    return { type: 'epoch', seconds, loss, savedBytes, stateBytes: optimizer.stateBytes?.() ?? 0 };
  };
  const finish = (): ResultReport => {
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const qat = m.config === 'qat' ? linears(model).map((l) => (l as QATLinear).inputQParams()) : undefined;
    return { type: 'result', weights: weightsOf(model), inputQParams: qat, ownAccuracy: accuracy((x) => model.forward(x, false), data.test), peakRss };
  };
  state = { init: m, train, test: data.test, run, finish };
}

let epochs = 0;
process.on('message', (m: Message) => {
  if (m.type === 'init') {
    init(m);
    send({ type: 'ready' });
  } else if (m.type === 'epoch') {
    send(state!.run(++epochs));
  } else {
    send(state!.finish(), () => process.disconnect()); // after the message is written out
  }
});
