/**
 * .npy files (numpy's format 1.0 / 2.0 / 3.0): a magic string, a header that
 * is a Python dict literal (descr, fortran_order, shape; parsed as Python
 * does, checked as numpy does), then the data in C order. Little-endian float32, float64, int8, uint8 and int32 are read; every
 * other file gets ERR_QGEMM_FILE_FORMAT.
 */
import { rangeError } from '../errors';
import { parsePyLiteral, PyTuple, type PyValue } from './py_literal';

export interface NpyArray {
  dtype: 'float32' | 'float64' | 'int8' | 'uint8' | 'int32';
  shape: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array;
}

const DESCR = { '<f4': ['float32', 4], '<f8': ['float64', 8], '|i1': ['int8', 1], '|u1': ['uint8', 1], '<i4': ['int32', 4] } as const;
const bad = (why: string) => rangeError('ERR_QGEMM_FILE_FORMAT', `not a .npy file qgemm reads: ${why}`);

export function parseNpy(bytes: Uint8Array): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw bad('bad magic');
  const major = bytes[6];
  if (major < 1 || major > 3) throw bad(`format version ${major}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw bad('truncated header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) throw bad('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, start));
  const { descr, shape } = readHeader(header);
  const known = DESCR[descr as keyof typeof DESCR];
  if (known === undefined) throw bad(`element type ${descr} (float32, float64, int8, uint8 and little-endian int32 are read)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const [dtype, size] = known;
  if (bytes.length - start !== count * size) throw bad(`the data holds ${bytes.length - start} bytes, shape (${shape.join(', ')}) of ${dtype} needs ${count * size}`);
  const raw = bytes.slice(start).buffer; // copied: aligned for the typed view
  const C = { float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int32: Int32Array }[dtype];
  return { dtype, shape, data: new C(raw, 0, count) };
}

/** The header dict as numpy checks it: exactly descr (a string), fortran_order (a bool) and shape (a tuple of ints). */
function readHeader(header: string): { descr: string; shape: number[] } {
  let d: PyValue;
  try {
    d = parsePyLiteral(header);
  } catch (e) {
    throw bad(`the header is not a Python literal (${(e as Error).message})`);
  }
  if (!(d instanceof Map)) throw bad('the header is not a dict');
  const keys = [...d.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape') throw bad(`the header's keys are ${keys || 'none'}; numpy requires descr, fortran_order and shape`);
  const descr = d.get('descr'), fortran = d.get('fortran_order'), shape = d.get('shape');
  if (typeof descr !== 'string') throw bad('descr is not a string (structured dtypes are not read)');
  if (typeof fortran !== 'boolean') throw bad('fortran_order is not True or False');
  if (fortran) throw bad('Fortran order (save a C-ordered array: np.ascontiguousarray)');
  if (!(shape instanceof PyTuple) || !shape.items.every((x) => typeof x === 'number' && x >= 0)) throw bad('shape is not a tuple of sizes');
  return { descr, shape: shape.items as number[] };
}

/** Encodes a C-ordered array as .npy version 1.0 (for tests and examples). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const descr = Object.entries(DESCR).find(([, [d]]) => d === array.dtype)![0];
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n'; // the data starts 64-byte aligned, as numpy writes
  const out = new Uint8Array(10 + header.length + array.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), 10 + header.length);
  return out;
}
