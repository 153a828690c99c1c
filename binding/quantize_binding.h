// quantizeLinear / dequantizeLinear over whole TypedArrays with one scale and
// zero point (lib/quant/onnx.ts calls them per block for large inputs).
#pragma once

#include <napi.h>

namespace qgemm_binding {

// quantizeLinear(x: Float32Array, scale, zeroPoint, out: Int8Array | Uint8Array)
Napi::Value quantize_linear(const Napi::CallbackInfo& info);
// dequantizeLinear(q: Int8Array | Uint8Array, scale, zeroPoint, out: Float32Array)
Napi::Value dequantize_linear(const Napi::CallbackInfo& info);

// minMax(x: Float32Array) -> [lo, hi] (NaN if any element is NaN)
Napi::Value min_max(const Napi::CallbackInfo& info);
// histc(x: Float32Array, bins, left, right, out: Float32Array) adds counts to out
Napi::Value histc(const Napi::CallbackInfo& info);
// histogramL2Search(hist: Float32Array, min, max, dstBins) -> [lo, hi] (HistogramObserver's 'l2')
Napi::Value histogram_l2_search(const Napi::CallbackInfo& info);

}  // namespace qgemm_binding
