// The embedding tables' native calls (lib/embedding/native.ts types them):
// quantize / dequantize a table, the bag lookup, its sparse backward and the
// sparse optimizers. Every buffer's type and length, every id and offset, is
// checked before the core reads anything.
#pragma once

#include <napi.h>

namespace qgemm_binding {

// An object of functions, exported by the addon as `embedding`.
Napi::Object embedding_functions(Napi::Env env);

}  // namespace qgemm_binding
