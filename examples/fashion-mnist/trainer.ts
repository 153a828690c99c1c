/**
 * One training configuration in its own process (forked by main.ts), so that
 * its peak RSS is its own. Each 'steps' message trains the next `count` steps
 * of the current epoch (main.ts has the processes take turns, a few steps
 * each: only one computes at a time, and load from elsewhere on the machine
 * spreads over all of them alike); the last steps of an epoch answer with the
 * epoch's report. 'finish' reports the peak RSS and sends the weights back.
 * Messages in: init, steps, finish. Out: ready, steps | epoch, result.
 */
import { setNumThreads } from '../../lib';
import { accuracy, epochSteps, ProgressBar, QATLinear, Rng, type Dataset } from '../../lib/train';
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

type Message = InitMessage | { type: 'steps'; count: number } | { type: 'finish' };

function send(m: object, then?: () => void): void {
  process.send!(m, undefined, undefined, then);
}

interface Trainer {
  /** Trains up to `count` steps; the epoch's report when it ended. */
  steps: (count: number) => EpochReport | undefined;
  finish: () => ResultReport;
}

function init(m: InitMessage): Trainer {
  if (m.threads !== undefined) setNumThreads(m.threads);
  const data = loadFashionMnist(m.data);
  const n = m.schedule.trainSamples;
  const train: Dataset = n === undefined ? data.train : { ...data.train, x: data.train.x.subarray(0, n * data.train.features), y: (data.train.y as Uint8Array).subarray(0, n) };
  const model = buildModel(m.config, m.schedule.widths, m.seed, m.schedule, m.weights);
  const optimizer = buildOptimizer(m.config, model, m.schedule);
  const rng = new Rng(m.config === 'qat' || m.config === 'fp32-finetune' ? m.seed + 1 : m.seed); // the same batches for every run of a phase
  const total = Math.ceil(train.y.length / m.schedule.batch);
  let epoch = 0;
  let current: { steps: Generator<{ loss: number; rows: number }>; bar: ProgressBar; done: number; seconds: number; loss: number; savedBytes: number } | undefined;
  const steps = (count: number): EpochReport | undefined => {
    current ??= { steps: epochSteps(model, train, optimizer, { batchSize: m.schedule.batch, rng }), bar: new ProgressBar(`${LABELS[m.config]}: epoch ${++epoch}`), done: 0, seconds: 0, loss: 0, savedBytes: 0 };
    const c = current;
    for (let k = 0; k < count; k++) {
      const t = performance.now();
      const next = c.steps.next();
      c.seconds += (performance.now() - t) / 1000;
      if (next.done) break;
      c.loss += next.value.loss * next.value.rows;
      if (++c.done === 1) c.savedBytes = model.savedBytes(); // after a full batch's step
      c.bar.update(c.done, total, `loss ${next.value.loss.toFixed(3)}`);
    }
    if (c.done < total) return undefined;
    current = undefined;
    const loss = c.loss / train.y.length;
    c.bar.done(`mean loss ${loss.toFixed(4)}`, c.seconds);
    return { type: 'epoch', seconds: c.seconds, loss, savedBytes: c.savedBytes, stateBytes: optimizer.stateBytes?.() ?? 0 };
  };
  const finish = (): ResultReport => {
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const qat = m.config === 'qat' ? linears(model).map((l) => (l as QATLinear).inputQParams()) : undefined;
    return { type: 'result', weights: weightsOf(model), inputQParams: qat, ownAccuracy: accuracy((x) => model.forward(x, false), data.test), peakRss };
  };
  return { steps, finish };
}

let trainer: Trainer | undefined;
process.on('message', (m: Message) => {
  if (m.type === 'init') {
    trainer = init(m);
    send({ type: 'ready' });
  } else if (m.type === 'steps') {
    send(trainer!.steps(m.count) ?? { type: 'steps' });
  } else {
    send(trainer!.finish(), () => process.disconnect()); // after the message is written out
  }
});
