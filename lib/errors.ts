/**
 * Errors thrown by qgemm. Every error has a stable `code` (ERR_QGEMM_*) and a
 * message naming the argument at fault; the class says what kind of mistake
 * it was (TypeError: wrong kind of value, RangeError: right kind, bad value).
 */

export type ErrorCode =
  | 'ERR_QGEMM_ARG_TYPE' // not a tensor, not a number, ...
  | 'ERR_QGEMM_DTYPE' // a tensor of the wrong element type
  | 'ERR_QGEMM_SHAPE' // bad dimensions, or shapes that do not fit together
  | 'ERR_QGEMM_DATA_LENGTH' // data length does not match the shape
  | 'ERR_QGEMM_DETACHED' // the tensor's ArrayBuffer was detached or transferred
  | 'ERR_QGEMM_OUT' // an `out` tensor of the wrong dtype or shape, or overlapping an input
  | 'ERR_QGEMM_TOO_LARGE' // sizes whose element or byte count overflows
  | 'ERR_QGEMM_OPTION' // an unknown or invalid option
  | 'ERR_QGEMM_BACKEND_UNAVAILABLE' // a backend this build or CPU does not have
  | 'ERR_QGEMM_INEXACT_BACKEND' // a backend that would give wrong integer results here
  | 'ERR_QGEMM_DISPOSED' // a PackedWeights used after dispose()
  | 'ERR_QGEMM_LOAD' // the native addon could not be loaded (the message says how to build it)
  | 'ERR_QGEMM_NATIVE' // the native core refused a call (a bug if you see it)
  | 'ERR_QGEMM_SCALE' // a quantization scale that is <= 0, NaN or infinite
  | 'ERR_QGEMM_ZERO_POINT' // a zero point that is not an integer of the quantized dtype
  | 'ERR_QGEMM_AXIS' // an axis outside [-rank, rank), or per-axis lengths that do not match
  | 'ERR_QGEMM_EMPTY' // an empty tensor where values are needed (observe, dynamic quantization)
  | 'ERR_QGEMM_NOT_OBSERVED' // calculateQParams() before any observe()
  | 'ERR_QGEMM_NOT_FINITE' // a NaN or infinite value where a finite range is needed
  | 'ERR_QGEMM_MIN_MAX' // a range whose min is above its max
  | 'ERR_QGEMM_INDEX' // an embedding id outside its table, or offsets that do not split the ids into bags
  | 'ERR_QGEMM_ONNX_DECODE' // bytes that are not an ONNX ModelProto (truncated, wrong wire types)
  | 'ERR_QGEMM_ONNX_INVALID' // an ONNX model that breaks ONNX's rules (missing names, data not matching dims, shapes that do not fit)
  | 'ERR_QGEMM_ONNX_UNSUPPORTED' // valid ONNX that qgemm cannot run or write (the message lists every op at fault)
  | 'ERR_QGEMM_ONNX_EXTERNAL_DATA' // a tensor stored outside the model file
  | 'ERR_QGEMM_FILE_FORMAT' // a data file (.npy, IDX) that cannot be read
  // Added for issue 25 (kept together so that merges stay easy):
  | 'ERR_QGEMM_OUT_OF_BOUNDS' // the addon called directly with a buffer too small for its sizes
  | 'ERR_QGEMM_INVALID' // the addon called directly with inconsistent sizes
  | 'ERR_QGEMM_OUT_OF_MEMORY' // a result or work buffer that could not be allocated
  | 'ERR_QGEMM_UNSUPPORTED' // the native core cannot do this operation in this build
  | 'ERR_QGEMM_BACKEND' // a backend failed in a way it does not describe (a bug if you see it)
  | 'ERR_QGEMM_LABEL' // a training label that is not an integer in [0, classes)
  | 'ERR_QGEMM_NO_FORWARD' // backward() without a training forward() before it
  | 'ERR_QGEMM_FUSED_STEP' // a fused optimizer's parameter stepped twice without step() between
  | 'ABORT_ERR' // an operation stopped by its AbortSignal (an AbortError, as Node's own)
  // issue 24 (hardening):
  | 'ERR_QGEMM_ONNX_LIMIT'; // an ONNX model past one of loadOnnx's documented limits (nodes, elements, inflation)

export interface QgemmError extends Error {
  readonly code: ErrorCode;
}

function withCode<E extends Error>(error: E, code: ErrorCode): E & QgemmError {
  Object.defineProperty(error, 'code', { value: code, enumerable: true });
  return error as E & QgemmError;
}

export function typeError(code: ErrorCode, message: string): TypeError & QgemmError {
  return withCode(new TypeError(message), code);
}

export function rangeError(code: ErrorCode, message: string): RangeError & QgemmError {
  return withCode(new RangeError(message), code);
}

export function stateError(code: ErrorCode, message: string): Error & QgemmError {
  return withCode(new Error(message), code);
}

/**
 * What an aborted job rejects with, as Node's own APIs do (fs, timers/promises):
 * name 'AbortError', code 'ABORT_ERR', the signal's reason as `cause`.
 */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR' as const;

  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** Any value as text for an error message, without throwing (Symbols, null-prototype objects). */
export function show(value: unknown): string {
  try {
    return typeof value === 'symbol' ? value.toString() : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
