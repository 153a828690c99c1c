/**
 * PyTorch -> ONNX -> qgemm PTQ -> ONNX -> onnxruntime-node, on Fashion-MNIST.
 *   1. a PyTorch MLP exported with torch.onnx.export (test/fixtures/onnx/mlp_fashion.onnx,
 *      made by scripts/make_onnx_fixtures.py; or --model FILE);
 *   2. loaded into qgemm (loadOnnx) and quantized in Node (quantizeOnnx: static int8,
 *      calibrated on training images, one file per calibration method);
 *   3. each int8 model run by qgemm and by onnxruntime-node (graph optimizations off and on).
 *   node --import tsx examples/onnx/main.ts [--model FILE] [--out DIR] [--calibration N] [--format qdq|qoperator] [--data auto|system|subset]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { accuracy, CALIBRATION_METHODS, info, loadOnnx, quantizeOnnx, rowsOf, type OnnxModel, type Tensor } from '../../lib';
import { loadFashionMnist } from '../fashion-mnist/data';

function parseArgs(argv: string[]) {
  const args = { model: path.join(__dirname, '..', '..', 'test', 'fixtures', 'onnx', 'mlp_fashion.onnx'), out: path.join(os.tmpdir(), 'qgemm-onnx-example'), calibration: 1024, format: 'qdq' as 'qdq' | 'qoperator', data: 'auto' as 'auto' | 'system' | 'subset' };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split('=');
    const value = () => inline ?? argv[++i];
    if (key === '--model') args.model = value();
    else if (key === '--out') args.out = value();
    else if (key === '--calibration') args.calibration = Number(value());
    else if (key === '--format') args.format = value() as 'qdq' | 'qoperator';
    else if (key === '--data') args.data = value() as 'auto' | 'system' | 'subset';
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

type Ort = typeof import('onnxruntime-node');
function loadOrt(): Ort | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('onnxruntime-node') as Ort;
  } catch {
    return null;
  }
}

const args = parseArgs(process.argv.slice(2));
const data = loadFashionMnist(args.data);
const ort = loadOrt();
fs.mkdirSync(args.out, { recursive: true });

/** Test images in the model's input shape ([batch, 1, 28, 28] for the PyTorch MLP). */
function inputOf(model: OnnxModel, x: Tensor<'float32'>): Tensor<'float32'> {
  return { ...x, shape: [x.shape[0], ...(model.inputShape.slice(1) as number[])] };
}

async function ortAccuracy(bytes: Uint8Array, model: OnnxModel, optimized: boolean): Promise<number | undefined> {
  if (ort === null) return undefined;
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: optimized ? 'all' : 'disabled' });
  const n = data.test.y.length, batch = 1000;
  let correct = 0;
  for (let from = 0; from < n; from += batch) {
    const rows = Math.min(batch, n - from);
    const x = inputOf(model, rowsOf(data.test, from, from + rows));
    const out = (await session.run({ [model.inputName]: new ort.Tensor('float32', x.data, [...x.shape]) }))[model.outputName].data as Float32Array;
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let c = 1; c < 10; c++) if (out[r * 10 + c] > out[r * 10 + best]) best = c;
      if (best === data.test.y[from + r]) correct++;
    }
  }
  await session.release();
  return correct / n;
}

async function main(): Promise<void> {
  const pct = (a: number | undefined) => (a === undefined ? 'n/a' : (100 * a).toFixed(2));
  const rows: string[] = [];
  const row = async (name: string, file: string, bytes: Uint8Array) => {
    const model = loadOnnx(bytes);
    const ours = accuracy((x) => model.forward(inputOf(model, x)), data.test);
    rows.push(`| ${name} | ${path.basename(file)} | ${(bytes.length / 1024).toFixed(0)} KB | ${pct(ours)} | ${pct(await ortAccuracy(bytes, model, false))} | ${pct(await ortAccuracy(bytes, model, true))} |`);
    model.dispose();
  };
  const floatBytes = new Uint8Array(fs.readFileSync(args.model));
  await row('fp32 (PyTorch export)', args.model, floatBytes);
  const float = loadOnnx(floatBytes);
  const calibration = inputOf(float, rowsOf(data.train, 0, args.calibration));
  for (const method of CALIBRATION_METHODS) {
    const bytes = quantizeOnnx(float, calibration, { method, format: args.format });
    const file = path.join(args.out, `mlp_int8_${method}.onnx`);
    fs.writeFileSync(file, bytes);
    await row(`int8 static, ${method} (qgemm PTQ)`, file, bytes);
  }
  const machine = info();
  console.log(`Fashion-MNIST test set: ${data.test.y.length} images from ${data.source}; calibration: ${args.calibration} training images; ${args.format.toUpperCase()} files in ${args.out}`);
  console.log(`qgemm ${machine.version} (${machine.kernels.int8} kernels), onnxruntime-node ${ort === null ? 'not installed' : (require('onnxruntime-node/package.json') as { version: string }).version}`);
  console.log('| model | file | size | qgemm acc % | ORT acc % (optimizations off) | ORT acc % (all optimizations) |');
  console.log('|---|---|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
