#include "train/int8_linear.h"

#include <algorithm>
#include <cmath>

#include "gemm/epilogue.h"
#include "gemm/gemm.h"
#include "quant/symmetric.h"
#include "train/elementwise.h"
#include "train/weight_pack.h"

namespace qgemm {

namespace {

Status missing(const char* what) { return Status::Error(StatusCode::kInvalidArgument, what); }

// Adam on one converted block of dW (rows [m0, m1), columns [n0, n1) of W):
// the element-wise update of adam_step, so the same bits.
struct AdamConsumer {
  const FusedAdam* adam;
  int64_t in;
};

void adam_on_block(void* ctx, const float* block, int64_t ld, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const AdamConsumer& c = *static_cast<const AdamConsumer*>(ctx);
  const FusedAdam& f = *c.adam;
  const auto& ops = adam_detail::active_ops();
  for (int64_t i = m0; i < m1; ++i) {
    const int64_t at = i * c.in + n0;
    ops.adam(f.p + at, block + (i - m0) * ld, f.m + at, f.v + at, n1 - n0, f.params);
  }
}

float max_of(const float* x, int64_t n) {
  float m = 0.0f;
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// |dW| <= sum over the batch of 127 * 127 * dY scale * X scale: finite
// scales (they are amax / 127 of finite or infinite values) and a finite
// bound mean no element of dW can be NaN or infinite, so a fused update
// never meets a gradient the optimizer would have refused.
bool finite_product_bound(const Int8WeightGradDesc& d) {
  const double bound = 127.0 * 127.0 * static_cast<double>(d.rows) * max_of(d.dy_scales, d.out) * max_of(d.x_scales, d.in);
  return std::isfinite(bound) && bound < 1e38;
}

// C (m x n, float32) = A (m x k, int8; stored k x m when a_transposed) x B
// (k x n, int8; stored n x k when b_transposed), scaled per row of A and per
// column of B, plus bias.
Status scaled_int8_gemm(int64_t m, int64_t n, int64_t k, const int8_t* a, bool a_transposed, const float* a_scales,
                        const int8_t* b, bool b_transposed, const float* b_scales, const float* bias, float* c,
                        const PackedB* packed_b = nullptr, const AdamConsumer* consumer = nullptr) {
  Epilogue e;
  if (consumer != nullptr) {
    e.consume = adam_on_block;
    e.consume_ctx = const_cast<AdamConsumer*>(consumer);
  }
  e.out_type = DType::kFloat32;
  e.a_scale = a_scales;
  e.a_scale_per_row = true;
  e.b_scale = b_scales;
  e.b_scale_per_column = true;
  e.bias = bias;
  GemmDesc g;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = {a, DType::kInt8, a_transposed, 0};
  g.b = {b, DType::kInt8, b_transposed, 0};
  g.packed_b = packed_b;
  g.c = c;
  g.c_type = DType::kFloat32;
  g.epilogue = &e;
  return gemm(g, Backend::kBuiltin);
}

}  // namespace

Status int8_pack_weights(const float* w, int64_t out, int64_t in, float* row_scales, bool columns,
                         Int8WeightPacks* packs) {
  if (columns) packs->dx_mults.resize(static_cast<size_t>(out));
  Status s = quantize_pack_weights(w, out, in, row_scales, &packs->rows, columns ? &packs->cols : nullptr,
                                   columns ? packs->dx_mults.data() : nullptr);
  if (!columns) packs->cols.reset();
  return s;
}

Status int8_linear_forward(const Int8ForwardDesc& d) {
  if (d.rows < 0 || d.in < 0 || d.out < 0) return missing("negative dimension");
  if (!d.x || !d.w || !d.x_q || !d.x_scales || !d.w_row_scales || !d.y) return missing("null buffer");
  symmetric_quantize_rows(d.x, d.rows, d.in, d.x_q, d.x_scales);
  if (d.packs != nullptr) {
    // W quantized straight into the packed layouts; no int8 copy of W.
    Status s = int8_pack_weights(d.w, d.out, d.in, d.w_row_scales, d.columns, d.packs);
    if (!s.ok()) return s;
    return scaled_int8_gemm(d.rows, d.out, d.in, d.x_q, false, d.x_scales, nullptr, true, d.w_row_scales, d.bias, d.y,
                            d.packs->rows.get());
  }
  if (!d.w_q_rows) return missing("null buffer");
  symmetric_quantize_rows(d.w, d.out, d.in, d.w_q_rows, d.w_row_scales);
  return scaled_int8_gemm(d.rows, d.out, d.in, d.x_q, false, d.x_scales, d.w_q_rows, true, d.w_row_scales, d.bias,
                          d.y);
}

Status int8_linear_input_grad(const Int8InputGradDesc& d) {
  if (d.rows < 0 || d.in < 0 || d.out < 0) return missing("negative dimension");
  if (!d.dy || !d.dy_q || !d.dy_scales || !d.dx) return missing("null buffer");
  const PackedB* pack = d.packs != nullptr ? d.packs->cols.get() : nullptr;
  const float* mults = nullptr;
  std::vector<float> own_mults;
  if (d.packs != nullptr) {
    if (pack == nullptr || pack->k() != d.out || pack->n() != d.in ||
        d.packs->dx_mults.size() != static_cast<size_t>(d.out)) {
      return missing("packs hold no input-gradient pack of this shape");
    }
    mults = d.packs->dx_mults.data();
  } else {
    if (!d.w_q_rows || !d.w_row_scales) return missing("null buffer");
    own_mults.resize(static_cast<size_t>(d.out));
    input_grad_multipliers(d.w_q_rows, d.out, d.in, d.w_row_scales, own_mults.data());
    mults = own_mults.data();
  }
  symmetric_quantize_rows_scaled(d.dy, d.rows, d.out, mults, d.dy_q, d.dy_scales);
  return scaled_int8_gemm(d.rows, d.in, d.out, d.dy_q, false, d.dy_scales, d.w_q_rows, false, nullptr, nullptr, d.dx,
                          pack);
}

Status int8_linear_weight_grad(const Int8WeightGradDesc& d) {
  if (d.rows < 0 || d.in < 0 || d.out < 0 || d.block < 0) return missing("negative dimension");
  if (!d.dy || !d.x || !d.dy_q || !d.dy_scales || !d.x_q || !d.x_scales || !d.dw) return missing("null buffer");
  const int64_t blocks = scale_blocks(d.rows, d.block);
  if (blocks > 1 && d.partial == nullptr) return missing("partial is needed for more than one block");
  if (blocks == 0) {  // no rows: the gradient of an empty batch
    std::fill(d.dw, d.dw + d.out * d.in, 0.0f);
    return Status::Ok();
  }
  const int64_t block = blocks == 1 ? d.rows : d.block;
  symmetric_quantize_column_blocks(d.dy, d.rows, d.out, block, true, d.seed, d.dy_q, d.dy_scales);
  symmetric_quantize_column_blocks(d.x, d.rows, d.in, block, false, 0, d.x_q, d.x_scales);
  if (d.fused != nullptr) *d.fused = false;
  if (d.adam != nullptr && blocks == 1 && finite_product_bound(d)) {
    const AdamConsumer consumer{d.adam, d.in};
    Status s = scaled_int8_gemm(d.out, d.in, d.rows, d.dy_q, true, d.dy_scales, d.x_q, false, d.x_scales, nullptr, d.dw,
                                nullptr, &consumer);
    if (s.ok() && d.fused != nullptr) *d.fused = true;
    return s;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t r0 = b * block, r1 = std::min(d.rows, r0 + block);
    float* c = b == 0 ? d.dw : d.partial;
    Status s = scaled_int8_gemm(d.out, d.in, r1 - r0, d.dy_q + r0 * d.out, true, d.dy_scales + b * d.out,
                                d.x_q + r0 * d.in, false, d.x_scales + b * d.in, nullptr, c);
    if (!s.ok()) return s;
    if (b > 0) add_into(d.partial, d.out * d.in, d.dw);
  }
  return Status::Ok();
}

}  // namespace qgemm
