/**
 * Loads the native addon once per process (per worker thread: it is
 * context-aware). A load failure explains what to run instead of a bare stack.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface NativeInfo {
  cpu: { avx2: boolean; avx512_vnni: boolean; avx_vnni: boolean; amx_int8: boolean; amx_permitted: boolean };
  bestIsa: string;
  isaCap: string;
  isa: string;
  int8Kernel: string;
  f32Kernel: string;
  onednn: boolean;
  onednnVersion: string;
  onednnInt8Exact: boolean;
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

/** x, rows, weights, wScales, bias, relu, mode, xScale, xZeroPoint, out, yScale, yZeroPoint */
export type QuantizedLinearArgs = [
  x: ArrayBufferView,
  rows: number,
  weights: NativePackedWeights,
  wScales: Float32Array,
  bias: Float32Array | undefined,
  relu: boolean,
  mode: number,
  xScale: number,
  xZeroPoint: number,
  out: ArrayBufferView,
  yScale: number,
  yZeroPoint: number,
];

/** A job on the compute queue; cancel() stops it if it has not started. */
export interface NativeJob<T> {
  promise: Promise<T>;
  cancel(): void;
}

export interface NativeAddon {
  gemm(
    a: ArrayBufferView,
    b: ArrayBufferView | NativePackedWeights,
    c: ArrayBufferView,
    m: number,
    n: number,
    k: number,
    batch: number,
    aStride: number,
    bStride: number,
    cStride: number,
    transposeA: boolean,
    transposeB: boolean,
    backend: number,
    allowInexact: boolean,
    epilogue?: NativeEpilogue,
  ): void;
  gemmAsync(...args: Parameters<NativeAddon['gemm']>): NativeJob<ArrayBuffer>;
  quantizedLinear(...args: QuantizedLinearArgs): void;
  quantizedLinearAsync(...args: QuantizedLinearArgs): NativeJob<ArrayBuffer>;
  packWeights(b: ArrayBufferView, k: number, n: number, transposed: boolean): NativePackedWeights;
  packWeightsAsync(b: ArrayBufferView, k: number, n: number, transposed: boolean): NativeJob<NativePackedWeights>;
  info(): NativeInfo;
  setNumThreads(n: number): void;
  setMaxIsa(isa: string): void;
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
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  return glibc ? `glibc ${glibc}` : 'musl or unknown libc';
}

function loadError(cause: unknown): Error {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const error = new Error(
    `qgemm: could not load the native addon for ${process.platform}-${process.arch} ` +
      `(${libc()}, ${cpu}, Node ${process.version}, N-API ${process.versions.napi}).\n` +
      `No prebuilt binary fits this machine and no source build was found. To build from source ` +
      `(needs cmake >= 3.18 and a C++17 compiler), run in ${packageRoot()}:\n` +
      `    npx cmake-js compile\n` +
      `Cause: ${cause instanceof Error ? cause.message : String(cause)}`,
  );
  Object.defineProperty(error, 'code', { value: 'ERR_QGEMM_LOAD', enumerable: true });
  return error;
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (addon === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      addon = require('node-gyp-build')(packageRoot()) as NativeAddon;
    } catch (cause) {
      throw loadError(cause);
    }
  }
  return addon;
}
