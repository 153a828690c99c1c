/**
 * IDX files (the MNIST / Fashion-MNIST format): a big-endian header
 * [0, 0, type, rank, dim0 .. dim(rank-1) as uint32] then the data, row-major.
 * Gzipped files (.gz, recognised by their magic bytes) are inflated with node:zlib.
 */
import * as fs from 'node:fs';
import * as buffer_ from 'node:buffer';
import * as zlib from 'node:zlib';
import { rangeError } from '../errors';

export interface IdxArray {
  shape: number[];
  /** Unsigned bytes (type 0x08), the only type MNIST-like data sets use. */
  data: Uint8Array;
}

const UBYTE = 0x08;
const bad = (why: string) => rangeError('ERR_QGEMM_FILE_FORMAT', why);

/** A plain Uint8Array over the same memory (new Uint8Array(buffer) would copy it). */
function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The largest header: 4 bytes, then 4 per dimension (the rank is one byte). */
const MAX_HEADER = 4 + 4 * 255;
/** Compressed bytes read for the header: deflate expands at most ~1032x, so this inflates to ~2 MB at most. */
const HEADER_PREFIX = 2048;

/** Inflates a gzipped IDX file, no further than the size its header states: a small file cannot inflate to GBs. */
function gunzipIdx(buffer: Uint8Array): Uint8Array {
  let head: Buffer;
  try {
    head = zlib.gunzipSync(buffer.subarray(0, HEADER_PREFIX), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch (e) {
    throw bad(`the gzip stream is damaged (${(e as Error).message})`);
  }
  const { header, size } = readHeader(bytesOf(head.subarray(0, MAX_HEADER)), false);
  const limit = header + size;
  if (limit > buffer_.constants.MAX_LENGTH) throw bad(`the header's shape needs ${limit} bytes, more than a Buffer holds`);
  try {
    return bytesOf(zlib.gunzipSync(buffer, { maxOutputLength: limit + 1 }));
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw bad(`the data inflates past the ${limit} bytes its header states`);
    throw bad(`the gzip stream is damaged (${(e as Error).message})`);
  }
}

/** Checks the magic and type; returns the shape, the header's length and the data's size. */
function readHeader(raw: Uint8Array, complete = true): { shape: number[]; header: number; size: number } {
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) throw bad('not an IDX file (bad magic)');
  if (raw[2] !== UBYTE) throw bad(`IDX type 0x${raw[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const rank = raw[3];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const header = 4 + 4 * rank;
  if (raw.length < header) throw bad('IDX header is truncated');
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (complete && raw.length - header !== size) throw bad(`IDX data holds ${raw.length - header} bytes, the shape [${shape.join(', ')}] needs ${size}`);
  return { shape, header, size };
}

/** Parses an IDX buffer (raw or gzipped). Only unsigned-byte data is supported. */
export function parseIdx(buffer: Uint8Array): IdxArray {
  const raw = buffer[0] === 0x1f && buffer[1] === 0x8b ? gunzipIdx(buffer) : buffer;
  const { shape, header } = readHeader(raw);
  return { shape, data: raw.subarray(header) };
}

/** Reads and parses an IDX file (raw or .gz). */
export function readIdx(path: string): IdxArray {
  return parseIdx(bytesOf(fs.readFileSync(path)));
}

/** Encodes unsigned bytes as a raw IDX buffer (gzip it with node:zlib if wanted). */
export function encodeIdx(shape: readonly number[], data: Uint8Array): Uint8Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw rangeError('ERR_QGEMM_DATA_LENGTH', `data holds ${data.length} bytes, the shape needs ${size}`);
  const out = new Uint8Array(4 + 4 * shape.length + size);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
