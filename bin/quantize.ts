/**
 * `qgemm quantize MODEL.onnx OUT.onnx --calibrate DATA`: ONNX Runtime's
 * quantize_static workflow in Node (lib/onnx/quantize.ts), writing a QDQ model.
 */
import * as fs from 'node:fs';
import { CALIBRATION_METHODS, loadOnnx, quantizeStatic, readCalibrationData, saveOnnx, QuantizedLinear, type QuantizeOnnxOptions } from '../lib';
import { terminalSafe } from './terminal';

export const QUANTIZE_USAGE = `  qgemm quantize MODEL.onnx OUT.onnx --calibrate DATA.npy|DATA.idx[.gz] [--method minmax|histogram|entropy|percentile]
        [--percentile P (with --method percentile)] [--scale S] [--samples N] [--format qdq|qoperator] [--activations uint8|int8] [--weights per-channel|per-tensor]
      post-training static quantization of a float ONNX model (MatMul/Gemm, Relu, Flatten) calibrated on DATA's rows
      (each value times --scale, e.g. 1/255 for image bytes; the first --samples rows, default all); writes QDQ (or QOperator)`;

export class QuantizeUsageError extends Error {}

/** Two paths naming one file (the same inode: also through links or another spelling). */
function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [fs.statSync(a), fs.statSync(b)];
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // OUT does not exist yet
  }
}

export interface QuantizeArgs {
  model: string;
  out: string;
  calibrate: string;
  scale: number;
  samples?: number;
  options: QuantizeOnnxOptions;
}

function number(text: string, flag: string): number {
  const parts = text.split('/');
  const v = parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(text);
  if (parts.length > 2 || !Number.isFinite(v) || v <= 0) throw new QuantizeUsageError(`bad ${flag} "${text}": a positive number (or a fraction such as 1/255)`);
  return v;
}

function count(text: string, flag: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(v) || v < 1) throw new QuantizeUsageError(`bad ${flag} "${text}": a positive integer (a number of rows)`);
  return v;
}

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!allowed.includes(text as T)) throw new QuantizeUsageError(`bad ${flag} "${text}": one of ${allowed.join(', ')}`);
  return text as T;
}

export function parseQuantizeArgs(argv: readonly string[]): QuantizeArgs {
  const files: string[] = [];
  const args: Partial<QuantizeArgs> & { options: QuantizeOnnxOptions } = { scale: 1, options: {} };
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) {
      files.push(argv[i]);
      continue;
    }
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new QuantizeUsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--calibrate') args.calibrate = value();
    else if (flag === '--method') args.options.method = oneOf(value(), flag, CALIBRATION_METHODS);
    else if (flag === '--percentile') args.options.percentile = number(value(), flag);
    else if (flag === '--scale') args.scale = number(value(), flag);
    else if (flag === '--samples') args.samples = count(value(), flag);
    else if (flag === '--format') args.options.format = oneOf(value(), flag, ['qdq', 'qoperator'] as const);
    else if (flag === '--activations') args.options.activations = oneOf(value(), flag, ['uint8', 'int8'] as const);
    else if (flag === '--weights') args.options.weights = oneOf(value(), flag, ['per-channel', 'per-tensor'] as const);
    else throw new QuantizeUsageError(`unknown option ${flag}`);
  }
  if (files.length !== 2) throw new QuantizeUsageError('quantize needs MODEL.onnx and OUT.onnx');
  if (args.calibrate === undefined) throw new QuantizeUsageError('quantize needs --calibrate DATA.npy|DATA.idx');
  if (args.options.percentile !== undefined && args.options.method !== 'percentile') {
    throw new QuantizeUsageError('--percentile needs --method percentile (other methods do not use it)');
  }
  return { ...args, model: files[0], out: files[1] } as QuantizeArgs;
}

/** Runs the command; returns the exit code. */
export function quantizeCommand(argv: readonly string[], print: (line: string) => void = (l) => process.stdout.write(l + '\n')): number {
  const log = (line: string) => print(terminalSafe(line));
  if (argv.includes('--help') || argv.includes('-h')) {
    log(`usage:\n${QUANTIZE_USAGE}`);
    return 0;
  }
  let args: QuantizeArgs;
  try {
    args = parseQuantizeArgs(argv);
  } catch (err) {
    if (!(err instanceof QuantizeUsageError)) throw err;
    process.stderr.write(`qgemm quantize: ${terminalSafe(err.message)}\nusage:\n${QUANTIZE_USAGE}\n`);
    return 2;
  }
  if (sameFile(args.out, args.model) || sameFile(args.out, args.calibrate)) {
    process.stderr.write(`qgemm quantize: OUT.onnx (${terminalSafe(args.out)}) is ${sameFile(args.out, args.model) ? 'the float model' : 'the calibration data'}: writing it would destroy the input\n`);
    return 2;
  }
  let quantized, data, bytes;
  try {
    data = readCalibrationData(args.calibrate, args.scale, args.samples);
    quantized = quantizeStatic(loadOnnx(args.model), data, args.options);
    bytes = saveOnnx(quantized, { format: args.options.format });
    fs.writeFileSync(args.out, bytes);
  } catch (err) {
    // Coded errors (a model qgemm cannot read, a bad data file) and file-system errors are the user's to fix: no stack.
    const code = (err as { code?: string }).code;
    if (code === undefined) throw err;
    process.stderr.write(`qgemm quantize: ${terminalSafe((err as Error).message)} (${code})\n`);
    return 1;
  }
  log(`calibrated on ${data.shape[0]} rows of ${args.calibrate} (${args.options.method ?? 'minmax'})`);
  quantized.layers.forEach((l, i) => {
    if (!(l instanceof QuantizedLinear)) return;
    const { input, output } = l.options;
    const qp = (q: typeof input) => (q ? `${q.dtype} scale ${q.scale.toPrecision(6)} zero point ${q.zeroPoint}` : 'float32');
    log(`  layer ${i}: ${l.inFeatures} -> ${l.outFeatures}, input ${qp(input)}, output ${qp(output)}${l.options.relu ? ', relu' : ''}`);
  });
  log(`wrote ${args.out} (${bytes.length} bytes, ${args.options.format ?? 'qdq'}; the float model: ${fs.statSync(args.model).size} bytes)`);
  quantized.dispose();
  return 0;
}
