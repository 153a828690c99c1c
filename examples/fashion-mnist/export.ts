/**
 * `--export DIR` for the Fashion-MNIST demo: every model it trains or
 * converts (the fp32 Sequential, the QuantizedLinear chains) written as ONNX,
 * one file per model, that onnxruntime-node runs (see docs/ONNX.md).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveOnnx, type SaveableModel, type SaveOnnxOptions } from '../../lib';

/** A file name from a model's label: "PTQ min-max (static)" -> "ptq-min-max-static.onnx". */
export function onnxFileName(label: string): string {
  return `${label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'model'}.onnx`;
}

/** Writes each model to DIR/<label>.onnx (784 inputs, a symbolic batch); returns the paths written. */
export function exportModels(models: Record<string, SaveableModel>, dir: string, options: SaveOnnxOptions = {}): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Object.entries(models).map(([label, model]) => {
    const file = path.join(dir, onnxFileName(label));
    fs.writeFileSync(file, saveOnnx(model, { inputDims: [784], ...options }));
    return file;
  });
}
