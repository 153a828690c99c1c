/**
 * matmul: C = A x B for int8/uint8 x int8 -> int32 (exact) and
 * float32 x float32 -> float32, 2-D or batched 3-D with numpy-style
 * broadcasting of the batch dimension.
 *
 * All validation happens here, once; the native side only re-checks sizes
 * against buffer lengths so that even a raw call cannot go out of bounds.
 */
import { rangeError, typeError, show } from './errors';
import { gemmDims, GemmDescriptor, native } from './native';
import { checkOptions } from './options';
import { PackedWeights } from './packed';
import { checkTensor, maxByteLength, overlaps, Tensor, zeros } from './tensor';

export type Backend = 'auto' | 'builtin' | 'onednn';

export interface MatmulOptions<O extends Tensor = Tensor> {
  /** A is given as its transpose: [K, M] (or [batch, K, M]). */
  transposeA?: boolean;
  /** B is given as its transpose: [N, K] (or [batch, N, K]). Not with PackedWeights. */
  transposeB?: boolean;
  /** Write the result here instead of allocating (dtype and shape must match exactly). */
  out?: O;
  /** 'auto' (default) is 'builtin': exact on every CPU and no per-shape warm-up. */
  backend?: Backend;
  /**
   * Let the oneDNN backend run int8 on a CPU where its results can be wrong
   * (oneDNN 2.6.3 without AVX-512 VNNI or AMX saturates). For benchmarks only.
   */
  allowInexact?: boolean;
}

const BACKEND_CODES: Record<Backend, number> = { auto: 0, builtin: 1, onednn: 2 };
const OPTION_KEYS = new Set(['transposeA', 'transposeB', 'out', 'backend', 'allowInexact']);
const NO_KEYS: ReadonlySet<string> = new Set();

/** A validated call, ready to run synchronously or on the compute queue. */
export interface MatmulPlan {
  /** Where the native call writes: options.out, or a fresh tensor. */
  readonly out: Tensor;
  /** The native call's descriptor (c is out.data). */
  readonly desc: GemmDescriptor;
}

function checkBool(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw typeError('ERR_QGEMM_OPTION', `${name} must be a boolean`);
  return value;
}

function checkMatmulOptions(options: unknown, extraKeys: ReadonlySet<string>): MatmulOptions {
  return checkOptions(options as MatmulOptions, [...OPTION_KEYS, ...extraKeys], 'matmul');
}

function backendCode(backend: unknown, float: boolean, allowInexact: boolean): number {
  if (backend === undefined) return BACKEND_CODES.auto;
  if (typeof backend !== 'string' || !(backend in BACKEND_CODES)) {
    throw typeError('ERR_QGEMM_OPTION', `backend must be 'auto', 'builtin' or 'onednn', got ${show(backend)}`);
  }
  if (backend === 'onednn') {
    const info = native().info();
    if (!info.onednn) {
      throw rangeError('ERR_QGEMM_BACKEND_UNAVAILABLE', `backend 'onednn' is not available: ${info.onednnUnavailableReason ?? 'libdnnl.so.2 not found or qgemm built without oneDNN'}`);
    }
    if (!float && !allowInexact && !info.onednnInt8Exact) {
      throw rangeError(
        'ERR_QGEMM_INEXACT_BACKEND',
        "backend 'onednn' would return wrong int8 results on this CPU (oneDNN 2.6.3 saturates without " +
          "AVX-512 VNNI or AMX); use backend 'builtin', or allowInexact: true to benchmark it anyway",
      );
    }
  }
  return BACKEND_CODES[backend as Backend];
}

