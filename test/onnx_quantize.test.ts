/**
 * quantizeOnnx: the PyTorch MLP quantized in Node keeps its Fashion-MNIST
 * accuracy (within 1 point of fp32, for every calibration method), through
 * the API and the `qgemm quantize` command; the .npy reader reads numpy's files
 * and refuses the others with a coded error.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadFashionMnist, type FashionMnist } from '../examples/fashion-mnist/data';
import { accuracy, CALIBRATION_METHODS, encodeNpy, loadOnnx, OnnxModel, parseNpy, QuantizedLinear, quantizeOnnx, readCalibrationData, rowsOf, type Dataset, type Tensor } from '../lib';
import { FIXTURES, fixture } from './onnx_support';

const code = (c: string) => (e: unknown) => (e as { code?: string }).code === c;
const images = (d: Dataset, rows: number): Tensor<'float32'> => ({ dtype: 'float32', shape: [rows, 1, 28, 28], data: rowsOf(d, 0, rows).data });
const testAccuracy = (m: OnnxModel, d: FashionMnist) => accuracy((x) => m.forward({ ...x, shape: [x.shape[0], 1, 28, 28] }), d.test);

describe('quantizeOnnx on the PyTorch Fashion-MNIST MLP', () => {
  let data: FashionMnist;
  let fp32: number;
  before(() => {
    data = loadFashionMnist('auto');
    fp32 = testAccuracy(loadOnnx(fixture('mlp_fashion.onnx')), data);
  });

  it('fp32 in qgemm: the accuracy torch measured (on the full test set)', (t) => {
    if (data.test.y.length !== 10000) return t.skip('the full test set (dataset-fashion-mnist) is not installed');
    const torch = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'mlp_fashion.json'), 'utf8')).torchTestAccuracy;
    assert.ok(Math.abs(fp32 - torch) <= 2e-4, `qgemm ${fp32}, torch ${torch}`);
  });

  for (const method of CALIBRATION_METHODS) {
    it(`${method}: static int8 within 1 point of fp32`, () => {
      const bytes = quantizeOnnx(fixture('mlp_fashion.onnx'), images(data.train, 1024), { method });
      const q = loadOnnx(bytes);
      assert.deepEqual(q.layers.map((l) => l.constructor.name), ['Flatten', 'QuantizedLinear', 'QuantizedLinear']);
      assert.equal((q.layers[1] as QuantizedLinear).options.activation, 'static');
      const acc = testAccuracy(q, data);
      assert.ok(Math.abs(acc - fp32) <= 0.01, `${method}: int8 ${acc}, fp32 ${fp32}`);
    });
  }

  it('refuses a model that is already quantized, and calibration data of the wrong width', () => {
    assert.throws(() => quantizeOnnx(fixture('qdq_per_tensor.onnx'), { dtype: 'float32', shape: [1, 20], data: new Float32Array(20) }), code('ERR_QGEMM_ONNX_UNSUPPORTED'));
    assert.throws(() => quantizeOnnx(fixture('mlp_fashion.onnx'), { dtype: 'float32', shape: [2, 10], data: new Float32Array(20) }), code('ERR_QGEMM_SHAPE'));
    assert.throws(() => quantizeOnnx(fixture('mlp_fashion.onnx'), images(data.train, 4), { method: 'mse' as 'minmax' }), code('ERR_QGEMM_OPTION'));
  });
});

describe('qgemm quantize (the command)', () => {
  const bin = path.join(__dirname, '..', 'bin', 'qgemm.ts');
  const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', bin, 'quantize', ...args], { encoding: 'utf8' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qgemm-quantize-'));

  it('writes a QDQ model from .npy calibration data', () => {
    const out = path.join(dir, 'q.onnx');
    const r = run(path.join(FIXTURES, 'mlp_fashion.onnx'), out, '--calibrate', path.join(FIXTURES, 'calibration_sample.npy'), '--method', 'percentile');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /calibrated on 4 rows .*percentile/);
    const q = loadOnnx(out);
    assert.ok(q.layers[1] instanceof QuantizedLinear);
  });

  it('reads IDX image files with --scale 1/255 and --samples, and writes QOperator on request', () => {
    const idx = path.join(dir, 'images.idx');
    const header = Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 28, 0, 0, 0, 28]);
    fs.writeFileSync(idx, Buffer.concat([header, Buffer.alloc(3 * 784, 200)]));
    const out = path.join(dir, 'q2.onnx');
    const r = run(path.join(FIXTURES, 'mlp_fashion.onnx'), out, '--calibrate', idx, '--scale', '1/255', '--samples', '2', '--format', 'qoperator');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /calibrated on 2 rows/);
    assert.match(r.stdout, /input uint8 scale 0\.00307/); // 200/255 is the whole range: scale (200/255) / 255
  });

  it('usage errors exit 2, bad files exit 1 with the coded message', () => {
    assert.equal(run('only-one.onnx').status, 2);
    assert.equal(run('a.onnx', 'b.onnx').status, 2); // no --calibrate
    assert.equal(run('a.onnx', 'b.onnx', '--calibrate', 'x.npy', '--method', 'mse').status, 2);
    const r = run(path.join(FIXTURES, 'unsupported_ops.onnx'), path.join(dir, 'x.onnx'), '--calibrate', path.join(FIXTURES, 'calibration_sample.npy'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /ERR_QGEMM_ONNX_UNSUPPORTED/);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/); // no stack trace
    assert.match(execFileSync(process.execPath, ['--import', 'tsx', bin, 'quantize', '--help'], { encoding: 'utf8' }), /--calibrate/);
  });
});

describe('.npy', () => {
  it("reads numpy's own file", () => {
    const a = parseNpy(fixture('calibration_sample.npy'));
    assert.equal(a.dtype, 'float32');
    assert.deepEqual(a.shape, [4, 1, 28, 28]);
    const torch = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'mlp_fashion.json'), 'utf8'));
    assert.deepEqual(Array.from(a.data), torch.input.slice(0, 4 * 784));
    const x = readCalibrationData(path.join(FIXTURES, 'calibration_sample.npy'), 2, 3);
    assert.deepEqual(x.shape, [3, 1, 28, 28]);
    assert.equal(x.data[300], Math.fround(2 * a.data[300]));
  });

  it('round-trips every dtype it writes', () => {
    for (const data of [new Float32Array([1.5, -2]), new Float64Array([3, 4]), Int8Array.of(-5, 6), Uint8Array.of(7, 8), Int32Array.of(-9, 10)]) {
      const dtype = ({ Float32Array: 'float32', Float64Array: 'float64', Int8Array: 'int8', Uint8Array: 'uint8', Int32Array: 'int32' } as const)[data.constructor.name as 'Int8Array'];
      const back = parseNpy(encodeNpy({ dtype, shape: [2, 1], data }));
      assert.deepEqual([back.dtype, back.shape, Array.from(back.data)], [dtype, [2, 1], Array.from(data)]);
    }
  });

  it('refuses other files with ERR_QGEMM_FILE_FORMAT', () => {
    const good = encodeNpy({ dtype: 'float32', shape: [2], data: new Float32Array(2) });
    const text = new TextDecoder('latin1').decode(good);
    const variant = (from: string, to: string) => Uint8Array.from(text.replace(from, to), (c) => c.charCodeAt(0));
    for (const bad of [new Uint8Array(3), good.subarray(0, good.length - 1), variant("'<f4'", "'>f4'"), variant('False', 'True '), variant("'<f4'", "'<c8'"), variant('(2,)', '(-2,)'), Uint8Array.from([...good.subarray(0, 8), 0xff, 0xff])]) {
      assert.throws(() => parseNpy(bad), code('ERR_QGEMM_FILE_FORMAT'));
    }
    assert.throws(() => readCalibrationData(path.join(FIXTURES, 'mlp_fashion.json')), code('ERR_QGEMM_FILE_FORMAT'));
  });
});
