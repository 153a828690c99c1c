// The module: one instance per Node environment (main thread or worker), so
// the addon is context-aware; the native core it calls is process-wide.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "async_job.h"
#include "cpu/cpu_features.h"
#include "embedding_binding.h"
#include "errors.h"
#include "gemm_call.h"
#include "linear_call.h"
#include "gemm/gemm.h"
#include "gemm/kernels/registry.h"
#include "onednn/onednn_gemm.h"
#include "onednn_prepared.h"
#include "packed_weights.h"
#include "probes/probes.h"
#include "quantize_binding.h"
#include "threads/thread_pool.h"
#include "train_binding.h"

namespace qgemm_binding {

// The names of a descriptor's dims, in order, for lib/native.ts to check its own against.
Napi::Array names_array(Napi::Env env, const char* const* names, size_t count) {
  Napi::Array out = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; ++i) out.Set(static_cast<uint32_t>(i), names[i]);
  return out;
}

class QgemmAddon : public Napi::Addon<QgemmAddon> {
 public:
  QgemmAddon(Napi::Env env, Napi::Object exports) : jobs_(env) {
    packed_weights_ = Napi::Persistent(PackedWeights::define(env));
    DefineAddon(exports, {
                             InstanceMethod<&QgemmAddon::gemm>("gemm"),
                             InstanceMethod<&QgemmAddon::gemm_async>("gemmAsync"),
                             InstanceMethod<&QgemmAddon::quantized_linear>("quantizedLinear"),
                             InstanceMethod<&QgemmAddon::quantized_linear_async>("quantizedLinearAsync"),
                             InstanceMethod<&QgemmAddon::pack_weights>("packWeights"),
                             InstanceMethod<&QgemmAddon::pack_weights_async>("packWeightsAsync"),
                             InstanceMethod<&QgemmAddon::info>("info"),
                             InstanceMethod<&QgemmAddon::set_num_threads>("setNumThreads"),
                             InstanceMethod<&QgemmAddon::quantize>("quantizeLinear"),
                             InstanceMethod<&QgemmAddon::dequantize>("dequantizeLinear"),
                             InstanceMethod<&QgemmAddon::minmax>("minMax"),
                             InstanceMethod<&QgemmAddon::histogram>("histc"),
                             InstanceMethod<&QgemmAddon::l2_search>("histogramL2Search"),
                             InstanceMethod<&QgemmAddon::set_max_isa>("setMaxIsa"),
                             InstanceMethod<&QgemmAddon::probe>("probe"),
                             InstanceMethod<&QgemmAddon::onednn_prepare>("onednnPrepare"),
                             InstanceMethod<&QgemmAddon::onednn_run_prepared>("onednnRunPrepared"),
                             InstanceMethod<&QgemmAddon::read_bandwidth>("readBandwidth"),
                             InstanceMethod<&QgemmAddon::random_row_bandwidth>("randomRowBandwidth"),
                             InstanceMethod<&QgemmAddon::data_address>("dataAddress"),
                             InstanceMethod<&QgemmAddon::external_memory>("externalMemory"),
                             InstanceValue("PackedWeights", packed_weights_.Value()),
                             InstanceValue("gemmDimNames", names_array(env, kGemmDimNames, kGemmDims)),
                             InstanceValue("linearDimNames", names_array(env, kLinearDimNames, kLinearDims)),
                             InstanceValue("train", train_functions(env)),
                             InstanceValue("embedding", embedding_functions(env)),
                         });
  }

 private:
  Napi::Value gemm(const Napi::CallbackInfo& info) {
    const std::unique_ptr<GemmCall> call = GemmCall::parse(info, packed_weights_, field_names_);
    const qgemm::Status status = call->run();
    if (!status.ok()) throw_status(info.Env(), status);
    return info.Env().Undefined();
  }

