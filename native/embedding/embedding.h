// Embedding tables and their bag lookup (EmbeddingBag), with PyTorch / FBGEMM
// semantics matched bit for bit (scripts/make_embedding_fixtures.py):
//
//   float32   rows x dim float32.
//   rowwise8  FBGEMM "fused 8-bit row-wise": per row dim uint8 codes, then
//             float32 scale and float32 bias (row = dim + 8 bytes);
//             value = scale * q + bias.
//   rowwise4  FBGEMM 4-bit row-wise: per row ceil(dim / 2) bytes, two codes a
//             byte (even column in the low nibble), then fp16 scale and fp16
//             bias (row = ceil(dim / 2) + 4 bytes).
//
// A bag's result: sum / mean / max over its rows (per-sample weights for
// sum only), computed as FBGEMM's EmbeddingSpMDM: out = fma(w, x, out) for
// float32 rows, out = fma(w * scale, q, out + w * bias) for quantized rows,
// in the order the ids come; mean multiplies by float32(1 / n) for quantized
// tables (FBGEMM's normalize_by_lengths) and divides by n for float32 (as
// torch.nn.functional.embedding_bag). Rows equal to padding_idx are skipped
// and not counted. An empty bag gives zeros.
#pragma once

#include <cstdint>

#include "gemm/types.h"

namespace qgemm {

enum class TableFormat : int { kFloat32 = 0, kRowwise8 = 1, kRowwise4 = 2 };
enum class Pooling : int { kSum = 0, kMean = 1, kMax = 2 };

// Bytes of one row of `dim` values; 0 for an unknown format.
int64_t table_row_bytes(TableFormat format, int64_t dim);

struct EmbeddingTable {
  const void* data = nullptr;  // rows * table_row_bytes(format, dim) bytes
  int64_t rows = 0, dim = 0;
  TableFormat format = TableFormat::kFloat32;
};

// Indices as the caller stores them: int32 or int64.
struct IndexArray {
  const void* data = nullptr;
  int64_t length = 0;
  bool wide = false;  // int64
  int64_t at(int64_t i) const {
    return wide ? static_cast<const int64_t*>(data)[i] : static_cast<const int32_t*>(data)[i];
  }
};

struct BagDesc {
  EmbeddingTable table;
  IndexArray ids;
  // PyTorch's offsets: one start per bag (the last bag ends at ids.length),
  // or, with include_last_offset, bags + 1 boundaries.
  IndexArray offsets;
  bool include_last_offset = false;
  const float* per_sample_weights = nullptr;  // ids.length values, or null
  Pooling pooling = Pooling::kSum;
  int64_t padding_idx = -1;  // < 0: none
  float* out = nullptr;       // bags x dim
};

int64_t bag_count(const BagDesc& d);

// Checks every id against the table and the offsets (offsets[0] == 0,
// non-decreasing, within ids.length) without reading the table.
Status validate_bags(const BagDesc& d);

// validate_bags, then the lookup, threaded over bags (results do not depend
// on the thread count or the ISA).
Status embedding_bag(const BagDesc& d);

// Quantize a float32 table (rows x dim) to rowwise8 / rowwise4 as
// torch.ops.quantized.embedding_bag_byte_prepack / embedding_bag_4bit_prepack.
// Fails with kNotFinite (nothing defined written) on NaN or infinity.
Status quantize_table(const float* x, int64_t rows, int64_t dim, TableFormat format, uint8_t* out);
// value = float32(scale * q) + bias per element (two roundings, as PyTorch's
// embedding_bag_byte_unpack / embedding_bag_4bit_unpack).
Status dequantize_table(const uint8_t* table, int64_t rows, int64_t dim, TableFormat format, float* out);

// One row, for the sparse optimizers: the row's values, and its re-quantization.
void dequantize_row8(const uint8_t* row, int64_t dim, float* out);
void quantize_row8(const float* x, int64_t dim, uint8_t* row);
void dequantize_row4(const uint8_t* row, int64_t dim, float* out);
void quantize_row4(const float* x, int64_t dim, uint8_t* row);

}  // namespace qgemm
