// Portable kernels for every CPU. B is packed as plain row-major k x n.
#include <cstring>

#include "gemm/kernels/kernel.h"

namespace qgemm {

namespace {

template <typename T>
void pack_plain(const T* b, bool transposed, int64_t k, int64_t n, T* dst) {
  if (k * n == 0) return;  // b may be null when empty
  if (!transposed) {
    std::memcpy(dst, b, static_cast<size_t>(k * n) * sizeof(T));
    return;
  }
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) dst[p * n + j] = b[j * k + p];
  }
}

size_t int8_packed_bytes(int64_t k, int64_t n) { return static_cast<size_t>(k * n); }

void int8_pack(const int8_t* b, bool transposed, int64_t k, int64_t n, uint8_t* dst) {
  pack_plain(b, transposed, k, n, reinterpret_cast<int8_t*>(dst));
}

template <typename TA>
void int8_rows(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int8_t* b = reinterpret_cast<const int8_t*>(g.packed_b);
  for (int64_t i = m0; i < m1; ++i) {
    const TA* a = reinterpret_cast<const TA*>(g.a + i * g.lda);
    int32_t* c = g.c + i * g.ldc;
    for (int64_t j = n0; j < n1; ++j) c[j] = 0;
    for (int64_t p = 0; p < g.k; ++p) {
      const uint32_t ap = static_cast<uint32_t>(static_cast<int32_t>(a[p]));
      const int8_t* brow = b + p * g.n;
      for (int64_t j = n0; j < n1; ++j) {
        // Unsigned arithmetic wraps modulo 2^32 like the SIMD kernels.
        c[j] = static_cast<int32_t>(static_cast<uint32_t>(c[j]) +
                                    ap * static_cast<uint32_t>(static_cast<int32_t>(brow[j])));
      }
    }
  }
}

void int8_compute(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  if (g.a_unsigned) {
    int8_rows<uint8_t>(g, m0, m1, n0, n1);
  } else {
    int8_rows<int8_t>(g, m0, m1, n0, n1);
  }
}

// B^T ([n][k]): one dot product along k per output.
template <typename TA>
void int8_dots(const Int8KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const int8_t* bt = reinterpret_cast<const int8_t*>(g.packed_b);
  for (int64_t i = m0; i < m1; ++i) {
    const TA* a = reinterpret_cast<const TA*>(g.a + i * g.lda);
    for (int64_t j = n0; j < n1; ++j) {
      const int8_t* b = bt + j * g.k;
      uint32_t s = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        s += static_cast<uint32_t>(static_cast<int32_t>(a[p])) * static_cast<uint32_t>(static_cast<int32_t>(b[p]));
      }
      g.c[i * g.ldc + j] = static_cast<int32_t>(s);
    }
  }
}

// The packed layout is plain row-major B, so an unpacked B needs no copy.
void int8_compute_unpacked(const Int8KernelArgs& g, bool b_transposed, int64_t m0, int64_t m1, int64_t n0,
                           int64_t n1) {
  if (!b_transposed) return int8_compute(g, m0, m1, n0, n1);
  if (g.a_unsigned) {
    int8_dots<uint8_t>(g, m0, m1, n0, n1);
  } else {
    int8_dots<int8_t>(g, m0, m1, n0, n1);
  }
}

size_t f32_packed_bytes(int64_t k, int64_t n) { return static_cast<size_t>(k * n) * sizeof(float); }

void f32_pack(const float* b, bool transposed, int64_t k, int64_t n, uint8_t* dst) {
  pack_plain(b, transposed, k, n, reinterpret_cast<float*>(dst));
}

void f32_compute(const F32KernelArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const float* b = reinterpret_cast<const float*>(g.packed_b);
  for (int64_t i = m0; i < m1; ++i) {
    const float* a = g.a + i * g.lda;
    float* c = g.c + i * g.ldc;
    for (int64_t j = n0; j < n1; ++j) c[j] = 0.0f;
    for (int64_t p = 0; p < g.k; ++p) {
      const float ap = a[p];
      const float* brow = b + p * g.n;
      for (int64_t j = n0; j < n1; ++j) c[j] += ap * brow[j];
    }
  }
}

}  // namespace

extern const Int8Kernel kScalarInt8Kernel = {
    "scalar", Isa::kScalar, 1, int8_packed_bytes, int8_pack, int8_compute, int8_compute_unpacked,
};

extern const F32Kernel kScalarF32Kernel = {
    "scalar", Isa::kScalar, 1, f32_packed_bytes, f32_pack, f32_compute,
};

}  // namespace qgemm
