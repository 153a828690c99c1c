/**
 * Every option and positional argument past matmul is checked as matmul's are
 * (issue 25): each case here was silently misread, ignored or an uncoded error
 * before lib/options.ts.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  Adam, Adam8bit, HistogramObserver, Int8Linear, Linear, loadOnnx, MinMaxObserver, MovingAverageMinMaxObserver,
  PerChannelMinMaxObserver, QATLinear, QuantizedLinear, quantizeOnnx, readIdx, ReLU, Rng, saveOnnx, Sequential, SGD,
  softmaxCrossEntropy, tensor, trainEpoch, epochSteps, type Dataset, matmul, packWeights, quantizeLinear, kmeansQuantize,
} from '../lib';
import { suggest } from '../lib/options';
import { parseQuantizeArgs } from '../bin/quantize';

type Coded = Error & { code?: string };
/** assert.throws matcher: the class, the code, and a message matching `re`. */
const err = (kind: typeof TypeError | typeof RangeError | typeof Error, code: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof kind, `${(e as Error)?.name}: ${(e as Error)?.message}`);
  assert.equal((e as Coded).code, code, (e as Error).message);
  if (re) assert.match((e as Error).message, re);
  return true;
};
const W = tensor(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), [3, 4]);

describe('the option checker', () => {
  it('suggests near misses: case, - vs _, typos', () => {
    assert.equal(suggest('per_channel', ['per-channel', 'per-tensor']), 'per-channel');
    assert.equal(suggest('activations', ['activation', 'relu']), 'activation');
    assert.equal(suggest('weigthGrad', ['weightGrad', 'block']), 'weightGrad');
    assert.equal(suggest('zzz', ['lr', 'beta1']), undefined);
  });
});

