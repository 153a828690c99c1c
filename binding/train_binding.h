// The training hot path's native calls (lib/train/native_train.ts types them):
// symmetric int8 quantizers, the fused int8 GEMMs of a step, element-wise
// passes, and the Adam / 8-bit Adam steps. Every buffer's type and length is
// checked against the dimensions before the core touches it.
#pragma once

#include <napi.h>

namespace qgemm_binding {

// An object of functions, exported by the addon as `train`.
Napi::Object train_functions(Napi::Env env);

}  // namespace qgemm_binding
