// The C ABI between the addon and the oneDNN plugin (libqgemm_onednn.so).
//
// The plugin is a small shared library built next to the addon that links the
// system oneDNN (libdnnl.so.2). The addon never links oneDNN itself: it
// dlopen()s the plugin on first use (onednn_loader.cc), so a machine without
// libdnnl.so.2 still loads the addon and simply reports the oneDNN backend as
// unavailable. Plain C types only: the two sides may use different C++
// runtimes (the addon links libstdc++ statically).
#pragma once

#include <stddef.h>
#include <stdint.h>

#define QGEMM_ONEDNN_ABI_VERSION 2
#define QGEMM_ONEDNN_PLUGIN_SYMBOL "qgemm_onednn_plugin_v1"

#if defined(_WIN32)
#define QGEMM_ONEDNN_EXPORT __declspec(dllexport)
#else
#define QGEMM_ONEDNN_EXPORT __attribute__((visibility("default")))
#endif

extern "C" {

// One (batched) product, raw int32 or float32 out; no epilogue (the addon
// applies it). Types are qgemm::DType values: 0 int8, 1 uint8, 2 int32, 3 float32.
struct qgemm_onednn_gemm_args {
  int64_t m, n, k, batch;
  const void* a;
  const void* b;
  void* c;
  int64_t a_batch_stride, b_batch_stride, c_batch_stride;  // elements
  int32_t a_type, b_type, c_type;
  int32_t a_transposed, b_transposed;
  int32_t num_threads;  // OpenMP threads oneDNN may use
};

struct qgemm_onednn_plugin {
  uint32_t abi_version;  // QGEMM_ONEDNN_ABI_VERSION
  uint32_t size;         // sizeof(qgemm_onednn_plugin)
  // "2.6.3": the version of the libdnnl the plugin loaded.
  const char* (*version)(void);
  // 0 on success, otherwise a qgemm::StatusCode value with a message in
  // error (NUL-terminated, truncated to error_size). Never throws.
  int (*gemm)(const qgemm_onednn_gemm_args* args, char* error, size_t error_size);
  // One product of fixed shape and types (batch 1) with B reordered once
  // into the layout oneDNN prefers for it (format_tag::any), as a benchmark
  // gives oneDNN its best case. Reads args->b and args->num_threads (oneDNN
  // fixes its work split for that many threads here), not a or c.
  // Returns null on failure, with a message in error.
  void* (*prepare)(const qgemm_onednn_gemm_args* args, char* error, size_t error_size);
  // Runs a prepared product: c = a x the prepared B. Return as gemm().
  int (*run_prepared)(void* prepared, const void* a, void* c, int32_t num_threads, char* error, size_t error_size);
  void (*release)(void* prepared);
};

// The one exported symbol (QGEMM_ONEDNN_PLUGIN_SYMBOL).
QGEMM_ONEDNN_EXPORT const qgemm_onednn_plugin* qgemm_onednn_plugin_v1(void);

}  // extern "C"