describe('core and quantization functions suggest the option meant', () => {
  it('matmul, packWeights, quantizeLinear, kmeansQuantize', () => {
    const a = tensor(new Int8Array(4), [2, 2]);
    assert.throws(() => matmul(a, a, { transB: true } as never), err(TypeError, 'ERR_QGEMM_OPTION', /unknown option transB \(did you mean transposeB\?\)/));
    assert.throws(() => packWeights(a, { transposed: true } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean transpose\?/));
    assert.throws(() => quantizeLinear(new Float32Array(4), 0.1, 0, { axes: 0 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean axis\?/));
    assert.throws(() => kmeansQuantize(new Float32Array(4), { k: 4 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /known options: clusters/));
  });
});

describe('QuantizedLinear options', () => {
  it("refuses weights: 'per_channel' (it gave per-tensor weights) with a did-you-mean", () => {
    assert.throws(() => new QuantizedLinear(W, undefined, { weights: 'per_channel' as never }), err(RangeError, 'ERR_QGEMM_OPTION', /did you mean per-channel/));
  });
  it('refuses unknown keys, listing the known ones', () => {
    assert.throws(() => new QuantizedLinear(W, undefined, { perChannel: true } as never), err(TypeError, 'ERR_QGEMM_OPTION', /unknown option perChannel \(did you mean weights: 'per-channel'\?\); known options: activation, perRow/));
    assert.throws(() => new QuantizedLinear(W, undefined, { activations: 'static' } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean activation\?/));
  });
  it("refuses relu: 'yes' and a non-boolean perRow", () => {
    assert.throws(() => new QuantizedLinear(W, undefined, { relu: 'yes' as never }), err(TypeError, 'ERR_QGEMM_OPTION', /options.relu must be true or false/));
    assert.throws(() => new QuantizedLinear(W, undefined, { perRow: 0 as never }), err(TypeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new QuantizedLinear(W, undefined, { input: { scale: 1, zero_point: 0 } as never, activation: 'static' }), err(TypeError, 'ERR_QGEMM_OPTION', /zero_point \(did you mean zeroPoint\?\)/));
  });
  it('still builds what it did', () => {
    using l = new QuantizedLinear(W, undefined, { weights: 'per-tensor', relu: true });
    assert.equal(l.weightScales.length, 1);
    assert.equal(l.options.relu, true);
  });
});

describe('training layers: positional arguments and options', () => {
  const rng = new Rng(1);
  it('refuses an options object where the name goes (it named a parameter "[object Object].weight")', () => {
    assert.throws(() => new Int8Linear(8, 3, rng, { weightGrad: 'int8' } as never), err(TypeError, 'ERR_QGEMM_ARG_TYPE', /name must be a string, got an object; options go after the name/));
  });
  it('refuses a missing rng and non-integer sizes (Linear(2.5, 16) built 40 weights)', () => {
    assert.throws(() => new (Linear as unknown as new (a: number, b: number) => Linear)(20, 16), err(TypeError, 'ERR_QGEMM_ARG_TYPE', /rng must be an Rng/));
    assert.throws(() => new Linear(2.5, 16, rng), err(RangeError, 'ERR_QGEMM_SHAPE', /inFeatures must be an integer >= 1, got 2.5/));
    assert.throws(() => new Linear(4, 0, rng), err(RangeError, 'ERR_QGEMM_SHAPE'));
    assert.throws(() => new Linear('4' as never, 2, rng), err(TypeError, 'ERR_QGEMM_ARG_TYPE'));
  });
  it('refuses unknown and bad options of each layer', () => {
    assert.throws(() => new Int8Linear(4, 2, rng, 'l', { weight_grad: 'int8' } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean weightGrad/));
    assert.throws(() => new Int8Linear(4, 2, rng, 'l', { weightGrad: 'fp32' as never }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new Int8Linear(4, 2, rng, 'l', { block: 2.5 }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new QATLinear(4, 2, rng, 'q', { weightGrad: 'int8' } as never), err(TypeError, 'ERR_QGEMM_OPTION', /new QATLinear: unknown option weightGrad/));
    assert.throws(() => new QATLinear(4, 2, rng, 'q', { observer: {} as never }), err(TypeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new Linear(4, 2, rng, 'f', { savedActivations: 'int4' as never }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new ReLU({ savedActivation: 'int8' } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean savedActivations/));
    assert.throws(() => new Sequential([{}] as never), err(TypeError, 'ERR_QGEMM_ARG_TYPE'));
  });
  it('toQuantized: QATLinear takes options, Int8Linear a boolean; the other form is refused', () => {
    const q = new QATLinear(4, 2, rng);
    q.forward(tensor(new Float32Array(8).fill(0.5), [2, 4]), true);
    assert.throws(() => q.toQuantized(true as never), err(TypeError, 'ERR_QGEMM_OPTION', /options must be an object, got true/));
    assert.throws(() => q.toQuantized({ relu: 1 as never }), err(TypeError, 'ERR_QGEMM_OPTION'));
    using ok = q.toQuantized({ relu: true });
    assert.equal(ok.options.relu, true);
    const i8 = new Int8Linear(4, 2, rng);
    assert.throws(() => i8.toQuantized({ relu: true } as never), err(TypeError, 'ERR_QGEMM_OPTION', /relu must be true or false/));
  });
});

describe('optimizers', () => {
  const params = new Linear(4, 2, new Rng(2)).params();
  it('refuses NaN and out-of-range hyperparameters (lr NaN trained to chance)', () => {
    assert.throws(() => new Adam(params, { lr: NaN }), err(RangeError, 'ERR_QGEMM_OPTION', /options.lr must be a finite number >= 0, got NaN/));
    assert.throws(() => new Adam(params, { beta2: 1 }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new Adam8bit(params, { minBlockwiseSize: -1 }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new SGD(params, { lr: Infinity }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => new SGD(params, {} as never), err(TypeError, 'ERR_QGEMM_OPTION', /lr is required/));
  });
  it("refuses other libraries' names with what to write, and options not implemented", () => {
    assert.throws(() => new Adam(params, { learningRate: 0.1 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean lr\?/));
    assert.throws(() => new Adam(params, { betas: [0.9, 0.99] } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean beta1 and beta2\?/));
    assert.throws(() => new Adam8bit(params, { minBlockSize: 1 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /minBlockwiseSize/));
    assert.throws(() => new SGD(params, { lr: 0.1, nesterov: true } as never), err(TypeError, 'ERR_QGEMM_OPTION', /Nesterov momentum is not implemented/));
  });
  it('refuses a model where its params go', () => {
    assert.throws(() => new Adam(new Sequential([]) as never), err(TypeError, 'ERR_QGEMM_ARG_TYPE', /model.params\(\)/));
  });
});

describe('training API errors are coded', () => {
  const rng = new Rng(3);
  const model = () => new Sequential([new Linear(4, 3, new Rng(4)), new ReLU(), new Linear(3, 2, new Rng(5))]);
  const data: Dataset = { x: new Float32Array(4 * 8).fill(0.25), y: new Int32Array(8), features: 4 };
  const opt = (m: Sequential) => new Adam(m.params());
  it('an out-of-range label: ERR_QGEMM_LABEL', () => {
    const logits = tensor(new Float32Array(4), [2, 2]);
    assert.throws(() => softmaxCrossEntropy(logits, [0, 2]), err(RangeError, 'ERR_QGEMM_LABEL', /label 2 \(row 1\)/));
    const m = model();
    assert.throws(() => trainEpoch(m, { ...data, y: new Int32Array(8).fill(7) }, opt(m), { batchSize: 4, rng }), err(RangeError, 'ERR_QGEMM_LABEL'));
  });
  it('backward before forward: ERR_QGEMM_NO_FORWARD for every layer', () => {
    const dy = tensor(new Float32Array(2), [1, 2]);
    for (const layer of [new Linear(3, 2, rng), new Int8Linear(3, 2, rng), new QATLinear(3, 2, rng)]) {
      assert.throws(() => layer.backward(dy, true), err(Error, 'ERR_QGEMM_NO_FORWARD', /needs a training forward first/));
    }
    assert.throws(() => new ReLU().backward(dy), err(Error, 'ERR_QGEMM_NO_FORWARD'));
  });
  it('readIdx on a file that is not IDX: ERR_QGEMM_FILE_FORMAT', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-idx-')), 'not.idx');
    fs.writeFileSync(file, 'hello world');
    assert.throws(() => readIdx(file), err(RangeError, 'ERR_QGEMM_FILE_FORMAT', /not an IDX file/));
  });
  it('tensors where the data set takes arrays, and y shorter than x (trained on 3 of 64 batches)', () => {
    const m = model();
    const x = tensor(data.x as Float32Array, [8, 4]);
    assert.throws(() => trainEpoch(m, { x, y: data.y, features: 4 } as never, opt(m), { batchSize: 4, rng }), err(TypeError, 'ERR_QGEMM_ARG_TYPE', /a tensor's .data/));
    assert.throws(() => trainEpoch(m, { ...data, y: new Int32Array(3) }, opt(m), { batchSize: 4, rng }), err(RangeError, 'ERR_QGEMM_DATA_LENGTH', /8 rows of 4 values, data.y 3 labels/));
  });
  it('batchSize 0 (looped forever), -1 and 0.5 refused at the call, by trainEpoch and epochSteps', () => {
    const m = model();
    for (const batchSize of [0, -1, 0.5, NaN]) {
      assert.throws(() => trainEpoch(m, data, opt(m), { batchSize, rng }), err(RangeError, 'ERR_QGEMM_OPTION', /batchSize must be an integer >= 1/));
      assert.throws(() => epochSteps(m, data, opt(m), { batchSize, rng }), err(RangeError, 'ERR_QGEMM_OPTION', /batchSize must be an integer >= 1/));
    }
    assert.throws(() => trainEpoch(m, data, opt(m), { batch_size: 4, rng } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean batchSize/));
    assert.ok(Number.isFinite(trainEpoch(m, data, opt(m), { batchSize: 3, rng })));
  });
});

describe('ONNX options and inputs', () => {
  const rng = new Rng(6);
  const fp32 = saveOnnx([new Linear(4, 3, rng), new ReLU(), new Linear(3, 2, rng)]);
  const calib = tensor(Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)), [8, 4]);
  it('quantizeOnnx refuses unknown options and a percentile without its method', () => {
    assert.throws(() => quantizeOnnx(fp32, calib, { calibrationMethod: 'entropy' } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean method\?/));
    assert.throws(() => quantizeOnnx(fp32, calib, { percentile: 99 }), err(TypeError, 'ERR_QGEMM_OPTION', /method 'percentile' only/));
    assert.throws(() => quantizeOnnx(fp32, calib, { method: 'percentile', percentile: 0 }), err(RangeError, 'ERR_QGEMM_OPTION'));
    assert.throws(() => quantizeOnnx(fp32, calib, { weights: 'per_channel' as never }), err(RangeError, 'ERR_QGEMM_OPTION', /did you mean per-channel/));
    assert.throws(() => quantizeOnnx(fp32, calib, { format: 'QDQ' as never }), err(RangeError, 'ERR_QGEMM_OPTION', /did you mean qdq/));
  });
  it('saveOnnx refuses opset (it always wrote 13) and bad names', () => {
    assert.throws(() => saveOnnx([new Linear(4, 3, rng)], { opset: 17 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /opset 13/));
    assert.throws(() => saveOnnx([new Linear(4, 3, rng)], { inputName: 3 as never }), err(TypeError, 'ERR_QGEMM_OPTION'));
  });
  it('a uint8 tensor fed to a model whose input is float32 is refused (it was read as quantized codes)', () => {
    using int8 = loadOnnx(quantizeOnnx(fp32, calib));
    const codes = tensor(new Uint8Array(8).fill(200), [2, 4]);
    assert.throws(() => int8.forward(codes), err(TypeError, 'ERR_QGEMM_DTYPE', /model's input "input" is float32\), got uint8/));
    assert.equal(int8.inputDtype, 'float32');
    assert.equal(int8.forward(tensor(new Float32Array(8).fill(200), [2, 4])).dtype, 'float32');
  });
});

describe('observer options', () => {
  it('unknown keys per class, booleans, did-you-mean', () => {
    assert.throws(() => new MinMaxObserver({ averagingConstant: 0.1 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /new MinMaxObserver: unknown option averagingConstant/));
    assert.doesNotThrow(() => new MovingAverageMinMaxObserver({ averagingConstant: 0.1 }));
    assert.throws(() => new HistogramObserver({ bin: 64 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean bins\?/));
    assert.throws(() => new PerChannelMinMaxObserver({ ch_axis: 1 } as never), err(TypeError, 'ERR_QGEMM_OPTION', /did you mean chAxis\?/));
    assert.throws(() => new MinMaxObserver({ symmetric: 'yes' as never }), err(TypeError, 'ERR_QGEMM_OPTION'));
  });
});

describe('qgemm quantize arguments', () => {
  const base = ['m.onnx', 'o.onnx', '--calibrate', 'd.npy'];
  it('--samples takes positive integers only, with the right message', () => {
    for (const bad of ['1/2', '2.5', '-3', '0', 'x']) {
      assert.throws(() => parseQuantizeArgs([...base, '--samples', bad]), /bad --samples ".*": a positive integer \(a number of rows\)/);
    }
    assert.equal(parseQuantizeArgs([...base, '--samples', '1024']).samples, 1024);
  });
  it('--percentile needs --method percentile', () => {
    assert.throws(() => parseQuantizeArgs([...base, '--percentile', '99']), /--percentile needs --method percentile/);
    assert.equal(parseQuantizeArgs([...base, '--method', 'percentile', '--percentile', '99']).options.percentile, 99);
  });
});
