// The oneDNN plugin (libqgemm_onednn.so): oneDNN matmul, one primitive per
// (shape, types, transposes), created on first use and cached; scratchpad
// owned by us so a primitive can run on any thread. Only this file links
// libdnnl; the addon reaches it through the C ABI of onednn_plugin.h.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <tuple>
#include <vector>

#include "gemm/types.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "onednn/onednn_plugin.h"

namespace qgemm {

namespace {

// The slice of GemmDesc the plugin needs, from the C arguments.
struct Operand {
  const void* data;
  DType type;
  bool transposed;
  int64_t batch_stride;
};
struct GemmDesc {
  int64_t m, n, k, batch;
  Operand a, b;
  void* c;
  DType c_type;
  int64_t c_batch_stride;
};

using dnnl::memory;

struct Key {
  int64_t m, n, k;
  DType a_type;
  bool a_transposed, b_transposed;
  bool operator<(const Key& o) const {
    return std::tie(m, n, k, a_type, a_transposed, b_transposed) <
           std::tie(o.m, o.n, o.k, o.a_type, o.a_transposed, o.b_transposed);
  }
};

struct Entry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul primitive;
  memory::desc src, weights, dst;
};

constexpr size_t kMaxCachedPrimitives = 256;

memory::data_type to_dnnl(DType t) {
  switch (t) {
    case DType::kInt8: return memory::data_type::s8;
    case DType::kUInt8: return memory::data_type::u8;
    case DType::kInt32: return memory::data_type::s32;
    case DType::kFloat32: return memory::data_type::f32;
  }
  return memory::data_type::undef;
}

// rows x cols, stored row-major or (transposed) column-major.
memory::desc matrix_desc(int64_t rows, int64_t cols, DType t, bool transposed) {
  const memory::dims strides = transposed ? memory::dims{1, rows} : memory::dims{cols, 1};
  return memory::desc({rows, cols}, to_dnnl(t), strides);
}

class OneDnn {
 public:
  static OneDnn& get() {
    static OneDnn* instance = new OneDnn();  // leaked: outlives static destructors
    return *instance;
  }

  // A primitive with weights in format_tag::any and B reordered into them.
  struct Prepared {
    dnnl::matmul::primitive_desc pd;
    dnnl::matmul primitive;
    memory::desc src, dst;
    memory weights;
  };

  // oneDNN splits the work among the OpenMP threads it sees when the
  // primitive is created, so the team is sized before that, not only at run.
  Prepared* prepare(const GemmDesc& d, int num_threads) {
    std::lock_guard<std::mutex> lock(run_mutex_);
    omp_set_num_threads(std::max(1, num_threads));
    std::unique_ptr<Prepared> p(new Prepared());
    p->src = matrix_desc(d.m, d.k, d.a.type, d.a.transposed);
    p->dst = matrix_desc(d.m, d.n, d.c_type, false);
    const memory::desc any({d.k, d.n}, to_dnnl(d.b.type), memory::format_tag::any);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    p->pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(p->src, any, p->dst), attr, engine_);
    p->primitive = dnnl::matmul(p->pd);
    const memory plain(matrix_desc(d.k, d.n, d.b.type, d.b.transposed), engine_, const_cast<void*>(d.b.data));
    p->weights = memory(p->pd.weights_desc(), engine_);
    dnnl::stream stream(engine_);
    dnnl::reorder(plain, p->weights).execute(stream, const_cast<memory&>(plain), p->weights);
    stream.wait();
    return p.release();
  }

  Status run_prepared(const Prepared& p, const void* a, void* c, int num_threads) {
    std::lock_guard<std::mutex> lock(run_mutex_);
    omp_set_num_threads(std::max(1, num_threads));
    std::vector<uint8_t> scratchpad(p.pd.scratchpad_desc().get_size());
    memory scratch(p.pd.scratchpad_desc(), engine_, scratchpad.data());
    memory src(p.src, engine_, const_cast<void*>(a)), dst(p.dst, engine_, c);
    dnnl::stream stream(engine_);
    p.primitive.execute(stream, {{DNNL_ARG_SRC, src},
                                 {DNNL_ARG_WEIGHTS, p.weights},
                                 {DNNL_ARG_DST, dst},
                                 {DNNL_ARG_SCRATCHPAD, scratch}});
    stream.wait();
    return Status::Ok();
  }

  Status run(const GemmDesc& d, int num_threads) {
    // One call at a time: each OpenMP-parallel call would otherwise bring its
    // own thread team and oversubscribe the cores.
    std::lock_guard<std::mutex> lock(run_mutex_);
    omp_set_num_threads(std::max(1, num_threads));
    const Entry& e = entry_for(d);
    std::vector<uint8_t> scratchpad(e.pd.scratchpad_desc().get_size());
    memory scratch(e.pd.scratchpad_desc(), engine_, scratchpad.data());
    dnnl::stream stream(engine_);
    const size_t a_size = dtype_size(d.a.type), b_size = dtype_size(d.b.type), c_size = dtype_size(d.c_type);
    for (int64_t item = 0; item < d.batch; ++item) {
      auto* a = static_cast<uint8_t*>(const_cast<void*>(d.a.data)) + item * d.a.batch_stride * a_size;
      auto* b = static_cast<uint8_t*>(const_cast<void*>(d.b.data)) + item * d.b.batch_stride * b_size;
      auto* c = static_cast<uint8_t*>(d.c) + item * d.c_batch_stride * c_size;
      memory src(e.src, engine_, a), weights(e.weights, engine_, b), dst(e.dst, engine_, c);
      e.primitive.execute(stream, {{DNNL_ARG_SRC, src},
                                   {DNNL_ARG_WEIGHTS, weights},
                                   {DNNL_ARG_DST, dst},
                                   {DNNL_ARG_SCRATCHPAD, scratch}});
    }
    stream.wait();
    return Status::Ok();
  }

