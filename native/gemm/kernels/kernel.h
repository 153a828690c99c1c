// What a kernel is (the XNNPACK / BLIS split): an MR x NR microkernel, the
// layout its packed B uses, and how it packs A. Everything else -- cache
// blocking, partial tiles, signed/unsigned A, threads, column sums -- is the
// one driver's (driver.h), shared by every kernel.
//
// Packed B of every layout is a sequence of panels of `panel` columns (the
// last one zero-padded); inside a panel the k dimension runs outermost in
// groups of `k_group` (zero-padded to a multiple of `k_pad`), so the bytes of
// (column j0, depth k0) for j0 on a panel boundary and k0 on a group boundary
// are at  (j0 / panel) * panel_bytes + k0 * panel * elem_bytes.
// Kernels that share a layout share packed weights: an AMX machine packs once
// and runs the AMX kernel for many rows and the AVX-512 VNNI one for a few.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cpu/isa.h"

namespace qgemm {

struct PackLayout {
  const char* name;
  int panel;        // columns per panel
  int k_group;      // consecutive k of one column kept together
  int k_pad;        // packed k is a multiple of this (>= k_group)
  int elem_bytes;   // 1 (int8) or 4 (float32)
  // b is k x n row-major, or n x k row-major when transposed; ldb elements
  // between its rows (n, or k when transposed, for a whole matrix; more for a
  // block of a larger one).
  void (*pack)(const void* b, bool transposed, int64_t ldb, int64_t k, int64_t n, uint8_t* dst);

  int64_t padded_k(int64_t k) const { return (k + k_pad - 1) / k_pad * k_pad; }
  int64_t panels(int64_t n) const { return (n + panel - 1) / panel; }
  size_t panel_bytes(int64_t k) const { return static_cast<size_t>(padded_k(k) * panel * elem_bytes); }
  size_t bytes(int64_t k, int64_t n) const { return panel_bytes(k) * static_cast<size_t>(panels(n)); }
  size_t offset(int64_t k, int64_t j0, int64_t k0) const {
    return (j0 / panel) * panel_bytes(k) + static_cast<size_t>(k0 * panel * elem_bytes);
  }
};

// One call of a microkernel: C[0:rows, 0:cols) (=, or += when accumulate) the
// product over kc (a multiple of the layout's k_group; zero padding included)
// of a packed A block and packed B panels.
template <typename TC>
struct MicroArgs {
  const uint8_t* a;       // packed A: this kernel's pack_a output for these rows
                          // (float kernels: row-major A at (i0, k0))
  int64_t lda;            // float kernels: floats between rows of A
  const uint8_t* b;       // packed B at (j0, k0)
  int64_t b_panel_bytes;  // bytes between consecutive panels
  int64_t kc;
  TC* c;                  // C at (i0, j0)
  int64_t ldc;
  int rows;               // 1..mr
  int cols;               // 1..nr
  bool a_unsigned;        // A's type before pack_a (int8 kernels)
  bool accumulate;
  // With !accumulate, added to column j of every row (null: nothing). The
  // int8 driver passes -shift * colsum(B) here when pack_a shifted A.
  const TC* c_init;
};

struct Int8Kernel {
  const char* name;       // also the name of the ISA in test and info output
  FeatureSet requires;
  int priority;           // among runnable kernels of a layout, the highest wins
  int64_t min_rows;       // preferred only for products of at least this many rows
  const PackLayout* layout;
  int mr, nr;             // nr is a multiple of layout->panel
  int64_t mc, kc;         // cache blocking: rows of A and depth per block
  int a_bytes;            // bytes of packed A per row per k (padding included)
  int a_k_pad;            // packed A's depth per block is a multiple of this (AMX: 64), zero-filled
  // Added to each A element by pack_a (so that A fits the instruction's
  // operand type: +128 makes int8 A unsigned for vpdpbusd), by A's type.
  int32_t shift_int8, shift_uint8;
  // Packs rows [0, rows) of A (lda bytes apart; int8 or uint8) over depth
  // [k0, k0 + kc) into dst, zero beyond k (and, if the kernel needs whole
  // tiles, zero rows up to mr). kc is a multiple of a_k_pad.
  void (*pack_a)(const uint8_t* a, int64_t lda, bool a_unsigned, int rows, int64_t k0, int64_t kc, int64_t k,
                 uint8_t* dst);
  void (*micro)(const MicroArgs<int32_t>& args);
  // Per task, around the microkernel calls (AMX: tile configuration and
  // release). Null when not needed.
  void (*begin)();
  void (*end)();
  // The probe (probes/probes.h) that measures the limit of its instruction mix.
  const char* probe;
};

struct F32Kernel {
  const char* name;
  FeatureSet requires;
  int priority;
  const PackLayout* layout;
  int mr, nr;
  int64_t mc, kc;
  void (*micro)(const MicroArgs<float>& args);
  const char* probe;  // as Int8Kernel::probe (null: none)
};

// Few rows of A with B read where the caller left it (k x n row-major, or
// n x k when transposed), no packing: for M up to kMaxDirectRows, packing B on
// every call would cost more than the product, which reads B once anyway.
struct Int8DirectArgs {
  const uint8_t* a;  // row-major, lda bytes per row; int8 or uint8
  int64_t lda;
  bool a_unsigned;
  const int8_t* b;
  bool b_transposed;
  int64_t k, n;
  int32_t* c;        // C(i, j) at c[i * ldc + j] (absolute indices)
  int64_t ldc;
};

struct Int8DirectKernel {
  const char* name;
  FeatureSet requires;
  int priority;
  int64_t n_align;  // block column starts are multiples of this
  void (*compute)(const Int8DirectArgs& args, int64_t m0, int64_t m1, int64_t n0, int64_t n1);
};

constexpr int64_t kMaxDirectRows = 16;

}  // namespace qgemm