  // gemmAsync(same arguments as gemm) -> { promise: ArrayBuffer, cancel }.
  // `out` only gives the result type; the job owns its inputs' snapshot and
  // its output, so nothing it touches can be freed under it.
  Napi::Value gemm_async(const Napi::CallbackInfo& info) {
    std::shared_ptr<GemmCall> call = GemmCall::parse(info, packed_weights_, field_names_, true);
    call->own_inputs();
    if (!call->own_output()) throw_range_error(info.Env(), "ERR_QGEMM_OUT_OF_MEMORY", "cannot allocate the result");
    AsyncWork work{[call] { return call->run(); }, [call](Napi::Env env) -> Napi::Value { return call->take_output(env); }};
    return jobs_.submit(info.Env(), std::move(work));
  }

  Napi::Value quantized_linear(const Napi::CallbackInfo& info) {
    const std::unique_ptr<LinearCall> call = LinearCall::parse(info, packed_weights_, field_names_);
    const qgemm::Status status = call->run();
    if (!status.ok()) throw_status(info.Env(), status);
    return info.Env().Undefined();
  }

  // quantizedLinearAsync(same arguments; out only gives the type) -> { promise: ArrayBuffer, cancel }
  Napi::Value quantized_linear_async(const Napi::CallbackInfo& info) {
    std::shared_ptr<LinearCall> call = LinearCall::parse(info, packed_weights_, field_names_, true);
    call->own_input();
    if (!call->own_output()) throw_range_error(info.Env(), "ERR_QGEMM_OUT_OF_MEMORY", "cannot allocate the result");
    AsyncWork work{[call] { return call->run(); }, [call](Napi::Env env) -> Napi::Value { return call->take_output(env); }};
    return jobs_.submit(info.Env(), std::move(work));
  }

  // packWeights(b, k, n, transposed) -> NativePackedWeights
  Napi::Value pack_weights(const Napi::CallbackInfo& info) {
    const PackRequest request = parse_pack(info);
    std::unique_ptr<qgemm::PackedB> packed;
    const qgemm::Status status = qgemm::PackedB::create(request.b, request.k, request.n, &packed);
    if (!status.ok()) throw_status(info.Env(), status);
    return wrap_packed(info.Env(), std::move(packed));
  }

  // packWeightsAsync(b, k, n, transposed) -> { promise, cancel }
  Napi::Value pack_weights_async(const Napi::CallbackInfo& info) {
    auto request = std::make_shared<PackRequest>(parse_pack(info));
    request->own_input();
    auto packed = std::make_shared<std::unique_ptr<qgemm::PackedB>>();
    AsyncWork work{
        [request, packed] { return qgemm::PackedB::create(request->b, request->k, request->n, packed.get()); },
        [this, packed](Napi::Env env) { return wrap_packed(env, std::move(*packed)); }};
    return jobs_.submit(info.Env(), std::move(work));
  }

  struct PackRequest {
    qgemm::Operand b;
    int64_t k, n;
    std::vector<uint8_t> copy;
    void own_input() {
      copy.assign(static_cast<const uint8_t*>(b.data),
                  static_cast<const uint8_t*>(b.data) + k * n * qgemm::dtype_size(b.type));
      b.data = copy.data();
    }
  };