 private:
  OneDnn() : engine_(dnnl::engine::kind::cpu, 0) {}

  const Entry& entry_for(const GemmDesc& d) {
    const Key key{d.m, d.n, d.k, d.a.type, d.a.transposed, d.b.transposed};
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxCachedPrimitives) cache_.clear();
    Entry e;
    e.src = matrix_desc(d.m, d.k, d.a.type, d.a.transposed);
    e.weights = matrix_desc(d.k, d.n, d.b.type, d.b.transposed);
    e.dst = matrix_desc(d.m, d.n, d.c_type, false);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    e.pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(e.src, e.weights, e.dst), attr, engine_);
    e.primitive = dnnl::matmul(e.pd);
    return cache_.emplace(key, std::move(e)).first->second;
  }

  dnnl::engine engine_;
  std::mutex run_mutex_;
  std::map<Key, Entry> cache_;  // guarded by run_mutex_
};

const char* onednn_version() {
  static const std::string version = [] {
    const dnnl_version_t* v = dnnl_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
  }();
  return version.c_str();
}

// The C ABI's error convention: 0, or a StatusCode with the message in error.
int report(const Status& status, char* error, size_t error_size) {
  if (status.ok()) return 0;
  if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", status.message.c_str());
  return static_cast<int>(status.code);
}

template <typename Fn>
Status guarded(Fn fn) {
  try {
    return fn();
  } catch (const dnnl::error& e) {
    return Status::Error(StatusCode::kBackendError, std::string("oneDNN: ") + e.what());
  } catch (const std::bad_alloc&) {
    return Status::Error(StatusCode::kOutOfMemory, "oneDNN: out of memory");
  } catch (const std::exception& e) {
    return Status::Error(StatusCode::kBackendError, std::string("oneDNN plugin: ") + e.what());
  } catch (...) {
    return Status::Error(StatusCode::kBackendError, "oneDNN plugin: unknown error");
  }
}

GemmDesc desc_of(const qgemm_onednn_gemm_args* args) {
  const auto type = [](int32_t t) { return static_cast<DType>(t); };
  return GemmDesc{args->m, args->n, args->k, args->batch,
                  {args->a, type(args->a_type), args->a_transposed != 0, args->a_batch_stride},
                  {args->b, type(args->b_type), args->b_transposed != 0, args->b_batch_stride},
                  args->c, type(args->c_type), args->c_batch_stride};
}

Status onednn_gemm(const GemmDesc& d, int num_threads) {
  if (d.m == 0 || d.n == 0 || d.batch == 0) return Status::Ok();
  if (d.k == 0) {  // oneDNN rejects zero-sized reductions; the product is zero
    for (int64_t item = 0; item < d.batch; ++item) {
      auto* c = static_cast<uint8_t*>(d.c) + item * d.c_batch_stride * dtype_size(d.c_type);
      std::fill(c, c + d.m * d.n * dtype_size(d.c_type), uint8_t{0});
    }
    return Status::Ok();
  }
  return guarded([&] { return OneDnn::get().run(d, num_threads); });
}

void* plugin_prepare(const qgemm_onednn_gemm_args* args, char* error, size_t error_size) noexcept {
  OneDnn::Prepared* prepared = nullptr;
  const Status status = guarded([&] {
    const GemmDesc d = desc_of(args);
    if (d.m <= 0 || d.n <= 0 || d.k <= 0) return Status::Error(StatusCode::kInvalidArgument, "empty product");
    prepared = OneDnn::get().prepare(d, args->num_threads);
    return Status::Ok();
  });
  report(status, error, error_size);
  return prepared;
}

int plugin_run_prepared(void* prepared, const void* a, void* c, int32_t num_threads, char* error,
                        size_t error_size) noexcept {
  return report(guarded([&] {
                  return OneDnn::get().run_prepared(*static_cast<OneDnn::Prepared*>(prepared), a, c, num_threads);
                }),
                error, error_size);
}

void plugin_release(void* prepared) noexcept { delete static_cast<OneDnn::Prepared*>(prepared); }

const char* plugin_version() noexcept {
  try {
    return onednn_version();
  } catch (...) {
    return "";
  }
}

int plugin_gemm(const qgemm_onednn_gemm_args* args, char* error, size_t error_size) noexcept {
  Status status;
  try {
    status = onednn_gemm(desc_of(args), args->num_threads);
  } catch (...) {
    status = Status::Error(StatusCode::kOutOfMemory, "oneDNN plugin: out of memory");
  }
  return report(status, error, error_size);
}

const qgemm_onednn_plugin kPlugin = {QGEMM_ONEDNN_ABI_VERSION, sizeof(qgemm_onednn_plugin), plugin_version,
                                     plugin_gemm, plugin_prepare, plugin_run_prepared, plugin_release};

}  // namespace

}  // namespace qgemm

extern "C" const qgemm_onednn_plugin* qgemm_onednn_plugin_v1(void) { return &qgemm::kPlugin; }
