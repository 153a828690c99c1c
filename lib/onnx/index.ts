/** ONNX in and out: loadOnnx, saveOnnx, quantizeOnnx. See docs/ONNX.md. */
export { loadOnnx, type LoadOnnxOptions } from './load';
export { ONNX_LIMITS, type OnnxLimits } from './limits';
export { saveOnnx } from './export';
export type { SaveOnnxOptions, SaveableModel } from './export';
export { OnnxModel } from './model';
export type { OnnxLayer, OnnxDim, OnnxModelInfo } from './model';
export { Flatten, Transpose, Quantize, Dequantize } from './layers';
export type { QParamsSpec } from './layers';
export { quantizeOnnx, quantizeStatic, readCalibrationData, CALIBRATION_METHODS } from './quantize';
export type { QuantizeOnnxOptions, CalibrationMethod } from './quantize';
export { parseNpy, encodeNpy } from './npy';
export type { NpyArray } from './npy';
