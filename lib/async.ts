/**
 * Promise-returning variants of the heavy calls. The work runs on qgemm's own
 * compute queue (one native thread, in submission order, each job using the
 * whole thread pool), never on the JS thread and never on libuv's pool.
 *
 * Inputs are snapshotted when the call is made: changing, detaching or
 * transferring them afterwards cannot affect the job (PackedWeights are shared,
 * not copied: pack your weights for serving). The result is a fresh tensor;
 * with `out`, it is copied into `out` when the job ends, and rejects with
 * ERR_QGEMM_DETACHED if `out` was detached meanwhile (ERR_QGEMM_OUT if resized).
 */
import { AbortError, stateError, typeError } from './errors';
import { MatmulOptions, planMatmul } from './matmul';
import { native, NativeJob } from './native';
import { PackedWeights, PackOptions, planPack } from './packed';
import { isDetached, Tensor, wrapBuffer } from './tensor';

export interface AsyncOptions {
  /** Cancels the job if it has not started; the promise rejects with an AbortError (code 'ABORT_ERR', cause: the signal's reason). */
  signal?: AbortSignal;
}

export function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw typeError('ERR_QGEMM_OPTION', 'options.signal must be an AbortSignal');
  return signal;
}

/** Runs a native job, settling early with an AbortError if the signal aborts first. */
export function runJob<T>(start: () => NativeJob<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  const job = start();
  if (signal === undefined) return job.promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      job.cancel();
      reject(new AbortError(undefined, { cause: signal.reason }));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    job.promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function splitSignal<O extends object>(options: O | undefined): [Omit<O, 'signal'> | undefined, AbortSignal | undefined] {
  if (options === undefined || options === null || typeof options !== 'object') return [options, undefined];
  const { signal, ...rest } = options as O & AsyncOptions;
  return [rest as Omit<O, 'signal'>, checkSignal(signal)];
}

/** matmul on the compute queue. */
export function matmulAsync(
  a: Tensor<'int8'> | Tensor<'uint8'>,
  b: Tensor<'int8'> | PackedWeights,
  options?: MatmulOptions<Tensor<'int32'>> & AsyncOptions,
): Promise<Tensor<'int32'>>;
export function matmulAsync(
  a: Tensor<'float32'>,
  b: Tensor<'float32'> | PackedWeights,
  options?: MatmulOptions<Tensor<'float32'>> & AsyncOptions,
): Promise<Tensor<'float32'>>;
export async function matmulAsync(a: Tensor, b: Tensor | PackedWeights, options?: MatmulOptions & AsyncOptions): Promise<Tensor> {
  const [rest, signal] = splitSignal(options);
  const plan = planMatmul(a, b, rest, 'native');
  const buffer = await runJob(() => native().gemmAsync(plan.desc), signal);
  const result = wrapBuffer(plan.out.dtype, plan.out.shape, buffer);
  const userOut = rest?.out;
  if (userOut === undefined) return result;
  if (isDetached(userOut.data)) throw stateError('ERR_QGEMM_DETACHED', "options.out's ArrayBuffer was detached while the job ran");
  // A resizable ArrayBuffer may have shrunk under `out` while the job ran.
  if (userOut.data.length !== result.data.length) throw stateError('ERR_QGEMM_OUT', `options.out holds ${userOut.data.length} elements now (its ArrayBuffer was resized while the job ran), the result ${result.data.length}`);
  (userOut.data as Int32Array).set(result.data as Int32Array);
  return userOut;
}

/** packWeights on the compute queue. */
export async function packWeightsAsync(
  b: Tensor<'int8'> | Tensor<'float32'>,
  options?: PackOptions & AsyncOptions,
): Promise<PackedWeights> {
  const [rest, signal] = splitSignal(options);
  const { dtype, k, n, transpose } = planPack(b, rest);
  const handle = await runJob(() => native().packWeightsAsync(b.data, k, n, transpose), signal);
  return new PackedWeights(dtype, k, n, handle);
}
