// The 8-bit dynamic (tree) quantization code of 8-bit optimizers (Dettmers
// 2015 "8-Bit Approximations for Parallelism in Deep Learning"; Dettmers et
// al. 2022 "8-bit Optimizers via Block-wise Quantization"): 7 decades
// 10^-6 .. 10^0, each split linearly into the means of a linspace(0.1, 1)
// grid; the signed code (Adam's first moment) has 2^i values per decade i and
// sign, the unsigned one (second moment) 2^(i+1); plus 0 and 1. Values are
// computed in float64 (decade literal * mean) and rounded to float32.
//
// Quantizing a normalized value x (|x| <= 1) picks the nearest code value:
//   index = #{ j < 255 : x > mids[j] },  mids[j] = float32((v[j] + v[j+1]) * 0.5)
// (ties go to the lower value, NaN to 0). A table of buckets over the float
// bit patterns gives the index of each bucket's first value, and at most
// `corrections` comparisons finish it: the same answer as a binary search.
#pragma once

#include <cstdint>
#include <vector>

namespace qgemm {

struct DynamicCode {
  float values[256];  // ascending
  float mids[256];    // mids[255] = +inf
  // Buckets over the order-preserving key of the float bits (see key()).
  uint32_t key_lo = 0, key_hi = 0;
  int shift = 16;
  int corrections = 0;
  std::vector<uint8_t> buckets;  // plus 3 bytes of padding for 32-bit gathers

  static uint32_t key(float x);
  // The nearest index by the bucket table (what the optimizer runs).
  uint8_t nearest(float x) const;
  // The nearest index by binary search over mids (the definition).
  uint8_t nearest_reference(float x) const;
};

// Built once per process (thread-safe).
const DynamicCode& dynamic_code(bool is_signed);

// Block-wise quantization (one absmax per block of `block` values, NaN ignored;
// a block of zeros keeps absmax 0 and quantizes to the code's 0):
//   absmax[b] = max |x|,  q = nearest(absmax > 0 ? float32(x / absmax) : 0)
void blockwise_quantize(const float* x, int64_t n, int64_t block, const DynamicCode& code, uint8_t* q,
                        float* absmax);
// x = float32(values[q] * absmax[block of x])
void blockwise_dequantize(const uint8_t* q, const float* absmax, int64_t n, int64_t block, const DynamicCode& code,
                          float* x);

}  // namespace qgemm
