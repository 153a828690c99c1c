/** ONNX in and out: loadOnnx, saveOnnx, quantizeOnnx. See docs/ONNX.md. */
export { loadOnnx } from './load';
export { saveOnnx } from './export';
export type { SaveOnnxOptions, SaveableModel } from './export';
export { OnnxModel } from './model';
export type { OnnxLayer, OnnxDim, OnnxModelInfo } from './model';
export { Flatten, Transpose, Quantize, Dequantize } from './layers';
export type { QParamsSpec } from './layers';
