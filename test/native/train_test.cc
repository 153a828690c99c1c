// The native training helpers against their definitions, in C++ alone:
// the dynamic code's bucketed nearest-value search equals the binary search
// over a dense sweep of float32 values, and the block-wise and Adam paths give
// the same bits under the scalar cap and the best ISA; W quantized straight
// into its packs equals quantizing it whole and packing that.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "check.h"
#include "cpu/cpu_features.h"
#include "gemm/packed_b.h"
#include "quant/symmetric.h"
#include "threads/thread_pool.h"
#include "train/adam.h"
#include "train/dynamic_code.h"
#include "train/weight_pack.h"

namespace {

float from_bits(uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// Every 61st float32 bit pattern of [-1, 1] (and of [0, 1] for the unsigned
// code), plus every code value and midpoint with its neighbours.
void test_nearest_sweep() {
  for (bool is_signed : {true, false}) {
    const qgemm::DynamicCode& c = qgemm::dynamic_code(is_signed);
    EXPECT(c.corrections >= 1 && c.corrections <= 2);
    int64_t mismatches = 0;
    for (uint32_t b = 0; b <= 0x3F800000u; b += 61) {
      for (float x : {from_bits(b), -from_bits(b)}) {
        if (!is_signed && x < 0) continue;
        mismatches += c.nearest(x) != c.nearest_reference(x);
      }
    }
    for (int j = 0; j < 255; ++j) {
      for (float x : {c.values[j], c.mids[j], std::nextafter(c.mids[j], 2.0f), std::nextafter(c.mids[j], -2.0f)}) {
        mismatches += c.nearest(x) != c.nearest_reference(x);
      }
    }
    EXPECT(mismatches == 0);
    // Outside [-1, 1] (never produced by a division by absmax) still matches, and NaN is 0.
    EXPECT(c.nearest(1.5f) == c.nearest_reference(1.5f));
    EXPECT(c.nearest(-3.0f) == c.nearest_reference(-3.0f));
    EXPECT(c.nearest(NAN) == 0);
  }
}

// The 8-bit step under the scalar cap and the best ISA: identical bits.
void test_adam8bit_isas(qgemm::StateCode code) {
  const int64_t n = 3 * qgemm::kAdam8bitBlock + 101;
  std::vector<float> grad(n);
  uint32_t s = 12345;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    grad[i] = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * std::pow(10.0f, -static_cast<float>(i % 7));
  }
  const qgemm::Adam8bitParams a{0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0.0f, 1e-3f, 0.0316f};
  std::vector<float> p[2];
  std::vector<uint8_t> qm[2], qv[2];
  std::vector<float> am[2], av[2];
  const qgemm::Isa best = qgemm::Isa::kAll;
  for (int k = 0; k < 2; ++k) {
    qgemm::set_isa_cap(k == 0 ? qgemm::Isa::kScalar : best);
    p[k].assign(n, 0.5f);
    qm[k].assign(n, 0);
    qv[k].assign(n, 0);
    am[k].assign(4, 0.0f);
    av[k].assign(4, 0.0f);
    for (int step = 0; step < 3; ++step) {
      qgemm::adam8bit_step(p[k].data(), grad.data(), qm[k].data(), qv[k].data(), am[k].data(), av[k].data(), n, a, code);
    }
  }
  qgemm::set_isa_cap(qgemm::Isa::kAll);
  EXPECT(std::memcmp(p[0].data(), p[1].data(), n * sizeof(float)) == 0);
  EXPECT(qm[0] == qm[1]);
  EXPECT(qv[0] == qv[1]);
  EXPECT(am[0] == am[1] && av[0] == av[1]);
}

// quantize_pack_weights against symmetric_quantize_rows + PackedB::create of the
// levels as B = W^T (rows pack) and as B = W (cols pack):
// the same scales, packed bytes, column sums and compensations, under every
// ISA cap (each packs its kernel's layout) at 1 and 2 threads, for shapes with
// partial row blocks, partial panels, and k a multiple of 16 or not.
void expect_same_pack(const qgemm::PackedB& got, const qgemm::PackedB& want, int32_t shift) {
  EXPECT(got.layout() == want.layout() && got.bytes() == want.bytes());
  EXPECT(std::memcmp(got.data(), want.data(), want.bytes()) == 0);
  EXPECT(std::memcmp(got.col_sums(), want.col_sums(), static_cast<size_t>(want.n()) * 4) == 0);
  const int32_t* a = got.shift_compensation(shift);
  const int32_t* b = want.shift_compensation(shift);
  EXPECT((a == nullptr) == (b == nullptr));
  if (a != nullptr && b != nullptr) EXPECT(std::memcmp(a, b, static_cast<size_t>(want.n()) * 4) == 0);
}

// Rows whose quotients leave [-127, 127] or are not numbers: subnormal rows
// whose scale rounds to 0 (x / 0 = +-inf, 0 / 0 = NaN) or to 1 ulp (quotients
// up to +-190), an infinite and a NaN weight (a row scale of inf).
void add_special_rows(std::vector<float>& w, int64_t in) {
  const float ulp = std::numeric_limits<float>::denorm_min();
  for (int64_t c = 0; c < in; ++c) {
    w[static_cast<size_t>(1 * in + c)] = static_cast<float>(c % 15 - 7) * ulp;  // amax 7 ulp: scale 0
    w[static_cast<size_t>(2 * in + c)] = static_cast<float>((c * 37) % 381 - 190) * ulp;  // scale 1 ulp
  }
  w[static_cast<size_t>(2 * in + 5)] = -190.0f * ulp;
  w[static_cast<size_t>(2 * in + 6)] = 190.0f * ulp;
  w[static_cast<size_t>(3 * in + 7)] = std::numeric_limits<float>::infinity();
  w[static_cast<size_t>(4 * in + 7)] = -std::numeric_limits<float>::infinity();
  w[static_cast<size_t>(5 * in + 9)] = std::numeric_limits<float>::quiet_NaN();
}

void test_quantize_pack_weights() {
  const int64_t shapes[][2] = {{70, 150}, {200, 160}, {1, 16}, {130, 64}, {64, 33}, {3, 1}, {64, 48}};
  const qgemm::Isa caps[] = {qgemm::Isa::kScalar, qgemm::Isa::kAvx2, qgemm::Isa::kAvxVnni, qgemm::Isa::kAvx512Vnni,
                             qgemm::Isa::kAll};
  const int threads = qgemm::ThreadPool::global().num_threads();
  uint32_t s = 777;
  for (const auto& shape : shapes) {
    const int64_t out = shape[0], in = shape[1];
    std::vector<float> w(static_cast<size_t>(out * in));
    for (float& v : w) {
      s = s * 1664525u + 1013904223u;
      v = (static_cast<float>(s >> 8) / 16777216.0f - 0.5f) * static_cast<float>(1 + (s & 7));
    }
    w[0] = 0.0f;
    if (out == 64 && in == 48) add_special_rows(w, in);
    for (qgemm::Isa cap : caps) {
      for (int t : {1, 2}) {
        qgemm::set_isa_cap(cap);
        qgemm::ThreadPool::global().set_num_threads(t);
        std::vector<int8_t> qr(w.size());
        std::vector<float> rs(out), rs2(out), rs3(out);
        qgemm::symmetric_quantize_rows(w.data(), out, in, qr.data(), rs.data());
        std::unique_ptr<qgemm::PackedB> want_r, want_c, got_r, got_c, rows_only;
        EXPECT(qgemm::PackedB::create({qr.data(), qgemm::DType::kInt8, true, 0}, in, out, &want_r).ok());
        EXPECT(qgemm::PackedB::create({qr.data(), qgemm::DType::kInt8, false, 0}, out, in, &want_c).ok());
        for (int step = 0; step < 2; ++step) {  // the second step re-uses the packs in place
          EXPECT(qgemm::quantize_pack_weights(w.data(), out, in, rs2.data(), &got_r, &got_c).ok());
          EXPECT(qgemm::quantize_pack_weights(w.data(), out, in, rs3.data(), &rows_only, nullptr).ok());
        }
        EXPECT(rs == rs2 && rs == rs3);
        for (int32_t shift : {128, -128}) {
          expect_same_pack(*got_r, *want_r, shift);
          expect_same_pack(*got_c, *want_c, shift);
          expect_same_pack(*rows_only, *want_r, shift);
        }
      }
    }
  }
  qgemm::set_isa_cap(qgemm::Isa::kAll);
  qgemm::ThreadPool::global().set_num_threads(threads);
}

}  // namespace

int main() {
  test_quantize_pack_weights();
  test_nearest_sweep();
  test_adam8bit_isas(qgemm::StateCode::kTree);
  test_adam8bit_isas(qgemm::StateCode::kFloat8);
  return check::exit_code();
}
