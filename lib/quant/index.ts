/** The quantization toolkit: ONNX operators, PyTorch-style observers, calibration, metrics. */
export { roundHalfEven } from './round';
export type { QDType } from './round';
export { quantizeLinear, dequantizeLinear, dynamicQuantizeLinear } from './onnx';
export type { QuantizeLinearOptions, DequantizeLinearOptions, DynamicQuantizeLinearOptions, DynamicQuantized, QuantizedInput } from './onnx';
export type { ScaleArg, ZeroPointArg } from './params';
export type { FloatInput } from './input';
export { calculateQParams, calculateQParamsPerChannel } from './qparams';
export type { QScheme, QParamsOptions, QParams, PerChannelQParams } from './qparams';
export {
  MinMaxObserver,
  MovingAverageMinMaxObserver,
  PerChannelMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver,
} from './observers';
export type { Observer, MinMaxObserverOptions, MovingAverageOptions, PerChannelOptions } from './observers';
export { HistogramObserver } from './histogram';
export type { HistogramObserverOptions, HistogramMethod } from './histogram';
export { calibrate } from './calibrate';
export type { CalibrationModel, CalibrateOptions, CalibrationProgress, CalibrationResult, ObserveFn } from './calibrate';
export { sqnr, mse, meanAbsError, maxAbsError, cosineSimilarity } from './metrics';
export type { MetricInput } from './metrics';
export { codebookQuantize, codebookDequantize, logCodebook, logQuantize, kmeansQuantize } from './nonuniform';
export type { CodebookQuantized, LogQuantizeOptions, KMeansOptions } from './nonuniform';
export { fakeQuantize, fakeQuantizeBackward, lsqBackward } from './fake_quantize';
export type { Rounding } from './fake_quantize';
