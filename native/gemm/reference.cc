#include "gemm/reference.h"

namespace qgemm {

namespace {

template <typename T>
T at(const void* data, bool transposed, int64_t rows, int64_t cols, int64_t r, int64_t c) {
  const T* p = static_cast<const T*>(data);
  return transposed ? p[c * rows + r] : p[r * cols + c];
}

template <typename TA>
void reference_int8(const GemmDesc& d) {
  int32_t* c = static_cast<int32_t*>(d.c);
  for (int64_t i = 0; i < d.m; ++i) {
    for (int64_t j = 0; j < d.n; ++j) {
      uint32_t acc = 0;  // unsigned: wraps without undefined behaviour
      for (int64_t p = 0; p < d.k; ++p) {
        const int32_t a = at<TA>(d.a.data, d.a.transposed, d.m, d.k, i, p);
        const int32_t b = at<int8_t>(d.b.data, d.b.transposed, d.k, d.n, p, j);
        acc += static_cast<uint32_t>(a * b);
      }
      c[i * d.n + j] = static_cast<int32_t>(acc);
    }
  }
}

void reference_f32(const GemmDesc& d) {
  float* c = static_cast<float*>(d.c);
  for (int64_t i = 0; i < d.m; ++i) {
    for (int64_t j = 0; j < d.n; ++j) {
      float acc = 0.0f;
      for (int64_t p = 0; p < d.k; ++p) {
        acc += at<float>(d.a.data, d.a.transposed, d.m, d.k, i, p) *
               at<float>(d.b.data, d.b.transposed, d.k, d.n, p, j);
      }
      c[i * d.n + j] = acc;
    }
  }
}

}  // namespace

void reference_gemm(const GemmDesc& desc) {
  if (desc.a.type == DType::kFloat32) {
    reference_f32(desc);
  } else if (desc.a.type == DType::kUInt8) {
    reference_int8<uint8_t>(desc);
  } else {
    reference_int8<int8_t>(desc);
  }
}

}  // namespace qgemm
