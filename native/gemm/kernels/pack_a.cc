#include "gemm/kernels/pack_a.h"

#include <cstring>

namespace qgemm {

namespace {

// A's element (r, k0 + p) as int32, 0 past k.
template <typename TA>
struct Rows {
  const uint8_t* a;
  int64_t lda, k0, avail;  // avail: valid depth from k0
  int32_t at(int r, int64_t p) const {
    return p < avail ? static_cast<int32_t>(reinterpret_cast<const TA*>(a + r * lda)[k0 + p]) : 0;
  }
};

int64_t available(int64_t k0, int64_t kc, int64_t k) { return k - k0 < kc ? k - k0 : kc; }

template <typename TA>
void widen_t(const uint8_t* a, int64_t lda, int rows, int64_t k0, int64_t kc, int64_t k, int32_t* d) {
  const Rows<TA> s{a, lda, k0, available(k0, kc, k)};
  for (int r = 0; r < rows; ++r) {
    for (int64_t p = 0; p < kc; ++p) d[p * rows + r] = s.at(r, p);
  }
}

template <typename TA>
void pairs_t(const uint8_t* a, int64_t lda, int rows, int64_t k0, int64_t kc, int64_t k, uint32_t* d) {
  const Rows<TA> s{a, lda, k0, available(k0, kc, k)};
  for (int r = 0; r < rows; ++r) {
    for (int64_t p = 0; p < kc; p += 2) {
      d[p / 2 * rows + r] = static_cast<uint16_t>(s.at(r, p)) | static_cast<uint32_t>(static_cast<uint16_t>(s.at(r, p + 1))) << 16;
    }
  }
}

// Quads with every byte XORed with `flip` (0x80: the +-128 shift), zero past k.
void quads(const uint8_t* a, int64_t lda, uint8_t flip, int rows, int64_t k0, int64_t kc, int64_t k, uint8_t* dst) {
  const int64_t avail = available(k0, kc, k);
  for (int r = 0; r < rows; ++r) {
    const uint8_t* src = a + r * lda + k0;
    uint8_t* d = dst + r * 4;
    int64_t p = 0;
    for (; p + 4 <= avail; p += 4) {
      for (int t = 0; t < 4; ++t) d[p * rows + t] = src[p + t] ^ flip;
    }
    for (; p < kc; p += 4) {
      for (int t = 0; t < 4; ++t) d[p * rows + t] = p + t < avail ? src[p + t] ^ flip : 0;
    }
  }
}

}  // namespace

void pack_a_int32(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                  uint8_t* dst) {
  int32_t* d = reinterpret_cast<int32_t*>(dst);
  a_unsigned ? widen_t<uint8_t>(a, lda, rows, k0, kc, k, d) : widen_t<int8_t>(a, lda, rows, k0, kc, k, d);
}

void pack_a_pairs16(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                    uint8_t* dst) {
  uint32_t* d = reinterpret_cast<uint32_t*>(dst);
  a_unsigned ? pairs_t<uint8_t>(a, lda, rows, k0, kc, k, d) : pairs_t<int8_t>(a, lda, rows, k0, kc, k, d);
}

void pack_a_quads_u8(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                     uint8_t* dst) {
  quads(a, lda, a_unsigned ? 0 : 0x80, rows, k0, kc, k, dst);
}

void pack_a_quads_s8(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                     uint8_t* dst) {
  quads(a, lda, a_unsigned ? 0x80 : 0, rows, k0, kc, k, dst);
}

void pack_a_rows32(const uint8_t* a, int64_t lda, bool, int rows, int64_t k0, int64_t kc, int64_t k, uint8_t* dst) {
  const int64_t avail = available(k0, kc, k);
  for (int r = 0; r < 32; ++r) {
    uint8_t* d = dst + r * kc;
    if (r < rows) {
      std::memcpy(d, a + r * lda + k0, static_cast<size_t>(avail));
      std::memset(d + avail, 0, static_cast<size_t>(kc - avail));
    } else {
      std::memset(d, 0, static_cast<size_t>(kc));
    }
  }
}

void pack_a_mmla(const uint8_t* a, int64_t lda, bool, int rows, int64_t k0, int64_t kc, int64_t k, uint8_t* dst) {
  const int64_t avail = available(k0, kc, k);
  const int rows_pad = (rows + 1) / 2 * 2;
  for (int r = 0; r < rows_pad; ++r) {
    for (int64_t p = 0; p < kc; ++p) {
      dst[(p / 8) * rows_pad * 8 + (r / 2) * 16 + (r % 2) * 8 + p % 8] = r < rows && p < avail ? a[r * lda + k0 + p] : 0;
    }
  }
}

}  // namespace qgemm
