// native/layers/finite_rows: every kind of non-finite value is found in every
// position of a row (the vectorized loop's body and its tail), and quantized_linear
// refuses (or propagates) such rows.
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "check.h"
#include "gemm/packed_b.h"
#include "layers/finite_rows.h"
#include "layers/quantized_linear.h"

namespace {

void test_all_positions() {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  for (int n = 1; n <= 40; n++) {
    std::vector<float> row(n, 1.0f);
    row[0] = std::numeric_limits<float>::max();  // finite extremes are not flagged
    if (n > 1) row[1] = -std::numeric_limits<float>::denorm_min();
    EXPECT(qgemm::all_finite(row.data(), n));
    for (int i = 0; i < n; i++) {
      for (const float v : bad) {
        std::vector<float> r = row;
        r[i] = v;
        EXPECT(!qgemm::all_finite(r.data(), n));
      }
    }
  }
  EXPECT(qgemm::all_finite(nullptr, 0));
}

void test_rows() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float x[] = {1, 2, 3, /**/ 4, nan, 6, /**/ 7, 8, 9, /**/ -INFINITY, 0, 0};
  const qgemm::NonFiniteRows r = qgemm::find_non_finite_rows(x, 4, 3);
  CHECK(r.rows.size() == 2);
  EXPECT(r.rows[0] == 1 && r.rows[1] == 3);
  EXPECT(r.first_column == 1);
  EXPECT(std::isnan(r.first_value));
  EXPECT(qgemm::find_non_finite_rows(x, 1, 3).rows.empty());
}

void test_quantized_linear() {
  const std::vector<int8_t> w = {1, 2, 3, 4, 5, 6};  // K = 3, N = 2
  std::unique_ptr<qgemm::PackedB> packed;
  CHECK(qgemm::PackedB::create({w.data(), qgemm::DType::kInt8, false, 0}, 3, 2, &packed).ok());
  const float scale = 1.0f;
  const float x[] = {1, 2, 3, /**/ 1, NAN, 3};
  std::vector<float> out(4, -1.0f);
  qgemm::QuantizedLinearDesc d;
  d.rows = 2;
  d.x = x;
  d.weights = packed.get();
  d.w_scales = &scale;
  d.w_per_channel = false;
  d.out = out.data();
  const qgemm::Status refused = qgemm::quantized_linear(d);
  EXPECT(refused.code == qgemm::StatusCode::kNotFinite);
  EXPECT(refused.message.find("x row 1 holds NaN (x[1][1])") == 0);
  d.propagate_non_finite = true;
  CHECK(qgemm::quantized_linear(d).ok());
  EXPECT(std::isfinite(out[0]) && std::isfinite(out[1]));
  EXPECT(std::isnan(out[2]) && std::isnan(out[3]));
}

}  // namespace

int main() {
  test_all_positions();
  test_rows();
  test_quantized_linear();
  return check::exit_code();
}
