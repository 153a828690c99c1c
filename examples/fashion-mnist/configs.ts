/**
 * What the demo trains: the schedules (default, --wide, --full, --smoke) and
 * the training configurations, each built the same way in its own process
 * (trainer.ts), so that peak RSS is measured per configuration.
 */
import {
  Adam, Adam8bit, Int8Linear, Linear, QATLinear, ReLU, Rng, Sequential, type Module, type Optimizer,
} from '../../lib/train';

export type ConfigName = 'fp32' | 'switchback' | 'int8' | 'lean' | 'adam8bit' | 'adam8bit-float8' | 'int8-saved' | 'qat' | 'fp32-finetune';

export interface Schedule {
  name: 'default' | 'wide' | 'full' | 'smoke';
  widths: number[];
  epochs: number;
  qatEpochs: number;
  batch: number;
  lr: number;
  qatLr: number;
  /** Training images used for PTQ calibration. */
  calibration: number;
  /** Use only the first N training images (smoke runs). */
  trainSamples?: number;
  /** Full int8: batch rows per block of dW's scales (0: the whole batch). */
  int8Block: number;
}

export function scheduleFor(name: Schedule['name']): Schedule {
  const base = { batch: 128, lr: 1e-3, qatLr: 1e-4, int8Block: 0 };
  switch (name) {
    case 'wide':
      return { ...base, name, widths: [784, 2048, 2048, 10], epochs: 2, qatEpochs: 1, calibration: 2048 };
    case 'full':
      return { ...base, name, widths: [784, 512, 256, 10], epochs: 15, qatEpochs: 3, calibration: 4096 };
    case 'smoke':
      return { ...base, name, widths: [784, 512, 256, 10], epochs: 1, qatEpochs: 1, calibration: 256, trainSamples: 2000 };
    default:
      return { ...base, name: 'default', widths: [784, 512, 256, 10], epochs: 3, qatEpochs: 1, calibration: 2048 };
  }
}

/** The table's label of each configuration. */
export const LABELS: Record<ConfigName, string> = {
  fp32: 'fp32 (Adam)',
  switchback: 'SwitchBack int8 -> int8 dynamic',
  int8: 'full int8 -> int8 dynamic',
  lean: 'full int8 + 8-bit Adam (float8) + int8-saved -> int8 dynamic',
  adam8bit: 'fp32 + 8-bit Adam',
  'adam8bit-float8': 'fp32 + 8-bit Adam (float8 code)',
  'int8-saved': 'fp32 + int8-saved activations',
  qat: 'QAT -> int8 static',
  'fp32-finetune': 'fp32 fine-tuned (QAT baseline)',
};

/**
 * The MLP of a configuration. Each Linear gets its own Rng from the seed and
 * its shape, so every configuration starts from the same weights; `weights`
 * (per Linear: weight, bias) replaces them (fine-tuning from a trained model).
 */
export function buildModel(config: ConfigName, widths: number[], seed: number, schedule: Schedule, weights?: Float32Array[]): Sequential {
  // The leanest mode: full int8 GEMMs, int8-saved activations, 8-bit Adam with the float8 code (buildOptimizer).
  const saved = config === 'int8-saved' || config === 'lean' ? 'int8' : 'float32';
  const layers: Module[] = [];
  for (let k = 0; k + 1 < widths.length; k++) {
    const [i, o, name] = [widths[k], widths[k + 1], `fc${k + 1}`];
    const rng = new Rng(seed + i * 7 + o);
    const layer =
      config === 'switchback' ? new Int8Linear(i, o, rng, name)
      : config === 'int8' || config === 'lean' ? new Int8Linear(i, o, rng, name, { weightGrad: 'int8', block: schedule.int8Block, savedActivations: saved })
      : config === 'qat' ? new QATLinear(i, o, rng, name)
      : new Linear(i, o, rng, name, { savedActivations: saved });
    if (weights !== undefined) {
      layer.weight.data.set(weights[2 * k]);
      layer.bias.data.set(weights[2 * k + 1]);
    }
    layers.push(layer);
    if (k + 2 < widths.length) layers.push(new ReLU({ savedActivations: saved }));
  }
  return new Sequential(layers);
}

export function buildOptimizer(config: ConfigName, model: Module, schedule: Schedule): Optimizer {
  const lr = config === 'qat' || config === 'fp32-finetune' ? schedule.qatLr : schedule.lr;
  if (config === 'adam8bit') return new Adam8bit(model.params(), { lr });
  if (config === 'adam8bit-float8' || config === 'lean') return new Adam8bit(model.params(), { lr, stateCode: 'float8' });
  // Full int8: Adam's step applied inside each int8 weight-gradient GEMM (same bits, dW never stored).
  return new Adam(model.params(), { lr, fused: config === 'int8' });
}

/** The Linear layers of a model, in order. */
export function linears(model: Sequential): Linear[] {
  return model.layers.filter((l): l is Linear => l instanceof Linear);
}

/** Per Linear: weight, bias (copies). */
export function weightsOf(model: Sequential): Float32Array[] {
  return linears(model).flatMap((l) => [l.weight.data.slice(), l.bias.data.slice()]);
}