function checkRank(shape: readonly number[], name: string): void {
  if (shape.length !== 2 && shape.length !== 3) {
    throw rangeError('ERR_QGEMM_SHAPE', `${name} must be 2-D or 3-D, got shape ${shapeText(shape)}`);
  }
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Validates a call and prepares its native arguments. With target 'native'
 * (async calls), out is an empty placeholder of the result's dtype and shape:
 * the job allocates the result itself, and options.out is filled afterwards.
 */
export function planMatmul(
  a: Tensor,
  b: Tensor | PackedWeights,
  rawOptions?: MatmulOptions,
  target: 'js' | 'native' = 'js',
  int8OutDtype: 'int32' | 'float32' | 'int8' | 'uint8' = 'int32',
  extraKeys: ReadonlySet<string> = NO_KEYS,
): MatmulPlan {
  const options = checkMatmulOptions(rawOptions, extraKeys);
  checkTensor(a, 'a');
  const packed = b instanceof PackedWeights ? b : undefined;
  if (packed === undefined) checkTensor(b, 'b');
  const transposeA = checkBool(options.transposeA, 'options.transposeA');
  const transposeB = checkBool(options.transposeB, 'options.transposeB');
  const allowInexact = checkBool(options.allowInexact, 'options.allowInexact');
  if (packed !== undefined && options.transposeB !== undefined) {
    throw typeError('ERR_QGEMM_OPTION', 'options.transposeB does not apply to PackedWeights (say it to packWeights)');
  }

  const bDtype = packed !== undefined ? packed.dtype : (b as Tensor).dtype;
  const float = a.dtype === 'float32';
  if (float ? bDtype !== 'float32' : !((a.dtype === 'int8' || a.dtype === 'uint8') && bDtype === 'int8')) {
    throw typeError(
      'ERR_QGEMM_DTYPE',
      `matmul takes int8 or uint8 a with int8 b, or float32 a with float32 b; got a ${a.dtype} and b ${bDtype}`,
    );
  }

  const aShape = a.shape;
  const bShape = packed !== undefined ? packed.shape : (b as Tensor).shape;
  checkRank(aShape, 'a');
  checkRank(bShape, 'b');
  const aRows = aShape[aShape.length - 2], aCols = aShape[aShape.length - 1];
  const bRows = bShape[bShape.length - 2], bCols = bShape[bShape.length - 1];
  const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
  const [kb, n] = transposeB ? [bCols, bRows] : [bRows, bCols];
  if (k !== kb) {
    throw rangeError(
      'ERR_QGEMM_SHAPE',
      `inner dimensions differ: a ${shapeText(aShape)}${transposeA ? ' (transposed)' : ''} has K=${k}, ` +
        `b ${shapeText(bShape)}${transposeB ? ' (transposed)' : ''} has K=${kb}`,
    );
  }
  const aBatch = aShape.length === 3 ? aShape[0] : 1;
  const bBatch = bShape.length === 3 ? bShape[0] : 1;
  if (aBatch !== bBatch && aBatch !== 1 && bBatch !== 1) {
    throw rangeError('ERR_QGEMM_SHAPE', `batch dimensions ${aBatch} and ${bBatch} cannot be broadcast together`);
  }
  const batch = aBatch === 1 ? bBatch : aBatch;
  const outShape = aShape.length === 2 && bShape.length === 2 ? [m, n] : [batch, m, n];
  const outDtype = float ? 'float32' : int8OutDtype;
  if (batch * m * n * 4 > maxByteLength()) {
    throw rangeError('ERR_QGEMM_TOO_LARGE', `the result ${shapeText(outShape)} is too large to allocate`);
  }

  let out = options.out as Tensor;
  if (options.out !== undefined) {
    checkTensor(options.out, 'options.out');
    out = options.out;
    if (out.dtype !== outDtype) throw typeError('ERR_QGEMM_OUT', `options.out must be ${outDtype}, got ${out.dtype}`);
    if (out.shape.length !== outShape.length || out.shape.some((d, i) => d !== outShape[i])) {
      throw rangeError('ERR_QGEMM_OUT', `options.out must have shape ${shapeText(outShape)}, got ${shapeText(out.shape)}`);
    }
    if (overlaps(out.data, a.data) || (packed === undefined && overlaps(out.data, (b as Tensor).data))) {
      throw rangeError('ERR_QGEMM_OUT', 'options.out must not share memory with a or b');
    }
  }
  if (target === 'native') {
    out = zeros(outDtype, outShape.map(() => 0));
    out = { ...out, shape: Object.freeze(outShape) };
  } else if (options.out === undefined) {
    out = zeros(outDtype, outShape);
  }

  const backend = backendCode(options.backend, float, allowInexact);
  if (packed !== undefined && backend === BACKEND_CODES.onednn) {
    throw typeError('ERR_QGEMM_OPTION', "PackedWeights are packed for the builtin backend; use backend 'builtin' or 'auto'");
  }
  const aStride = aBatch === 1 ? 0 : m * k;
  const bStride = bBatch === 1 ? 0 : k * n;
  const bArg = packed !== undefined ? packed.handle() : (b as Tensor).data;
  return {
    out,
    desc: {
      a: a.data, b: bArg, c: out.data,
      dims: gemmDims({ m, n, k, batch, aStride, bStride, cStride: m * n, transposeA, transposeB, backend, allowInexact }),
    },
  };
}

/** int8 or uint8 A times int8 B: exact int32. */
export function matmul(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  b: Tensor<'int8'> | PackedWeights,
  options?: MatmulOptions<Tensor<'int32'>>,
): Tensor<'int32'>;
/** float32 A times float32 B. */
export function matmul(
  a: Tensor<'float32'>,
  b: Tensor<'float32'> | PackedWeights,
  options?: MatmulOptions<Tensor<'float32'>>,
): Tensor<'float32'>;
export function matmul(a: Tensor, b: Tensor | PackedWeights, options?: MatmulOptions): Tensor {
  const plan = planMatmul(a, b, options);
  native().gemm(plan.desc);
  return plan.out;
}
