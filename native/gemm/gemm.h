// The public C++ GEMM API: C[b] = A[b] x B[b] for a batch of row-major matrices.
//
//   int8 or uint8 A  x  int8 B     -> int32 C (exact; wraps modulo 2^32 past
//                                     the K limit below)
//   float32 A        x  float32 B  -> float32 C
//
// Every matrix is dense and row-major. A "transposed" operand is stored as its
// transpose: A^T is [k][m], B^T is [n][k]. Batch strides are in elements; a
// stride of 0 broadcasts one matrix over the whole batch.
//
// The K limit: the int32 result is exact for every input when
//   s8 x s8: K <= floor((2^31 - 1) / (128 * 128)) = 131071
//   u8 x s8: K <= floor(2^31 / (255 * 128))        = 65793
// Past these, every built-in kernel wraps modulo 2^32 (two's complement),
// identically on every ISA.
#pragma once

#include <cstdint>

#include "gemm/types.h"

namespace qgemm {

class PackedB;
struct Epilogue;

enum class Backend : int { kAuto = 0, kBuiltin = 1, kOneDnn = 2 };
const char* backend_name(Backend b);

struct GemmDesc {
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 1;
  Operand a;
  Operand b;                        // ignored when packed_b is set
  const PackedB* packed_b = nullptr;  // B packed once by pack_b(); broadcast over the batch
  void* c = nullptr;
  DType c_type = DType::kInt32;       // with an epilogue: epilogue->out_type
  const Epilogue* epilogue = nullptr;  // int8 GEMMs only; null: plain int32 out
  int64_t c_batch_stride = 0;
};

// Runs the product. Checks that the descriptor is self-consistent (types,
// non-negative sizes); the caller (the binding) is responsible for checking
// that every buffer is as large as gemm_required_elements() says.
// allow_inexact lets the oneDNN backend run int8 on CPUs where its results
// can be wrong (see onednn_int8_exact()); only benchmarks should ask for it.
Status gemm(const GemmDesc& desc, Backend backend, bool allow_inexact = false);

// True when the oneDNN backend was compiled in and its library loaded.
bool onednn_available();

}  // namespace qgemm
