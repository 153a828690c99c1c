/**
 * Measured limits of this machine, for judging a GEMM's speed against what the
 * hardware does rather than a datasheet: loops of nothing but one kernel
 * instruction (with enough independent accumulators to hide its latency) and
 * a memory-read bandwidth probe. Each call blocks for a fraction of a second.
 */
import { rangeError, typeError } from './errors';
import { native } from './native';

export interface ProbeInfo {
  /** e.g. 'avx2_madd', 'avx512_vnni', 'amx_int8', 'avx2_fma'; info().kernelList[i].probe names a kernel's. */
  name: string;
  instruction: string;
  /** The CPU has what it needs. */
  runnable: boolean;
}

export function listProbes(): ProbeInfo[] {
  return native().info().probes;
}

function checkThreads(threads: number): void {
  if (typeof threads !== 'number') throw typeError('ERR_QGEMM_ARG_TYPE', 'threads must be a number');
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw rangeError('ERR_QGEMM_OPTION', `threads must be an integer in 1..256, got ${threads}`);
  }
}

/** GOPS (2 per multiply-add) of a probe's instruction loop on `threads` threads at once, best of 5. */
export function measureProbe(name: string, threads = 1): number {
  if (typeof name !== 'string') throw typeError('ERR_QGEMM_ARG_TYPE', 'name must be a string');
  checkThreads(threads);
  return native().probe(name, threads) / 1e9;
}

/** GB/s reading `megabytes` of memory (default 256: far past the caches) with `threads` threads, best of 5. */
export function measureReadBandwidth(threads = 1, megabytes = 256): number {
  checkThreads(threads);
  if (!Number.isInteger(megabytes) || megabytes < 1 || megabytes > 4096) {
    throw rangeError('ERR_QGEMM_OPTION', `megabytes must be an integer in 1..4096, got ${megabytes}`);
  }
  return native().readBandwidth(threads, megabytes) / 1e9;
}

/**
 * GB/s of row bytes reading uniformly random rows of `rowBytes` (laid out as an
 * embedding table's, rows at k * rowBytes) from a `megabytes` table with
 * `threads` threads: one load per cache line of each row, prefetched 8..64
 * rows ahead (the best distance), best of 5. The limit of a lookup of random
 * rows: a row of 36 or 72 bytes costs one or two whole cache lines and a miss
 * in flight, which the sequential bandwidth does not show.
 */
export function measureRandomRowBandwidth(rowBytes: number, threads = 1, megabytes = 256): number {
  checkThreads(threads);
  if (!Number.isInteger(megabytes) || megabytes < 1 || megabytes > 4096) {
    throw rangeError('ERR_QGEMM_OPTION', `megabytes must be an integer in 1..4096, got ${megabytes}`);
  }
  if (typeof rowBytes !== 'number') throw typeError('ERR_QGEMM_ARG_TYPE', 'rowBytes must be a number');
  if (!Number.isInteger(rowBytes) || rowBytes < 1 || rowBytes * 1024 > megabytes * 2 ** 20) {
    throw rangeError('ERR_QGEMM_OPTION', `rowBytes must be an integer from 1 to 1/1024 of the table, got ${rowBytes}`);
  }
  return native().randomRowBandwidth(threads, megabytes, rowBytes) / 1e9;
}
