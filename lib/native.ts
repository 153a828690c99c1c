/**
 * Loads the native addon once per process (per worker thread: it is
 * context-aware). A load failure explains what to run instead of a bare stack.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface NativeKernelStatus {
  name: string;
  kind: 'int8' | 'int8 direct' | 'float32';
  requires: string;
  layout: string;
  runnable: boolean;
  selfChecked: boolean;
  reason?: string;
  probe?: string;
}

export interface NativeInfo {
  cpu: {
    avx2: boolean; avx512: boolean; avx512_vnni: boolean; avx_vnni: boolean; amx_int8: boolean; amx_permitted: boolean;
    neon: boolean; neon_dotprod: boolean; neon_i8mm: boolean;
  };
  isas: string[];
  isaCap: string;
  isa: string;
  int8Kernel: string;
  int8DirectKernel: string;
  f32Kernel: string;
  kernelList: NativeKernelStatus[];
  probes: { name: string; instruction: string; runnable: boolean }[];
  onednn: boolean;
  onednnVersion: string;
  onednnInt8Exact: boolean;
  /** Why the oneDNN backend is off (plugin or libdnnl.so.2 missing, or not built). */
  onednnUnavailableReason?: string;
  threads: number;
  availableCpus: number;
}

export interface NativePackedWeights {
  dispose(): void;
  readonly disposed: boolean;
  readonly kernel: string;
  readonly bytes: number;
}

/** The fused epilogue of an int8 GEMM (see native/gemm/epilogue.h). Length 1 = per tensor. */
export interface NativeEpilogue {
  aZeroPoint?: Int32Array;
  bZeroPoint?: Int32Array;
  aScale?: Float32Array;
  bScale?: Float32Array;
  bias?: Float32Array;
  relu?: boolean;
  yScale?: number;
  yZeroPoint?: number;
}

/**
 * One GEMM, described by name (binding/gemm_call.h). c is the output (for
 * gemmAsync only its type matters: the job allocates the result). Strides are
 * in elements between batch items (0: the operand is shared by the batch).
 */
/**
 * The numeric fields of a gemm descriptor, in the order of its `dims` array
 * (binding/gemm_call.h GemmDim; the addon's gemmDimNames, checked by
 * test/binding_dims.test.ts). One Float64Array costs the binding one lookup
 * where a dozen named properties cost ~1.5 us a call.
 */
export const GEMM_DIMS = ['m', 'n', 'k', 'batch', 'aStride', 'bStride', 'cStride', 'transposeA', 'transposeB', 'backend', 'allowInexact'] as const;
/** The numeric fields of a quantizedLinear descriptor (binding/linear_call.h LinearDim); NaN where unused. */
export const LINEAR_DIMS = ['rows', 'relu', 'mode', 'xScale', 'xZeroPoint', 'yScale', 'yZeroPoint', 'propagateNonFinite'] as const;

export type GemmDimValues = { [K in (typeof GEMM_DIMS)[number]]: number | boolean };
export type LinearDimValues = { [K in (typeof LINEAR_DIMS)[number]]: number | boolean | undefined };

// The dims arrays are written in place, one explicit store per field: a fresh
// Float64Array costs ~200 ns and a loop over the names with computed keys a
// quarter of a 16^3 matmul's JS time. The binding reads dims during the call
// (async calls too: the job copies them before it is queued), so one array
// per kind serves every call; pass it to the binding before building the next.
// test/binding_dims.test.ts checks each field lands at its index.
const gemmScratch = new Float64Array(GEMM_DIMS.length);
const linearScratch = new Float64Array(LINEAR_DIMS.length);

/** GemmDescriptor.dims from its fields by name (booleans as 0 / 1); reused by the next call. */
export function gemmDims(f: GemmDimValues): Float64Array {
  const d = gemmScratch;
  d[0] = f.m as number;
  d[1] = f.n as number;
  d[2] = f.k as number;
  d[3] = f.batch as number;
  d[4] = f.aStride as number;
  d[5] = f.bStride as number;
  d[6] = f.cStride as number;
  d[7] = +f.transposeA;
  d[8] = +f.transposeB;
  d[9] = f.backend as number;
  d[10] = +f.allowInexact;
  return d;
}

const orNaN = (v: number | boolean | undefined) => (v === undefined ? NaN : +v);

/** LinearDescriptor.dims from its fields by name (booleans as 0 / 1, undefined as NaN); reused by the next call. */
export function linearDims(f: LinearDimValues): Float64Array {
  const d = linearScratch;
  d[0] = orNaN(f.rows);
  d[1] = orNaN(f.relu);
  d[2] = orNaN(f.mode);
  d[3] = orNaN(f.xScale);
  d[4] = orNaN(f.xZeroPoint);
  d[5] = orNaN(f.yScale);
  d[6] = orNaN(f.yZeroPoint);
  d[7] = orNaN(f.propagateNonFinite);
  return d;
}

/** One GEMM call (binding/gemm_call.h): buffers by name, numbers in dims (GEMM_DIMS). */
export interface GemmDescriptor {
  a: ArrayBufferView;
  b: ArrayBufferView | NativePackedWeights;
  c: ArrayBufferView;
  /** m, n, k, batch, strides, transposes, backend (0 auto, 1 builtin, 2 onednn), allowInexact: see GEMM_DIMS. */
  dims: Float64Array;
  epilogue?: NativeEpilogue;
}

