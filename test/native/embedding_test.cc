// The embedding core on its own: fp16 conversions (every half), row-wise
// quantization round trips, the bag lookup's checks before any read, and
// every compiled ISA giving the scalar kernel's bits.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "check.h"
#include "cpu/cpu_features.h"
#include "embedding/embedding.h"
#include "embedding/half.h"
#include "embedding/sparse.h"

namespace {

using namespace qgemm;

void test_half() {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT(float_to_half(f) == h);  // every non-NaN half survives a round trip
  }
  EXPECT(float_to_half(65519.0f) == 0x7BFF);  // below the midpoint to infinity
  EXPECT(float_to_half(65520.0f) == 0x7C00);
  EXPECT(float_to_half(std::ldexp(1.0f, -25)) == 0);  // the tie at the smallest subnormal goes to even 0
  EXPECT(float_to_half(std::ldexp(1.5f, -25)) == 1);
  EXPECT(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);  // tie to even
  EXPECT(float_to_half(1.0f + std::ldexp(3.0f, -11)) == 0x3C02);
}

void test_quantize() {
  const int64_t rows = 3, dim = 10;
  std::vector<float> x(rows * dim);
  for (int64_t i = 0; i < rows * dim; ++i) x[i] = std::sin(static_cast<float>(i)) * (i < dim ? 0.0f : 3.0f);
  for (TableFormat f : {TableFormat::kRowwise8, TableFormat::kRowwise4}) {
    std::vector<uint8_t> t(rows * table_row_bytes(f, dim));
    std::vector<float> y(rows * dim);
    CHECK(quantize_table(x.data(), rows, dim, f, t.data()).ok());
    CHECK(dequantize_table(t.data(), rows, dim, f, y.data()).ok());
    const float steps = f == TableFormat::kRowwise8 ? 255.0f : 15.0f;
    for (int64_t i = 0; i < rows * dim; ++i) EXPECT(std::fabs(x[i] - y[i]) <= 6.0f / steps / 2 * 1.01f + 1e-3f);
    for (int64_t i = 0; i < dim; ++i) EXPECT(y[i] == 0.0f);  // a constant row comes back exactly
  }
  x[5] = NAN;
  std::vector<uint8_t> t(rows * (dim + 8));
  EXPECT(quantize_table(x.data(), rows, dim, TableFormat::kRowwise8, t.data()).code == StatusCode::kNotFinite);
}

void test_checks_before_reads() {
  // A table pointer that must never be read: every call below fails validation first.
  BagDesc d;
  d.table = {reinterpret_cast<const void*>(uintptr_t{16}), 4, 2, TableFormat::kFloat32};
  const int32_t ids[] = {0, 4}, offsets[] = {0};
  float out[2] = {7, 7};
  d.ids = {ids, 2, false};
  d.offsets = {offsets, 1, false};
  d.out = out;
  EXPECT(embedding_bag(d).code == StatusCode::kOutOfBounds);
  const int32_t bad_offsets[] = {1};
  d.ids.length = 1;
  d.offsets = {bad_offsets, 1, false};
  EXPECT(embedding_bag(d).code == StatusCode::kOutOfBounds);
  EXPECT(out[0] == 7 && out[1] == 7);
}

void test_isas_agree() {
  const int64_t rows = 64;
  for (int64_t dim : {1, 7, 16, 33, 64, 130}) {
    std::vector<float> x(rows * dim);
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<float>(i) * 0.37f);
    std::vector<uint8_t> q8(rows * table_row_bytes(TableFormat::kRowwise8, dim));
    std::vector<uint8_t> q4(rows * table_row_bytes(TableFormat::kRowwise4, dim));
    CHECK(quantize_table(x.data(), rows, dim, TableFormat::kRowwise8, q8.data()).ok());
    CHECK(quantize_table(x.data(), rows, dim, TableFormat::kRowwise4, q4.data()).ok());
    std::vector<int64_t> ids, offsets;
    for (int64_t b = 0; b < 9; ++b) {
      offsets.push_back(static_cast<int64_t>(ids.size()));
      for (int64_t i = 0; i < (b * 7) % 40; ++i) ids.push_back((b * 131 + i * 17) % rows);
    }
    for (const void* data : {static_cast<const void*>(x.data()), static_cast<const void*>(q8.data()),
                             static_cast<const void*>(q4.data())}) {
      const TableFormat f = data == x.data() ? TableFormat::kFloat32 : data == q8.data() ? TableFormat::kRowwise8 : TableFormat::kRowwise4;
      for (Pooling p : {Pooling::kSum, Pooling::kMean, Pooling::kMax}) {
        std::vector<float> want(9 * dim), got(9 * dim);
        BagDesc d;
        d.table = {data, rows, dim, f};
        d.ids = {ids.data(), static_cast<int64_t>(ids.size()), true};
        d.offsets = {offsets.data(), 9, true};
        d.pooling = p;
        set_isa_cap(Isa::kScalar);
        d.out = want.data();
        CHECK(embedding_bag(d).ok());
        set_isa_cap(Isa::kAll);
        d.out = got.data();
        CHECK(embedding_bag(d).ok());
        EXPECT(std::memcmp(want.data(), got.data(), want.size() * 4) == 0);
      }
    }
  }
}

}  // namespace

int main() {
  test_half();
  test_quantize();
  test_checks_before_reads();
  test_isas_agree();
  return check::exit_code();
}
