#include "train/weight_pack.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
#include <vector>

#include "cpu/cpu_features.h"
#include "gemm/aligned_buffer.h"
#include "gemm/kernels/layouts.h"
#include "quant/symmetric.h"
#include "threads/thread_pool.h"
#include "train/weight_pack_block.h"

namespace qgemm {

namespace {

// Rows per block: a multiple of every layout's panel (8, 16) and k padding
// (1..8), so blocks start on panel and k-group boundaries in both packs; 64
// rows of a 2048-wide W are 128 KiB of int8 scratch, in L2.
constexpr int64_t kBlockRows = 64;

uint32_t u32(int32_t x) { return static_cast<uint32_t>(x); }

struct Scratch {
  AlignedBuffer rows;
  std::vector<int32_t> sums;
};

// Scratch slots for tasks handed out one block at a time (a slower core takes
// fewer blocks): no more tasks run at once than there are workers, so a task
// always finds a free slot, and keeps it for its duration.
class Slots {
 public:
  explicit Slots(int64_t n) : n_(n), busy_(new std::atomic<bool>[static_cast<size_t>(n)]()) {}
  int64_t acquire() {
    for (;;) {
      for (int64_t i = 0; i < n_; ++i) {
        bool free = false;
        if (busy_[i].compare_exchange_strong(free, true, std::memory_order_acquire)) return i;
      }
    }
  }
  void release(int64_t i) { busy_[i].store(false, std::memory_order_release); }

