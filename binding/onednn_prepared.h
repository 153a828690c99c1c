// onednnPrepare / onednnRunPrepared: oneDNN's best case for the benchmark
// (weights reordered once into format_tag::any; native/onednn/onednn_gemm.h).
// Not public API: bench/contenders/onednn.ts is the one caller; every argument
// is still checked, as for any raw addon call.
#pragma once

#include <napi.h>

namespace qgemm_binding {

// onednnPrepare(b, m, n, k, aType, transposeB, allowInexact) -> handle
Napi::Value onednn_prepare(const Napi::CallbackInfo& info);
// onednnRunPrepared(handle, a, c)
Napi::Value onednn_run_prepared(const Napi::CallbackInfo& info);

}  // namespace qgemm_binding
