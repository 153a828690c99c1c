/**
 * qgemm: exact, fast CPU INT8 matrix multiplication for Node.js.
 */
export { matmul } from './matmul';
export type { Backend, MatmulOptions } from './matmul';
export { packWeights, PackedWeights } from './packed';
export type { PackOptions } from './packed';
export { tensor, zeros, checkTensor, DTYPES } from './tensor';
export type { DType, Tensor, DataTypeMap, TypedData } from './tensor';
export { info, setNumThreads, setMaxIsa, ISAS } from './info';
export type { Info, Isa, KernelStatus } from './info';
export { listProbes, measureProbe, measureRandomRowBandwidth, measureReadBandwidth } from './probes';
export type { ProbeInfo } from './probes';
export type { ErrorCode, QgemmError } from './errors';
export { matmulAsync, packWeightsAsync } from './async';
export type { AsyncOptions } from './async';
export * from './quant';
export { quantizedMatmul } from './qmatmul';
export { matmulInteger, qlinearMatmul } from './onnx_matmul';
export type { ParamArg } from './onnx_matmul';
export type { QuantizedMatmulOptions, Int8OutputType } from './qmatmul';
export { QuantizedLinear, quantizeDynamic, quantizeWeights } from './layers/quantized_linear';
export type { QuantizedLinearOptions, QParamsLike, LinearWeights } from './layers/quantized_linear';
export { fakeQuantize, fakeQuantizeBackward, lsqBackward } from './quant/fake_quantize';
export type { FakeQuantizeParams, FakeQuantized, LsqGradients, Rounding } from './quant/fake_quantize';
export * from './train';
export * from './embedding';
export * from './onnx';