/** One QuantizedLinear forward pass (binding/linear_call.h): buffers by name, numbers in dims (LINEAR_DIMS). */
export interface LinearDescriptor {
  x: ArrayBufferView;
  weights: NativePackedWeights;
  wScales: Float32Array;
  bias?: Float32Array;
  out: ArrayBufferView;
  /**
   * rows, relu, mode (0 dynamic per row, 1 dynamic per tensor, 2 static uint8, 3 static int8),
   * xScale / xZeroPoint (static modes), yScale / yZeroPoint (int8 / uint8 out), propagateNonFinite.
   */
  dims: Float64Array;
}

/** A job on the compute queue; cancel() stops it if it has not started. */
export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

export interface NativeAddon {
  /** The names of GemmDescriptor.dims and LinearDescriptor.dims as the binding reads them. */
  readonly gemmDimNames: readonly string[];
  readonly linearDimNames: readonly string[];
  gemm(desc: GemmDescriptor): void;
  gemmAsync(desc: GemmDescriptor): NativeJob<ArrayBuffer>;
  quantizedLinear(desc: LinearDescriptor): void;
  quantizedLinearAsync(desc: LinearDescriptor): NativeJob<ArrayBuffer>;
  packWeights(b: ArrayBufferView, k: number, n: number, transposed: boolean): NativePackedWeights;
  quantizeLinear(x: Float32Array, scale: number, zeroPoint: number, out: Int8Array | Uint8Array): void;
  dequantizeLinear(q: Int8Array | Uint8Array, scale: number, zeroPoint: number, out: Float32Array): void;
  minMax(x: Float32Array): [number, number];
  histc(x: Float32Array, bins: number, left: number, right: number, out: Float32Array): void;
  histogramL2Search(hist: Float32Array, min: number, max: number, dstBins: number): [number, number];
  packWeightsAsync(b: ArrayBufferView, k: number, n: number, transposed: boolean): NativeJob<NativePackedWeights>;
  info(): NativeInfo;
  setNumThreads(n: number): void;
  setMaxIsa(isa: string): void;
  probe(name: string, threads: number): number;
  /** Bench only: oneDNN with weights reordered once into its preferred layout (format_tag::any). */
  onednnPrepare(b: Int8Array | Float32Array, m: number, n: number, k: number, aType: number, transposeB: boolean, allowInexact: boolean): object;
  onednnRunPrepared(handle: object, a: ArrayBufferView, c: ArrayBufferView): void;
  readBandwidth(threads: number, megabytes: number): number;
  randomRowBandwidth(threads: number, megabytes: number, rowBytes: number): number;
  /** The address of a TypedArray's first byte (to compare views of SharedArrayBuffers that share memory). */
  dataAddress(view: ArrayBufferView): number;
  /** Bytes of native memory reported to V8 by this isolate's objects (packed weights, oneDNN handles). */
  externalMemory(): number;
  PackedWeights: new () => NativePackedWeights;
}

/** The package root: the nearest folder above this file holding package.json. */
export function packageRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return __dirname;
    dir = parent;
  }
  return dir;
}

function libc(): string {
  if (process.platform !== 'linux') return 'libc n/a';
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  return glibc ? `glibc ${glibc}` : 'musl or unknown libc';
}

/** The one command that builds the addon from source in the installed package. */
export function buildCommand(root: string = packageRoot()): string {
  const quoted = /[\s"'$`\\]/.test(root) ? JSON.stringify(root) : root;
  return `cd ${quoted} && npx cmake-js compile`;
}

/** The ERR_QGEMM_LOAD error: what this machine is, and the command that builds from source. */
export function loadError(cause: unknown, root: string = packageRoot()): Error {
  const cpu = os.cpus()[0]?.model?.trim() || 'unknown CPU';
  const error = new Error(
    `qgemm: could not load the native addon for ${process.platform}-${process.arch} ` +
      `(${libc()}, ${cpu}, Node ${process.version}, N-API ${process.versions.napi}).\n` +
      `No prebuilt binary fits this machine (prebuilt: linux-x64 and linux-arm64 with glibc, ` +
      `see docs/PACKAGING.md) and no source build was found. To build from source ` +
      `(needs cmake >= 3.18 and a C++17 compiler), run:\n` +
      `    ${buildCommand(root)}\n` +
      `Cause: ${cause instanceof Error ? cause.message.trim() : String(cause)}`,
  );
  Object.defineProperty(error, 'code', { value: 'ERR_QGEMM_LOAD', enumerable: true });
  return error;
}

/**
 * Loads the addon found under root (build/Release, build/Debug, then
 * prebuilds/<platform>-<arch>, as node-gyp-build looks; PREBUILDS_ONLY=1 skips
 * build/, QGEMM_PREBUILD=<dir> looks in dir instead). Throws ERR_QGEMM_LOAD.
 */
export function loadAddon(root: string = packageRoot()): NativeAddon {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node-gyp-build')(root) as NativeAddon;
  } catch (cause) {
    throw loadError(cause, root);
  }
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (addon === undefined) addon = loadAddon();
  return addon;
}
