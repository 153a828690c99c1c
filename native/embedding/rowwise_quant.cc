// Row-wise quantization of embedding tables, as FBGEMM's reference
// FloatOrHalfToFused8BitRowwiseQuantizedSBFloat and
// FloatOrHalfToFusedNBitRowwiseQuantizedSBHalf (which PyTorch's
// embedding_bag_byte_prepack / embedding_bag_4bit_prepack call).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "embedding/embedding.h"
#include "embedding/half.h"
#include "threads/thread_pool.h"

namespace qgemm {

int64_t table_row_bytes(TableFormat format, int64_t dim) {
  switch (format) {
    case TableFormat::kFloat32: return dim * 4;
    case TableFormat::kRowwise8: return dim + 8;
    case TableFormat::kRowwise4: return (dim + 1) / 2 + 4;
  }
  return 0;
}

namespace {

void min_max(const float* x, int64_t dim, float* lo, float* hi) {
  float a = dim > 0 ? x[0] : 0.0f, b = a;
  for (int64_t i = 1; i < dim; ++i) {
    a = x[i] < a ? x[i] : a;
    b = x[i] > b ? x[i] : b;
  }
  *lo = a;
  *hi = b;
}

inline uint8_t clamp_code(long q, long hi) { return static_cast<uint8_t>(q < 0 ? 0 : q > hi ? hi : q); }

// Rows in fixed chunks on the pool; each row independent.
template <typename Fn>
void for_rows(int64_t rows, Fn fn) {
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (rows + kChunk - 1) / kChunk;
  if (chunks <= 1) {
    for (int64_t r = 0; r < rows; ++r) fn(r);
    return;
  }
  ThreadPool::global().parallel_for(chunks, [&](int64_t c) {
    for (int64_t r = c * kChunk, end = std::min(rows, r + kChunk); r < end; ++r) fn(r);
  });
}

}  // namespace

void quantize_row8(const float* x, int64_t dim, uint8_t* row) {
  constexpr float kEpsilon = 1e-8f;
  float lo, hi;
  min_max(x, dim, &lo, &hi);
  const float range = hi - lo;
  const float scale = range / 255.0f, bias = lo;
  std::memcpy(row + dim, &scale, 4);
  std::memcpy(row + dim + 4, &bias, 4);
  const float inverse_scale = 255.0f / (range + kEpsilon);
  for (int64_t i = 0; i < dim; ++i) row[i] = clamp_code(std::lrintf((x[i] - lo) * inverse_scale), 255);
}

void dequantize_row8(const uint8_t* row, int64_t dim, float* out) {
  float scale, bias;
  std::memcpy(&scale, row + dim, 4);
  std::memcpy(&bias, row + dim + 4, 4);
  for (int64_t i = 0; i < dim; ++i) out[i] = scale * static_cast<float>(row[i]) + bias;  // two roundings, as unpack
}

void quantize_row4(const float* x, int64_t dim, uint8_t* row) {
  float lo, hi;
  min_max(x, dim, &lo, &hi);
  lo = half_to_float(float_to_half(lo));  // the bias as stored, so codes are relative to it
  const float range = hi - lo;
  float scale = half_to_float(float_to_half(range == 0.0f ? 1.0f : range / 15.0f));
  float inverse_scale = scale == 0.0f ? 1.0f : 1.0f / scale;
  if (scale == 0.0f || std::isinf(inverse_scale)) {
    scale = 1.0f;
    inverse_scale = 1.0f;
  }
  const int64_t bytes = (dim + 1) / 2;
  std::memset(row, 0, static_cast<size_t>(bytes));
  for (int64_t i = 0; i < dim; ++i) {
    const uint8_t q = clamp_code(std::lrintf((x[i] - lo) * inverse_scale), 15);
    row[i / 2] |= static_cast<uint8_t>(q << ((i & 1) * 4));
  }
  const uint16_t hs = float_to_half(scale), hb = float_to_half(lo);
  std::memcpy(row + bytes, &hs, 2);
  std::memcpy(row + bytes + 2, &hb, 2);
}

void dequantize_row4(const uint8_t* row, int64_t dim, float* out) {
  const int64_t bytes = (dim + 1) / 2;
  uint16_t hs, hb;
  std::memcpy(&hs, row + bytes, 2);
  std::memcpy(&hb, row + bytes + 2, 2);
  const float scale = half_to_float(hs), bias = half_to_float(hb);
  for (int64_t i = 0; i < dim; ++i) {
    const float q = static_cast<float>((row[i / 2] >> ((i & 1) * 4)) & 0xF);
    out[i] = scale * q + bias;
  }
}

Status quantize_table(const float* x, int64_t rows, int64_t dim, TableFormat format, uint8_t* out) {
  if (format != TableFormat::kRowwise8 && format != TableFormat::kRowwise4) {
    return Status::Error(StatusCode::kInvalidArgument, "format must be rowwise8 or rowwise4");
  }
  for (int64_t i = 0, n = rows * dim; i < n; ++i) {
    if (!std::isfinite(x[i])) return Status::Error(StatusCode::kNotFinite, "the table holds NaN or infinity");
  }
  const int64_t rb = table_row_bytes(format, dim);
  for_rows(rows, [&](int64_t r) {
    if (format == TableFormat::kRowwise8) {
      quantize_row8(x + r * dim, dim, out + r * rb);
    } else {
      quantize_row4(x + r * dim, dim, out + r * rb);
    }
  });
  return Status::Ok();
}

Status dequantize_table(const uint8_t* table, int64_t rows, int64_t dim, TableFormat format, float* out) {
  if (format != TableFormat::kRowwise8 && format != TableFormat::kRowwise4) {
    return Status::Error(StatusCode::kInvalidArgument, "format must be rowwise8 or rowwise4");
  }
  const int64_t rb = table_row_bytes(format, dim);
  for_rows(rows, [&](int64_t r) {
    if (format == TableFormat::kRowwise8) {
      dequantize_row8(table + r * rb, dim, out + r * dim);
    } else {
      dequantize_row4(table + r * rb, dim, out + r * dim);
    }
  });
  return Status::Ok();
}

}  // namespace qgemm
