/**
 * The native (SIMD) path of quantizeLinear / dequantizeLinear, used for blocks
 * large enough to pay for the call. Its results are bit-identical to the
 * TypeScript loops (tested both ways), so this is only a speed switch.
 */
import { native } from '../native';

/** Blocks shorter than this stay in JS: the native call costs ~1 us. */
export const NATIVE_MIN_BLOCK = 256;

let enabled = process.env.QGEMM_QUANT_NATIVE !== '0';

/** Turns the native path on or off (tests compare both). */
export function setNativeQuantize(on: boolean): void {
  enabled = on;
}

export function quantizeBlockNative(x: Float32Array, start: number, end: number, scale: number, zeroPoint: number, out: Int8Array | Uint8Array): boolean {
  if (!enabled || end - start < NATIVE_MIN_BLOCK) return false;
  native().quantizeLinear(x.subarray(start, end), scale, zeroPoint, out.subarray(start, end));
  return true;
}

export function dequantizeBlockNative(q: Int8Array | Uint8Array | Int32Array, start: number, end: number, scale: number, zeroPoint: number, out: Float32Array): boolean {
  if (!enabled || end - start < NATIVE_MIN_BLOCK || q instanceof Int32Array) return false;
  native().dequantizeLinear(q.subarray(start, end), scale, zeroPoint, out.subarray(start, end));
  return true;
}

/** [min, max] of x (NaN if any NaN) natively, or undefined to use the JS loop. */
export function minMaxNative(x: Float32Array): [number, number] | undefined {
  return enabled && x.length >= NATIVE_MIN_BLOCK ? native().minMax(x) : undefined;
}

/** torch.histc's counting loop natively (see native/quant/histogram.h); false to use the JS loop. */
export function histcNative(x: Float32Array, bins: number, left: number, right: number, out: Float32Array): boolean {
  if (!enabled || x.length < NATIVE_MIN_BLOCK) return false;
  native().histc(x, bins, left, right, out);
  return true;
}

/** HistogramObserver's L2 search natively (native/quant/histogram_search.h), or undefined to use the JS one. */
export function l2SearchNative(hist: Float32Array, min: number, max: number, dstBins: number): [number, number] | undefined {
  return enabled ? native().histogramL2Search(hist, min, max, dstBins) : undefined;
}
