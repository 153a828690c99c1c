#include "train/dynamic_code.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace qgemm {

namespace {

float from_key(uint32_t k) {
  const uint32_t bits = (k & 0x80000000u) ? (k & 0x7FFFFFFFu) : ~k;
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

DynamicCode build(bool is_signed) {
  static const double kDecade[7] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0};
  std::vector<float> v;
  for (int i = 0; i < 7; ++i) {
    const int items = is_signed ? 1 << i : 1 << (i + 1);
    const double step = (1.0 - 0.1) / items;  // numpy.linspace(0.1, 1, items + 1)
    for (int k = 0; k < items; ++k) {
      const double lo = k * step + 0.1;
      const double hi = k + 1 == items ? 1.0 : (k + 1) * step + 0.1;
      const double value = kDecade[i] * ((lo + hi) / 2.0);
      v.push_back(static_cast<float>(value));
      if (is_signed) v.push_back(static_cast<float>(-value));
    }
  }
  v.push_back(0.0f);
  v.push_back(1.0f);
  std::sort(v.begin(), v.end());
  DynamicCode c;
  std::copy(v.begin(), v.end(), c.values);  // 256 values: 2 * 127 + 2 or 254 + 2
  for (int j = 0; j < 255; ++j) c.mids[j] = (c.values[j] + c.values[j + 1]) * 0.5f;
  c.mids[255] = std::numeric_limits<float>::infinity();
  c.key_lo = DynamicCode::key(is_signed ? -1.0f : 0.0f);
  c.key_hi = DynamicCode::key(1.0f);
  const uint32_t count = ((c.key_hi - c.key_lo) >> c.shift) + 1;
  c.buckets.assign(count + 3, 0);
  for (uint32_t b = 0; b < count; ++b) {
    const uint32_t k0 = c.key_lo + (b << c.shift);
    const uint32_t k1 = std::min(c.key_hi, k0 + ((1u << c.shift) - 1));
    const uint8_t first = c.nearest_reference(from_key(k0));
    c.buckets[b] = first;
    c.corrections = std::max(c.corrections, c.nearest_reference(from_key(k1)) - first);
  }
  return c;
}

}  // namespace

uint32_t DynamicCode::key(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return (bits & 0x80000000u) ? ~bits : bits | 0x80000000u;
}

uint8_t DynamicCode::nearest_reference(float x) const {
  return static_cast<uint8_t>(std::lower_bound(mids, mids + 255, x, [](float m, float v) { return m < v; }) - mids);
}

uint8_t DynamicCode::nearest(float x) const {
  if (std::isnan(x)) return 0;
  const uint32_t k = std::min(std::max(key(x), key_lo), key_hi);
  int idx = buckets[(k - key_lo) >> shift];
  for (int c = 0; c < corrections; ++c) idx += x > mids[idx];
  return static_cast<uint8_t>(idx);
}

const DynamicCode& dynamic_code(bool is_signed) {
  static const DynamicCode kSigned = build(true);
  static const DynamicCode kUnsigned = build(false);
  return is_signed ? kSigned : kUnsigned;
}

void blockwise_quantize(const float* x, int64_t n, int64_t block, const DynamicCode& code, uint8_t* q,
                        float* absmax) {
  for (int64_t b0 = 0, b = 0; b0 < n; b0 += block, ++b) {
    const int64_t b1 = std::min(n, b0 + block);
    float m = 0.0f;
    for (int64_t i = b0; i < b1; ++i) m = std::fabs(x[i]) > m ? std::fabs(x[i]) : m;
    absmax[b] = m;
    for (int64_t i = b0; i < b1; ++i) q[i] = code.nearest(m > 0.0f ? x[i] / m : 0.0f);
  }
}

void blockwise_dequantize(const uint8_t* q, const float* absmax, int64_t n, int64_t block, const DynamicCode& code,
                          float* x) {
  for (int64_t i = 0; i < n; ++i) x[i] = code.values[q[i]] * absmax[i / block];
}

}  // namespace qgemm