 private:
  int64_t n_;
  std::unique_ptr<std::atomic<bool>[]> busy_;
};

// The calling thread's scratch, kept from call to call: malloc maps buffers
// of 128 KiB and more afresh each time, to be faulted in again (2048 x 2048
// in a loop at 2 threads: 2.7 -> 1.9 ms with the buffers kept). Buffers over
// kKeepBytes are let go.
constexpr size_t kKeepBytes = size_t{1} << 20;

std::vector<Scratch>& kept_scratch() {
  thread_local std::vector<Scratch> scratch;
  return scratch;
}

void let_go_of_large(std::vector<Scratch>& scratch) {
  for (Scratch& sc : scratch) {
    if (sc.rows.size() > kKeepBytes) sc.rows.release();
    if (sc.sums.size() * sizeof(int32_t) > kKeepBytes) std::vector<int32_t>().swap(sc.sums);
  }
}

}  // namespace

namespace weight_pack_detail {

FusedBlockFn fused_block(const PackLayout* layout) {
#ifdef QGEMM_KERNEL_QUANT_AVX512
  if (layout == &kLayoutS8Quads16 && features_allowed(kFeatAvx512)) return quads16_block_avx512_fn();
#endif
#ifdef QGEMM_KERNEL_QUANT_AVX2
  if (layout == &kLayoutS8Quads16 && features_allowed(kFeatAvx2)) return quads16_block_avx2_fn();
  if (layout == &kLayoutS8Pairs16 && features_allowed(kFeatAvx2)) return pairs16_block_avx2_fn();
#endif
  (void)layout;
  return nullptr;
}

}  // namespace weight_pack_detail

Status quantize_pack_weights(const float* w, int64_t out, int64_t in, float* row_scales,
                             std::unique_ptr<PackedB>* rows_pack, std::unique_ptr<PackedB>* cols_pack,
                             float* dx_mults) {
  const bool cols = cols_pack != nullptr;
  Status s = PackedB::prepare_int8(in, out, rows_pack);
  if (s.ok() && cols) s = PackedB::prepare_int8(out, in, cols_pack);
  if (!s.ok()) return s;
  PackedB& rp = **rows_pack;
  PackedB* cp = cols ? cols_pack->get() : nullptr;
  const symmetric_detail::Ops& ops = symmetric_detail::active_ops();
  if (out == 0 || in == 0) {
    std::fill(row_scales, row_scales + out, 1.0f);  // nothing to pack; the column sums are zeros
    if (dx_mults) std::fill(dx_mults, dx_mults + out, 0.0f);
    std::fill(rp.mutable_col_sums(), rp.mutable_col_sums() + out, 0);
    if (cp) std::fill(cp->mutable_col_sums(), cp->mutable_col_sums() + in, 0);
    rp.finish_col_sums();
    if (cp) cp->finish_col_sums();
    return Status::Ok();
  }
  const PackLayout& rl = *rp.layout();
  const PackLayout* cl = cp ? cp->layout() : nullptr;
  const int64_t blocks = (out + kBlockRows - 1) / kBlockRows;
  const int64_t tasks = std::min<int64_t>(blocks, ThreadPool::global().num_threads());
  const size_t block_bytes = static_cast<size_t>(kBlockRows * in);
  std::vector<Scratch>& scratch = kept_scratch();
  if (scratch.size() < static_cast<size_t>(tasks)) scratch.resize(static_cast<size_t>(tasks));
  for (int64_t t = 0; t < tasks; ++t) {
    Scratch& sc = scratch[static_cast<size_t>(t)];
    if (sc.rows.size() < block_bytes && !sc.rows.reset(block_bytes)) {
      return Status::Error(StatusCode::kOutOfMemory, "cannot allocate the weight-packing scratch");
    }
    if (cols) sc.sums.assign(static_cast<size_t>(in), 0);
  }
  // Task b: row block b, in the scratch of a free slot, whose partial column
  // sums it adds to (wrapping integer sums: the same whatever the order).
  Slots slots(tasks);
  // Both packs in one layout with whole 16-wide tiles: a fused block (weight_pack_block.h).
  const weight_pack_detail::FusedBlockFn fused =
      (cl == nullptr || cl == &rl) && in % 16 == 0 ? weight_pack_detail::fused_block(&rl) : nullptr;
  // The fused block: straight into the packs.
  auto fused_block = [&](int64_t r0, int64_t n, Scratch& sc) {
    weight_pack_detail::FusedBlock fb{};
    fb.w = w + r0 * in;
    fb.rows = n;
    fb.in = in;
    fb.row_scales = row_scales + r0;
    fb.rows_dst = reinterpret_cast<int8_t*>(rp.mutable_data() + rl.offset(in, r0, 0));
    fb.rows_panel_bytes = rl.panel_bytes(in);
    fb.row_sums = rp.mutable_col_sums() + r0;
    if (cols) {
      fb.cols_dst = reinterpret_cast<int8_t*>(cp->mutable_data() + cl->offset(out, 0, r0));
      fb.cols_panel_bytes = cl->panel_bytes(out);
      fb.col_sums = sc.sums.data();
    }
    fused(fb);
  };
  // Any layout: quantized into the scratch, then each layout's own pack.
  auto scratch_block = [&](int64_t r0, int64_t n, Scratch& sc) {
    auto* q = reinterpret_cast<int8_t*>(sc.rows.data());
    for (int64_t r = 0; r < n; ++r) ops.quantize(w + (r0 + r) * in, in, row_scales[r0 + r], q + r * in);
    // W's rows are B's columns r0..r0+n, each a run of k = in.
    rl.pack(q, true, in, in, n, rp.mutable_data() + rl.offset(in, r0, 0));
    int8_col_sums(q, true, in, n, rp.mutable_col_sums() + r0);
    if (!cols) return;
    // W's rows r0..r0+n are depth r0.. of every panel of B = W.
    for (int64_t j0 = 0; j0 < in; j0 += cl->panel) {
      cl->pack(q + j0, false, in, n, std::min<int64_t>(cl->panel, in - j0), cp->mutable_data() + cl->offset(out, j0, r0));
    }
    for (int64_t r = 0; r < n; ++r) ops.add_to_sums(q + r * in, in, sc.sums.data());
  };
  auto task = [&](int64_t b) {
    const int64_t r0 = b * kBlockRows, n = std::min(kBlockRows, out - r0);
    // The block's scales, from rows soon read again (64 rows of 2048: 512 KiB, in L2).
    for (int64_t r = r0; r < r0 + n; ++r) {
      const float amax = ops.amax(w + r * in, in);
      row_scales[r] = symmetric_scale(amax);
      if (dx_mults) dx_mults[r] = amax > 0.0f && amax <= std::numeric_limits<float>::max() ? row_scales[r] : 0.0f;
    }
    const int64_t slot = slots.acquire();
    Scratch& sc = scratch[static_cast<size_t>(slot)];
    if (fused != nullptr && n % 16 == 0) {
      fused_block(r0, n, sc);
    } else {
      scratch_block(r0, n, sc);
    }
    slots.release(slot);
  };
  if (tasks <= 1) {
    for (int64_t b = 0; b < blocks; ++b) task(b);
  } else {
    ThreadPool::global().parallel_for(blocks, task);
  }
  rp.finish_col_sums();
  if (!cols) {
    let_go_of_large(scratch);
    return Status::Ok();
  }
  int32_t* sums = cp->mutable_col_sums();
  for (int64_t j = 0; j < in; ++j) {
    uint32_t v = 0;  // wrapping, as the GEMM's accumulators
    for (int64_t t = 0; t < tasks; ++t) v += u32(scratch[static_cast<size_t>(t)].sums[j]);
    sums[j] = static_cast<int32_t>(v);
  }
  cp->finish_col_sums();
  let_go_of_large(scratch);
  return Status::Ok();
}

void input_grad_multipliers(const int8_t* q, int64_t out, int64_t in, const float* row_scales, float* dx_mults) {
  for (int64_t r = 0; r < out; ++r) {
    const int8_t* row = q + r * in;
    dx_mults[r] = std::any_of(row, row + in, [](int8_t v) { return v != 0; }) ? row_scales[r] : 0.0f;
  }
}

}  // namespace qgemm
