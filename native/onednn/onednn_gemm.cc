// The oneDNN plugin (libqgemm_onednn.so): oneDNN matmul, one primitive per
// (shape, types, transposes), created on first use and cached; scratchpad
// owned by us so a primitive can run on any thread. Only this file links
// libdnnl; the addon reaches it through the C ABI of onednn_plugin.h.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
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

Status onednn_gemm(const GemmDesc& d, int num_threads) {
  if (d.m == 0 || d.n == 0 || d.batch == 0) return Status::Ok();
  if (d.k == 0) {  // oneDNN rejects zero-sized reductions; the product is zero
    for (int64_t item = 0; item < d.batch; ++item) {
      auto* c = static_cast<uint8_t*>(d.c) + item * d.c_batch_stride * dtype_size(d.c_type);
      std::fill(c, c + d.m * d.n * dtype_size(d.c_type), uint8_t{0});
    }
    return Status::Ok();
  }
  try {
    return OneDnn::get().run(d, num_threads);
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

const char* plugin_version() noexcept {
  try {
    return onednn_version();
  } catch (...) {
    return "";
  }
}

int plugin_gemm(const qgemm_onednn_gemm_args* args, char* error, size_t error_size) noexcept {
  const auto type = [](int32_t t) { return static_cast<DType>(t); };
  const GemmDesc d{args->m, args->n, args->k, args->batch,
                   {args->a, type(args->a_type), args->a_transposed != 0, args->a_batch_stride},
                   {args->b, type(args->b_type), args->b_transposed != 0, args->b_batch_stride},
                   args->c, type(args->c_type), args->c_batch_stride};
  Status status;
  try {
    status = onednn_gemm(d, args->num_threads);
  } catch (...) {
    status = Status::Error(StatusCode::kOutOfMemory, "oneDNN plugin: out of memory");
  }
  if (status.ok()) return 0;
  if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", status.message.c_str());
  return static_cast<int>(status.code);
}

const qgemm_onednn_plugin kPlugin = {QGEMM_ONEDNN_ABI_VERSION, sizeof(qgemm_onednn_plugin), plugin_version,
                                     plugin_gemm};

}  // namespace

}  // namespace qgemm

extern "C" const qgemm_onednn_plugin* qgemm_onednn_plugin_v1(void) { return &qgemm::kPlugin; }
