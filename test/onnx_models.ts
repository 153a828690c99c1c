/**
 * The models the ONNX export tests and scripts/onnx_ort_table.ts save and
 * run: the PyTorch Fashion-MNIST MLP as loaded (fp32), and the int8 models
 * qgemm makes from it (static chains with int8 between and after the layers,
 * dynamic per row and per batch, static without bias).
 */
import * as path from 'node:path';
import { loadFashionMnist } from '../examples/fashion-mnist/data';
import { HistogramObserver, loadOnnx, OnnxModel, QuantizedLinear, quantizeStatic, rowsOf, type Dataset, type Tensor } from '../lib';
import { FIXTURES } from './onnx_support';

export interface ExportCase {
  name: string;
  model: OnnxModel;
  format?: 'qdq' | 'qoperator';
  /** What onnxruntime must match: 'float' within float rounding, 'steps' in quantization steps of the int8 output. */
  compare: 'float' | 'steps';
}

export function exportCases(): { cases: ExportCase[]; test: Tensor<'float32'> } {
  const data = loadFashionMnist('auto');
  const rows = (d: Dataset, n: number): Tensor<'float32'> => ({ dtype: 'float32', shape: [n, 1, 28, 28], data: rowsOf(d, 0, n).data });
  const calibration = rows(data.train, 1024);
  const fp32 = loadOnnx(path.join(FIXTURES, 'mlp_fashion.onnx'));
  const ptq = quantizeStatic(fp32, calibration, { method: 'minmax' });
  // The logits quantized too, so the whole chain is int8 out: calibrated on the fp32 logits.
  const logits = new HistogramObserver();
  logits.observe(fp32.forward(calibration) as Tensor<'float32'>);
  const [flatten, l1, l2] = ptq.layers as [OnnxModel['layers'][number], QuantizedLinear, QuantizedLinear];
  const int8Out = new QuantizedLinear({ q: l2.weightInt8, scales: l2.weightScales }, l2.bias, { ...l2.options, output: { ...logits.calculateQParams(), dtype: 'uint8' } });
  const staticChain = new OnnxModel([flatten, l1, int8Out], fp32);
  const noBias = new OnnxModel([flatten, ...[l1, int8Out].map((l) => new QuantizedLinear({ q: l.weightInt8, scales: l.weightScales }, undefined, l.options))], fp32);
  const linears = fp32.layers.filter((l): l is import('../lib').Linear => 'weightTensor' in l);
  const dynamic = (perRow: boolean) => new OnnxModel([flatten, new QuantizedLinear(linears[0].weightTensor(), linears[0].bias.data, { perRow, relu: true }), new QuantizedLinear(linears[1].weightTensor(), linears[1].bias.data, { perRow })], fp32);
  const cases: ExportCase[] = [
    { name: 'fp32 (as loaded from PyTorch)', model: fp32, compare: 'float' },
    { name: 'static int8, QDQ', model: staticChain, format: 'qdq', compare: 'steps' },
    { name: 'static int8, QOperator (MatMulInteger + scale + bias)', model: staticChain, format: 'qoperator', compare: 'steps' },
    { name: 'static int8 without bias, QOperator (QLinearMatMul)', model: noBias, format: 'qoperator', compare: 'steps' },
    { name: 'static int8 without bias, QDQ', model: noBias, format: 'qdq', compare: 'steps' },
    { name: 'dynamic per row (qgemm function)', model: dynamic(true), compare: 'float' },
    { name: 'dynamic per batch (DynamicQuantizeLinear + MatMulInteger)', model: dynamic(false), compare: 'float' },
  ];
  return { cases, test: rows(data.test, 2000) };
}
