// Training embedding tables: the bag lookup's backward as a sparse gradient
// (one row per distinct id), and fused sparse optimizers that read and write
// only those rows: O(rows touched), never O(table).
#pragma once

#include <cstdint>

#include "embedding/embedding.h"
#include "gemm/types.h"

namespace qgemm {

// d.table's rows, dim and format give the shape (its data is not read);
// d.out is unused. dout: bags x dim. Writes the distinct non-padding ids in
// ascending order to ids_out and their gradient rows to grads_out (both with
// room for d.ids.length entries); *count = how many. A row's gradient sums,
// in the order the ids come, w * dout[bag] (sum; w = 1 without weights) or
// float32(1 / n) * dout[bag] (mean, n = the bag's non-padding ids).
// Max pooling: kInvalidArgument (its gradient needs the forward's argmax).
Status bag_backward(const BagDesc& d, const float* dout, int32_t* ids_out, float* grads_out, int64_t* count);

struct SparseRows {
  const int32_t* ids = nullptr;  // strictly ascending rows of the table
  int64_t count = 0;
  const float* grads = nullptr;  // count x dim
};

// A table the optimizer may write: float32 or rowwise8.
struct MutableTable {
  void* data = nullptr;
  int64_t rows = 0, dim = 0;
  TableFormat format = TableFormat::kFloat32;
};

// Row-wise Adagrad (DLRM / FBGEMM's rowwise_adagrad), per touched row r:
//   g = grad + weight_decay * w;  state[r] += mean(g * g);
//   w -= lr / (sqrt(state[r]) + eps) * g
struct RowwiseAdagradParams {
  float lr = 0.01f, eps = 1e-8f, weight_decay = 0.0f;
};

// Lazy Adam (torch.optim.SparseAdam's update on the touched rows only;
// step_size = lr * sqrt(1 - beta2^t) / (1 - beta1^t), given by the caller):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w -= step_size * m / (sqrt(v) + eps)
struct SparseAdamParams {
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f, step_size = 1e-3f, weight_decay = 0.0f;
};

// On rowwise8 tables each touched row is dequantized (float32(scale * q) +
// bias), updated in float32, and re-quantized with a new scale and bias
// (min and max of the updated row, as quantize_row8) and stochastic
// rounding: q = floor((x - min) * 255 / (range + 1e-8) + u), u uniform in
// [0, 1) from a generator seeded per row by a hash of (seed, row; the caller
// folds the step into seed), so small updates survive in expectation and a
// seed gives the same table on any thread count.
// state: rows floats (Adagrad); m, v: rows x dim floats (Adam).
Status rowwise_adagrad_step(const MutableTable& t, const SparseRows& g, float* state, const RowwiseAdagradParams& p,
                            uint64_t seed);
Status sparse_adam_step(const MutableTable& t, const SparseRows& g, float* m, float* v, const SparseAdamParams& p,
                        uint64_t seed);

// The stochastic re-quantization of one row (exposed for tests).
void quantize_row8_stochastic(const float* x, int64_t dim, uint64_t seed, uint8_t* row);

}  // namespace qgemm
