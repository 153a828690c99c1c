// One block of the 8-bit Adam step, written once over a vector type V and a
// state code C (adam_avx2.cc, adam_avx512.cc compile it with their own flags).
// Lane by lane the same float32 operations in the same order as the scalar
// adam8bit_update, so every ISA gives the same bits; the block's tail takes
// the scalar code. Internal linkage (an anonymous namespace): the copies
// compiled with different flags must never be merged by the linker.
//
// V: T, kLanes, set1, zero, load, store, store_aligned, add, sub, mul, div,
//    sqrt, abs, max (max(x, cur) keeps cur where x is NaN), saturate, max_lane.
// C: m(q), v(q) (kLanes code values), scalar (adam.h's decoder of the code),
//    quantize(tm, tv, new_am, new_av, n, qm, qv) (the whole block's codes).
#pragma once

#include <cstdint>

#include "train/adam.h"

namespace qgemm {
namespace adam_detail {
namespace {

template <typename V, typename C>
void adam8bit_block_simd(float* p, const float* grad, uint8_t* qm, uint8_t* qv, float* absm, float* absv, int64_t n,
                         const Adam8bitParams& a) {
  using T = typename V::T;
  constexpr int64_t L = V::kLanes;
  const C code;
  alignas(64) float tm[kAdam8bitBlock], tv[kAdam8bitBlock];
  const float am = *absm, av = *absv;
  const T vam = V::set1(am), vav = V::set1(av);
  const T b1 = V::set1(a.beta1), b2 = V::set1(a.beta2);
  const T omb1 = V::set1(a.one_minus_beta1), omb2 = V::set1(a.one_minus_beta2);
  const T wd = V::set1(a.weight_decay), eps = V::set1(a.eps);
  const T step = V::set1(a.step_size), c2 = V::set1(a.c2);
  T vnam = V::zero(), vnav = V::zero();
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    prefetch_ahead(p, grad, qm, qv, i);
    const T pv = V::load(p + i);
    const T g = V::add(V::load(grad + i), V::mul(wd, pv));
    const T mi = V::saturate(V::add(V::mul(b1, V::mul(code.m(qm + i), vam)), V::mul(omb1, g)));
    const T vi = V::saturate(V::add(V::mul(b2, V::mul(code.v(qv + i), vav)), V::mul(V::mul(omb2, g), g)));
    const T denom = V::add(V::div(V::sqrt(vi), c2), eps);
    V::store(p + i, V::sub(pv, V::div(V::mul(step, mi), denom)));
    V::store_aligned(tm + i, mi);
    V::store_aligned(tv + i, vi);
    vnam = V::max(V::abs(mi), vnam);  // NaN lanes keep the old maximum, as the scalar `>`
    vnav = V::max(vi, vnav);
  }
  float new_am = V::max_lane(vnam), new_av = V::max_lane(vnav);
  adam8bit_update(p, grad, qm, qv, am, av, i, n, a, tm, tv, &new_am, &new_av, code.scalar);
  *absm = new_am;
  *absv = new_av;
  code.quantize(tm, tv, new_am, new_av, n, qm, qv);
}

}  // namespace
}  // namespace adam_detail
}  // namespace qgemm
