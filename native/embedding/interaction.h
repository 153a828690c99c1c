// DLRM's dot interaction (Naumov et al. 2019, dlrm_s_pytorch.py's "dot"
// interaction with the self-interaction left out): per sample, n vectors of
// `dim` values z_0 .. z_{n-1} (z_0 the bottom MLP's output, z_k the pooled
// bag of table k) give one row of dim + n(n-1)/2 values:
//
//   [ z_0 , z_i . z_j for i = 1 .. n-1, j = 0 .. i-1 ]   (DLRM's order)
//
// The backward: dz_0 = dout[0 : dim] + sum_j g_0j z_j and dz_k = sum_j g_kj z_j,
// g the gradient of the dot products (symmetric, zero diagonal).
// Each dot product sums float32 products in 16 interleaved partial sums, then
// adds them pairwise: the same bits on every thread count (samples are split
// across threads whole). Vectors are rows of `batch` x `dim` float32 matrices.
#pragma once

#include <cstdint>

namespace qgemm {

// out: batch x (dim + n(n-1)/2).
void dot_interaction(const float* const* vectors, int64_t n, int64_t batch, int64_t dim, float* out);

// d_vectors[k]: batch x dim, overwritten. d_out: batch x (dim + n(n-1)/2).
void dot_interaction_backward(const float* const* vectors, int64_t n, int64_t batch, int64_t dim, const float* d_out,
                              float* const* d_vectors);

}  // namespace qgemm
