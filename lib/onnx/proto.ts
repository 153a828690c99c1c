/**
 * ONNX protobuf in and out, through the onnx-proto package (ONNX's onnx.proto
 * compiled by protobufjs): decoding never trusts the bytes, and every failure
 * is a coded error.
 */
// onnx-proto's types name `Long` as a global (@types/long, a dependency of its
// protobufjs 6): referenced here so they resolve whatever a user's tsconfig `types` lists.
/// <reference types="long" preserve="true" />
import { onnx } from 'onnx-proto';
import { rangeError, typeError, type ErrorCode, type QgemmError } from '../errors';

export { onnx };

export function onnxError(code: ErrorCode, message: string): RangeError & QgemmError {
  return rangeError(code, message);
}

/** Decodes a ModelProto. Truncated or malformed bytes throw ERR_QGEMM_ONNX_DECODE. */
export function decodeModel(bytes: Uint8Array): onnx.ModelProto {
  if (!(bytes instanceof Uint8Array)) throw typeError('ERR_QGEMM_ARG_TYPE', 'the model must be a Uint8Array (or a file path)');
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (cause) {
    // protobufjs throws RangeError / Error for truncation and bad wire types; deep nesting overflows the stack.
    const e = onnxError('ERR_QGEMM_ONNX_DECODE', `not an ONNX model: ${cause instanceof Error ? cause.message : String(cause)}`);
    (e as { cause?: unknown }).cause = cause;
    throw e;
  }
}

/** Encodes a ModelProto into a plain Uint8Array (protobufjs gives a Buffer on Node). */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  const buf = onnx.ModelProto.encode(model).finish();
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** An int64 field (a Long object, or a number) as a JS number; RangeError past 2^53. */
export function int64(value: number | { toNumber(): number; high: number } | null | undefined, what: string): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : value.toNumber();
  if (!Number.isSafeInteger(n)) throw onnxError('ERR_QGEMM_ONNX_INVALID', `${what} ${n} is not a safe integer`);
  return n;
}
