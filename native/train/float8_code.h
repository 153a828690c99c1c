// The table-free 8-bit state code of 8-bit Adam ("float8"): small floats,
// scaled per block like the dynamic tree code, whose nearest value is
// integer arithmetic on the float32 bits instead of a search over a table.
//
//   signed (first moment):    bit 7 the sign, magnitude c in 1..120 is
//                             2^((c >> 3) - 15) * (1 + (c & 7) / 8)   (4 exponent, 3 mantissa bits)
//   unsigned (second moment): c in 1..248 is 2^((c >> 3) - 31) * (1 + (c & 7) / 8)   (5 and 3)
//   code 0 (and the signed 128) is 0; the largest code is exactly 1.
//
// Encoding a normalized y (see Normalizer: the moment times 1 / block maximum): the float32
// bits rounded to 3 mantissa bits, to nearest with ties to even (a carry
// moves into the next binade, as it should), then clamped: below the smallest
// code to 0, above 1 to 1; NaN to 0. The unsigned code keeps the tree code's
// floor: a positive y never becomes 0 (code 1), negative y is 0.
// Range: 2^-15 (4.5 decades) of the block maximum for m, 2^-31 (9.3 decades)
// for v, the square; precision 1/16 of a value at worst, everywhere in range.
#pragma once

#include <cstdint>
#include <cstring>

namespace qgemm {
namespace float8 {

constexpr int32_t kSignedBias = (127 - 15) << 3;    // float32 exponent and 3 mantissa bits -> code
constexpr int32_t kUnsignedBias = (127 - 31) << 3;
constexpr int32_t kSignedMax = 120, kUnsignedMax = 248;

inline uint32_t bits_of(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return b;
}

inline float float_of(uint32_t b) {
  float x;
  std::memcpy(&x, &b, 4);
  return x;
}

// The code of a magnitude's float32 bits (no NaN), before the floor rules.
inline int32_t magnitude_code(uint32_t mag, int32_t bias, int32_t max) {
  const uint32_t rounded = mag + 0x7FFFFu + ((mag >> 20) & 1u);
  const int32_t c = static_cast<int32_t>(rounded >> 20) - bias;
  return c < 0 ? 0 : c > max ? max : c;
}

// A block's normalization: y = (x * s) * r with r = 1 / (max * s), s = 2^64
// for a maximum under 2^-125 (whose reciprocal would overflow float32 and
// send every code to the largest), else s = 1 (then x * s is x); a maximum
// of 0 (values all 0 or NaN) gives r = 0.
struct Normalizer {
  float s, r;
};
inline Normalizer normalizer(float max) {
  if (!(max > 0.0f)) return {1.0f, 0.0f};
  const float s = max < 0x1p-125f ? 0x1p64f : 1.0f;
  return {s, 1.0f / (max * s)};
}
inline float normalize(float x, Normalizer n) { return (x * n.s) * n.r; }

inline uint8_t encode_signed(float y) {
  if (y != y) return 0;
  const uint32_t b = bits_of(y);
  const int32_t c = magnitude_code(b & 0x7FFFFFFFu, kSignedBias, kSignedMax);
  return static_cast<uint8_t>(c == 0 ? 0 : c | static_cast<int32_t>((b >> 31) << 7));
}

inline uint8_t encode_unsigned(float y) {
  if (!(y > 0.0f)) return 0;
  const int32_t c = magnitude_code(bits_of(y), kUnsignedBias, kUnsignedMax);
  return static_cast<uint8_t>(c < 1 ? 1 : c);
}

inline float decode_signed(uint8_t c) {
  const uint32_t mag = c & 127u;
  return mag == 0 ? 0.0f : float_of(((mag + kSignedBias) << 20) | (static_cast<uint32_t>(c >> 7) << 31));
}

inline float decode_unsigned(uint8_t c) { return c == 0 ? 0.0f : float_of((c + static_cast<uint32_t>(kUnsignedBias)) << 20); }

}  // namespace float8
}  // namespace qgemm
