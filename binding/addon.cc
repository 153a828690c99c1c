// The module: one instance per Node environment (main thread or worker), so
// the addon is context-aware; the native core it calls is process-wide.
#include <napi.h>

#include <memory>
#include <string>

#include "args.h"
#include "cpu/cpu_features.h"
#include "errors.h"
#include "gemm/gemm.h"
#include "gemm/kernels/kernel.h"
#include "onednn/onednn_gemm.h"
#include "packed_weights.h"
#include "threads/thread_pool.h"

namespace qgemm_binding {

namespace {

qgemm::Backend to_backend(Napi::Env env, int64_t code) {
  if (code < 0 || code > 2) throw_range_error(env, "ERR_QGEMM_OPTION", "backend code out of range");
  return static_cast<qgemm::Backend>(code);
}

}  // namespace

class QgemmAddon : public Napi::Addon<QgemmAddon> {
 public:
  QgemmAddon(Napi::Env env, Napi::Object exports) {
    packed_weights_ = Napi::Persistent(PackedWeights::define(env));
    DefineAddon(exports, {
                             InstanceMethod<&QgemmAddon::gemm>("gemm"),
                             InstanceMethod<&QgemmAddon::pack_weights>("packWeights"),
                             InstanceMethod<&QgemmAddon::info>("info"),
                             InstanceMethod<&QgemmAddon::set_num_threads>("setNumThreads"),
                             InstanceMethod<&QgemmAddon::set_max_isa>("setMaxIsa"),
                             InstanceValue("PackedWeights", packed_weights_.Value()),
                         });
  }

 private:
  // gemm(a, b | packed, c, m, n, k, batch, aStride, bStride, cStride, transA, transB, backend,
  //      allowInexact)
  Napi::Value gemm(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 14) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "gemm expects 14 arguments");
    qgemm::GemmDesc d;
    d.m = arg_size(info, 3, "m");
    d.n = arg_size(info, 4, "n");
    d.k = arg_size(info, 5, "k");
    d.batch = arg_size(info, 6, "batch");
    const ArrayView a = arg_array(info, 0, "a");
    const ArrayView c = arg_array(info, 2, "out");
    d.a = {a.data, a.type, arg_bool(info, 10, "transposeA"), arg_size(info, 7, "aStride")};
    d.c = c.data;
    d.c_type = c.type;
    d.c_batch_stride = arg_size(info, 9, "cStride");
    const int64_t b_stride = arg_size(info, 8, "bStride");
    const bool b_transposed = arg_bool(info, 11, "transposeB");
    const qgemm::Backend backend = to_backend(env, arg_size(info, 12, "backend"));
    std::shared_ptr<const qgemm::PackedB> packed;
    if (info[1].IsObject() && info[1].As<Napi::Object>().InstanceOf(packed_weights_.Value())) {
      packed = PackedWeights::Unwrap(info[1].As<Napi::Object>())->get(env);
      d.packed_b = packed.get();
    } else {
      const ArrayView b = arg_array(info, 1, "b");
      check_fits(env, b, d.batch, d.k, d.n, b_stride, "b");
      d.b = {b.data, b.type, b_transposed, b_stride};
    }
    check_fits(env, a, d.batch, d.m, d.k, d.a.batch_stride, "a");
    check_fits(env, c, d.batch, d.m, d.n, d.c_batch_stride, "out");
    const qgemm::Status status = qgemm::gemm(d, backend, arg_bool(info, 13, "allowInexact"));
    if (!status.ok()) throw_status(env, status);
    return env.Undefined();
  }

  // packWeights(b, k, n, transposed) -> NativePackedWeights
  Napi::Value pack_weights(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 4) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "packWeights expects 4 arguments");
    const ArrayView b = arg_array(info, 0, "b");
    const int64_t k = arg_size(info, 1, "k"), n = arg_size(info, 2, "n");
    const bool transposed = arg_bool(info, 3, "transposed");
    check_fits(env, b, 1, k, n, 0, "b");
    std::unique_ptr<qgemm::PackedB> packed;
    const qgemm::Status status = qgemm::PackedB::create({b.data, b.type, transposed, 0}, k, n, &packed);
    if (!status.ok()) throw_status(env, status);
    Napi::Object handle = packed_weights_.New({});
    PackedWeights::Unwrap(handle)->attach(env, std::move(packed));
    return handle;
  }

  Napi::Value info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const qgemm::CpuFeatures& f = qgemm::cpu_features();
    Napi::Object cpu = Napi::Object::New(env);
    cpu.Set("avx2", f.avx2);
    cpu.Set("avx512_vnni", f.avx512_vnni);
    cpu.Set("avx_vnni", f.avx_vnni);
    cpu.Set("amx_int8", f.amx_int8);
    cpu.Set("amx_permitted", f.amx_permitted);
    Napi::Object out = Napi::Object::New(env);
    out.Set("cpu", cpu);
    out.Set("bestIsa", qgemm::isa_name(qgemm::best_supported_isa()));
    out.Set("isaCap", qgemm::isa_name(qgemm::isa_cap()));
    out.Set("isa", qgemm::isa_name(qgemm::active_isa()));
    out.Set("int8Kernel", qgemm::int8_kernel_for(qgemm::active_isa()).name);
    out.Set("f32Kernel", qgemm::f32_kernel_for(qgemm::active_isa()).name);
    out.Set("onednn", qgemm::onednn_compiled());
    out.Set("onednnVersion", qgemm::onednn_version());
    out.Set("onednnInt8Exact", qgemm::onednn_int8_exact());
    out.Set("threads", qgemm::ThreadPool::global().num_threads());
    out.Set("availableCpus", qgemm::available_cpus());
    return out;
  }

  Napi::Value set_num_threads(const Napi::CallbackInfo& info) {
    const int64_t n = arg_size(info, 0, "threads");
    if (n < 1 || n > 256) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "threads must be in 1..256");
    qgemm::ThreadPool::global().set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  }

  Napi::Value set_max_isa(const Napi::CallbackInfo& info) {
    if (!info[0].IsString()) throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", "isa must be a string");
    qgemm::Isa isa;
    if (!qgemm::parse_isa(info[0].As<Napi::String>().Utf8Value(), &isa)) {
      throw_range_error(info.Env(), "ERR_QGEMM_OPTION",
                        "isa must be one of scalar, avx2, avx_vnni, avx512_vnni, amx");
    }
    qgemm::set_isa_cap(isa);
    return info.Env().Undefined();
  }

  Napi::FunctionReference packed_weights_;
};

}  // namespace qgemm_binding

using qgemm_binding::QgemmAddon;
NODE_API_ADDON(QgemmAddon)
