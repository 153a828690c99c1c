/**
 * Post-training calibration: run a user's model over batches, let it feed
 * named observers, and return every observer's qparams.
 */
import { AbortError, rangeError, typeError } from '../errors';
import { checkFunction, checkOptions } from '../options';
import { checkSignal } from '../async';
import type { FloatInput } from './input';
import type { Observer } from './observers';
import type { PerChannelQParams, QParams } from './qparams';

export type ObserveFn = (name: string, x: FloatInput) => void;
export type CalibrationModel<B> = (batch: B, observe: ObserveFn) => unknown;

export interface CalibrationProgress {
  /** Batches finished so far. */
  batches: number;
  /** Total batches when the input has a length (an array), else undefined. */
  total?: number;
}

export interface CalibrateOptions {
  onProgress?: (progress: CalibrationProgress) => void;
  signal?: AbortSignal;
}

export type CalibrationResult<O extends Record<string, Observer>> = {
  [K in keyof O]: O[K] extends Observer<infer Q> ? Q : QParams | PerChannelQParams;
};

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('calibration was aborted', { cause: signal.reason });
}

/**
 * For each batch (an iterable or async iterable), awaits model(batch, observe);
 * observe(name, x) feeds observers[name]. Rejects with an AbortError
 * (code 'ABORT_ERR') when the signal aborts, checked before and after each batch.
 */
export async function calibrate<B, O extends Record<string, Observer>>(
  model: CalibrationModel<B>,
  batches: Iterable<B> | AsyncIterable<B>,
  observers: O,
  options: CalibrateOptions = {},
): Promise<CalibrationResult<O>> {
  if (typeof model !== 'function') throw typeError('ERR_QGEMM_ARG_TYPE', 'model must be a function (batch, observe) => ...');
  if (typeof observers !== 'object' || observers === null) throw typeError('ERR_QGEMM_ARG_TYPE', 'observers must be an object of named observers');
  const o = checkOptions(options, ['onProgress', 'signal'], 'calibrate');
  const onProgress = checkFunction<(p: CalibrationProgress) => void>(o.onProgress, 'options.onProgress');
  const signal = checkSignal(o.signal);
  const observe: ObserveFn = (name, x) => {
    const o = Object.prototype.hasOwnProperty.call(observers, name) ? observers[name] : undefined;
    if (o === undefined) throw rangeError('ERR_QGEMM_OPTION', `observe(): no observer named ${JSON.stringify(name)}`);
    o.observe(x);
  };
  const total = Array.isArray(batches) ? batches.length : undefined;
  let done = 0;
  if (signal?.aborted) throw abortError(signal);
  for await (const batch of batches as AsyncIterable<B>) {
    if (signal?.aborted) throw abortError(signal);
    await model(batch, observe);
    done++;
    if (signal?.aborted) throw abortError(signal);
    onProgress?.({ batches: done, total });
  }
  const result = {} as Record<string, QParams | PerChannelQParams>;
  for (const name of Object.keys(observers)) result[name] = observers[name].calculateQParams();
  return result as CalibrationResult<O>;
}