  static PackRequest parse_pack(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 4) throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "packWeights expects 4 arguments");
    const ArrayView b = arg_array(info, 0, "b");
    const int64_t k = arg_size(info, 1, "k"), n = arg_size(info, 2, "n");
    const bool transposed = arg_bool(info, 3, "transposed");
    check_fits(env, b, 1, k, n, 0, "b");
    return PackRequest{{b.data, b.type, transposed, 0}, k, n, {}};
  }

  Napi::Value wrap_packed(Napi::Env env, std::unique_ptr<qgemm::PackedB> packed) {
    Napi::Object handle = packed_weights_.New({});
    PackedWeights::Unwrap(handle)->attach(env, std::move(packed));
    return handle;
  }

  Napi::Value info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const qgemm::CpuFeatures& f = qgemm::cpu_features();
    Napi::Object cpu = Napi::Object::New(env);
    cpu.Set("avx2", f.avx2);
    cpu.Set("avx512", f.avx512);
    cpu.Set("avx512_vnni", f.avx512_vnni);
    cpu.Set("avx_vnni", f.avx_vnni);
    cpu.Set("amx_int8", f.amx_int8);
    cpu.Set("amx_permitted", f.amx_permitted);
    cpu.Set("neon", f.neon);
    cpu.Set("neon_dotprod", f.neon_dotprod);
    cpu.Set("neon_i8mm", f.neon_i8mm);
    Napi::Object out = Napi::Object::New(env);
    out.Set("cpu", cpu);
    // The ISAs this CPU has, in cap order, and the best one the cap allows.
    Napi::Array isas = Napi::Array::New(env);
    std::string active = "scalar";
    for (int i = 0; i < static_cast<int>(qgemm::Isa::kAll); ++i) {
      const qgemm::Isa isa = static_cast<qgemm::Isa>(i);
      const qgemm::FeatureSet own = qgemm::isa_features(isa);
      if ((own & ~f.set) != 0) continue;
      isas.Set(isas.Length(), qgemm::isa_name(isa));
      if ((own & ~qgemm::allowed_features()) == 0) active = qgemm::isa_name(isa);
    }
    out.Set("isas", isas);
    out.Set("isaCap", qgemm::isa_name(qgemm::isa_cap()));
    out.Set("isa", active);
    out.Set("int8Kernel", qgemm::int8_kernel_to_pack().name);
    out.Set("int8DirectKernel", qgemm::int8_direct_kernel().name);
    out.Set("f32Kernel", qgemm::f32_kernel_to_pack().name);
    Napi::Array kernels = Napi::Array::New(env);
    for (const qgemm::KernelStatus& k : qgemm::kernel_statuses()) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", k.name);
      o.Set("kind", k.kind);
      o.Set("requires", k.requires);
      o.Set("layout", k.layout);
      o.Set("runnable", k.runnable);
      o.Set("selfChecked", k.self_checked);
      if (!k.probe.empty()) o.Set("probe", k.probe);
      if (!k.runnable) o.Set("reason", k.reason);
      if (!k.fault.empty()) o.Set("fault", k.fault);
      kernels.Set(kernels.Length(), o);
    }
    out.Set("kernelList", kernels);
    Napi::Array probes = Napi::Array::New(env);
    for (const qgemm::Probe* p : qgemm::probes()) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", p->name);
      o.Set("instruction", p->instruction);
      o.Set("runnable", (p->requires & ~f.set) == 0);
      probes.Set(probes.Length(), o);
    }
    out.Set("probes", probes);
    out.Set("onednn", qgemm::onednn_compiled());
    out.Set("onednnVersion", qgemm::onednn_version());
    out.Set("onednnInt8Exact", qgemm::onednn_int8_exact());
    if (!qgemm::onednn_available()) out.Set("onednnUnavailableReason", qgemm::onednn_unavailable_reason());
    out.Set("threads", qgemm::ThreadPool::global().num_threads());
    out.Set("availableCpus", qgemm::available_cpus());
    return out;
  }

  Napi::Value quantize(const Napi::CallbackInfo& info) { return quantize_linear(info); }
  Napi::Value onednn_prepare(const Napi::CallbackInfo& info) { return qgemm_binding::onednn_prepare(info); }
  Napi::Value onednn_run_prepared(const Napi::CallbackInfo& info) { return qgemm_binding::onednn_run_prepared(info); }
  Napi::Value dequantize(const Napi::CallbackInfo& info) { return dequantize_linear(info); }
  Napi::Value minmax(const Napi::CallbackInfo& info) { return min_max(info); }
  Napi::Value histogram(const Napi::CallbackInfo& info) { return histc(info); }
  Napi::Value l2_search(const Napi::CallbackInfo& info) { return histogram_l2_search(info); }

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
                        "isa must be one of scalar, avx2, avx_vnni, avx512_vnni, amx, neon, neon_dotprod, neon_i8mm, all");
    }
    qgemm::set_isa_cap(isa);
    return info.Env().Undefined();
  }

  // probe(name, threads) -> ops per second of the named instruction loop (about 0.25 s).
  Napi::Value probe(const Napi::CallbackInfo& info) {
    if (!info[0].IsString()) throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", "probe name must be a string");
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    const int64_t threads = arg_size(info, 1, "threads");
    if (threads < 1 || threads > 256) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "threads must be in 1..256");
    for (const qgemm::Probe* p : qgemm::probes()) {
      if (name != p->name) continue;
      if ((p->requires & ~qgemm::cpu_features().set) != 0) {
        throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "probe " + name + " needs " +
                                                              qgemm::feature_names(p->requires) + ", which this CPU lacks");
      }
      return Napi::Number::New(info.Env(), qgemm::probe_ops_per_second(*p, static_cast<int>(threads)));
    }
    throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "no probe named " + name);
  }

  // externalMemory() -> the bytes of native memory this isolate's objects have reported to V8
  // (napi_adjust_external_memory): process.memoryUsage() in Node 20 does not show them.
  Napi::Value external_memory(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
  }

  // dataAddress(typedArray) -> the address of its first byte, as a Number (user-space
  // addresses fit 2^53): two SharedArrayBuffer objects can share memory, so lib/
  // compares addresses, not buffer objects, to find an `out` overlapping an input.
  Napi::Value data_address(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    bool is_typed = false;
    if (info.Length() != 1 || napi_is_typedarray(env, info[0], &is_typed) != napi_ok || !is_typed) {
      throw_type_error(env, "ERR_QGEMM_ARG_TYPE", "dataAddress takes one TypedArray");
    }
    void* data = nullptr;
    napi_get_typedarray_info(env, info[0], nullptr, nullptr, &data, nullptr, nullptr);
    return Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(data)));
  }

  // readBandwidth(threads, megabytes) -> bytes per second reading that much memory.
  Napi::Value read_bandwidth(const Napi::CallbackInfo& info) {
    const int64_t threads = arg_size(info, 0, "threads");
    const int64_t megabytes = arg_size(info, 1, "megabytes");
    if (threads < 1 || threads > 256) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "threads must be in 1..256");
    if (megabytes < 1 || megabytes > 4096) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "megabytes must be in 1..4096");
    const double bps = qgemm::read_bytes_per_second(static_cast<int>(threads), static_cast<size_t>(megabytes) << 20);
    if (bps <= 0) throw_range_error(info.Env(), "ERR_QGEMM_OUT_OF_MEMORY", "cannot allocate the buffer to read");
    return Napi::Number::New(info.Env(), bps);
  }

  // randomRowBandwidth(threads, megabytes, rowBytes) -> row bytes per second reading random rows.
  Napi::Value random_row_bandwidth(const Napi::CallbackInfo& info) {
    const int64_t threads = arg_size(info, 0, "threads");
    const int64_t megabytes = arg_size(info, 1, "megabytes");
    const int64_t row_bytes = arg_size(info, 2, "rowBytes");
    if (threads < 1 || threads > 256) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "threads must be in 1..256");
    if (megabytes < 1 || megabytes > 4096) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "megabytes must be in 1..4096");
    if (row_bytes < 1 || row_bytes > (int64_t{1} << 20) || (row_bytes << 10) > (megabytes << 20)) {
      throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "rowBytes must be in 1..1048576 and at most 1/1024 of the table");
    }
    const double bps = qgemm::random_row_bytes_per_second(static_cast<int>(threads), static_cast<size_t>(megabytes) << 20,
                                                          static_cast<size_t>(row_bytes));
    if (bps <= 0) throw_range_error(info.Env(), "ERR_QGEMM_OUT_OF_MEMORY", "cannot allocate the table to read");
    return Napi::Number::New(info.Env(), bps);
  }

  Napi::FunctionReference packed_weights_;
  FieldNames field_names_;
  JobDispatcher jobs_;
};

}  // namespace qgemm_binding

using qgemm_binding::QgemmAddon;
NODE_API_ADDON(QgemmAddon)
