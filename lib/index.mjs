// The ESM entry point. It re-exports the CommonJS build, so ESM and CJS users
// share one module instance: the native addon (its thread pool, compute queue
// and ISA cap) is loaded once per process whichever way qgemm is imported.
// The names are listed (not `export *`), so that ESM sees no `__esModule` and
// gets a default export; test/package.test.ts checks the list against the build.
import qgemm from '../dist/lib/index.js';

export default qgemm;
export const {
  ADAM8BIT_BLOCK, ADAM8BIT_STATE_CODES, Adam, Adam8bit, AdamBase, CALIBRATION_METHODS, DTYPES, Dequantize, Flatten,
  HistogramObserver, ISAS, Int8Linear, Linear, MinMaxObserver, MovingAverageMinMaxObserver,
  MovingAveragePerChannelMinMaxObserver, ONNX_LIMITS, OnnxModel, PackedWeights,
  PerChannelMinMaxObserver, ProgressBar, QATLinear, Quantize, QuantizedLinear, ReLU, Rng,
  RowwiseAdagrad, SGD, Sequential, SparseAdam, TABLE_FORMATS, Transpose, accuracy, addBias,
  argmaxRows, bagCount, calculateQParams, calculateQParamsPerChannel, calibrate, checkTable,
  checkTensor, codebookDequantize, codebookQuantize, columnSums, cosineSimilarity, datasetSize,
  dequantizeLinear, dequantizeTable, distinctBytes, dotInteraction, dotInteractionBackward, dynamicQuantizeLinear, embeddingBag,
  embeddingBagBackward, embeddingTable, encodeIdx, encodeNpy, epochSteps, fakeQuantize,
  fakeQuantizeBackward, fakeQuantizeRows, gatherBatch, info, interactionWidth, kaimingUniform, kmeansQuantize,
  linearBiasUniform, listProbes, loadOnnx, logCodebook, logQuantize, lsqBackward, matmul,
  matmulAsync, matmulInteger, maxAbsError, meanAbsError, measureProbe, measureRandomRowBandwidth, measureReadBandwidth, mse,
  packWeights, packWeightsAsync, parseIdx, parseNpy, qlinearMatmul, quantizeColumnBlocks,
  quantizeColumns, quantizeDynamic, quantizeLinear, quantizeOnnx, quantizeRows, quantizeRowsColumns,
  quantizeStatic, quantizeTable, quantizeWeights, quantizedMatmul, readCalibrationData, readIdx,
  roundHalfEven, rowBlocks, rowBytes, rowsOf, saveOnnx, setMaxIsa, setNumThreads,
  softmaxCrossEntropy, sqnr, tableBytes, tensor, trainEpoch, zeros, zerosTable,
} = qgemm;
