// The oneDNN backend: the system oneDNN library's matmul primitive.
//
// oneDNN lives in a separate plugin (libqgemm_onednn.so, see onednn_plugin.h)
// that the core loads at first use (onednn_loader.cc). When CMake did not find
// oneDNN (or QGEMM_WITH_ONEDNN=OFF) onednn_stub.cc is built instead and these
// report "not available".
#pragma once

#include "gemm/gemm.h"

namespace qgemm {

// True when the plugin and the libdnnl it needs loaded (the first call tries).
bool onednn_compiled();
// "2.6.3", or "" when not available.
const char* onednn_version();
// Why the backend is not available ("" when it is): not compiled in, or the
// dlopen() error (for example "libdnnl.so.2: cannot open shared object file").
const char* onednn_unavailable_reason();
// oneDNN 2.6.3's int8 kernels for CPUs without VNNI sum u8*s8 pairs with
// vpmaddubsw, which saturates at int16: full-range inputs give wrong results
// (measured on AVX2). Exact only where it runs VNNI (AVX-512 VNNI) or AMX.
bool onednn_int8_exact();
Status onednn_gemm(const GemmDesc& desc);

// A product of fixed shape and types (batch 1) with B reordered once into the
// layout oneDNN prefers for it (format_tag::any): oneDNN's best case, for the
// benchmark. Reads desc.b; runs under the pool's job lock like onednn_gemm.
struct OneDnnPrepared;
Status onednn_prepare(const GemmDesc& desc, OneDnnPrepared** out);
Status onednn_run_prepared(OneDnnPrepared* prepared, const void* a, void* c);
void onednn_release(OneDnnPrepared* prepared);

}  // namespace qgemm
