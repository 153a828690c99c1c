// Loads the oneDNN plugin (libqgemm_onednn.so, see onednn_plugin.h) on first
// use. Where it looks, in order:
//   1. $QGEMM_ONEDNN_PLUGIN, when set: that path only ("off" disables oneDNN);
//   2. the folder of the binary this code is linked into (the addon's folder:
//      build/Release or prebuilds/<platform>-<arch>), then the default
//      library search path.
// A missing plugin or a missing libdnnl.so.2 only makes the backend
// unavailable; the reason is kept for info().
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <string>

#include "cpu/cpu_features.h"
#include "onednn/onednn_gemm.h"
#include "onednn/onednn_plugin.h"
#include "threads/thread_pool.h"

#if !defined(_WIN32)
#include <dlfcn.h>
#endif

namespace qgemm {

namespace {

#if defined(__APPLE__)
constexpr const char* kPluginFile = "libqgemm_onednn.dylib";
#else
constexpr const char* kPluginFile = "libqgemm_onednn.so";
#endif

struct Plugin {
  const qgemm_onednn_plugin* api = nullptr;
  std::string version;
  std::string reason;  // why api is null
};

#if defined(_WIN32)
Plugin load_plugin() { return Plugin{nullptr, "", "the oneDNN plugin is not supported on Windows"}; }
#else
std::string own_folder() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&onednn_compiled), &info) == 0 || info.dli_fname == nullptr) return "";
  const std::string file = info.dli_fname;
  const size_t slash = file.find_last_of('/');
  return slash == std::string::npos ? "." : file.substr(0, slash);
}

bool try_open(const std::string& path, Plugin* plugin) {
  // oneDNN's OpenMP threads would otherwise spin after each call, taking
  // the cores from qgemm's pool; libgomp reads this when it is loaded below.
  // A value the user set wins.
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    if (!plugin->reason.empty()) plugin->reason += "; ";
    plugin->reason += error != nullptr ? error : path + ": dlopen failed";
    return false;
  }
  using Entry = const qgemm_onednn_plugin* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, QGEMM_ONEDNN_PLUGIN_SYMBOL));
  const qgemm_onednn_plugin* api = entry != nullptr ? entry() : nullptr;
  if (api == nullptr || api->abi_version != QGEMM_ONEDNN_ABI_VERSION || api->size < sizeof(qgemm_onednn_plugin)) {
    plugin->reason = path + ": not a qgemm oneDNN plugin of ABI version " + std::to_string(QGEMM_ONEDNN_ABI_VERSION);
    return false;  // never dlclose: harmless, and the library may have started threads
  }
  plugin->api = api;
  plugin->version = api->version();
  plugin->reason.clear();
  return true;
}

Plugin load_plugin() {
  Plugin plugin;
  const char* env = std::getenv("QGEMM_ONEDNN_PLUGIN");
  if (env != nullptr && *env != '\0') {
    if (std::string(env) == "off") {
      plugin.reason = "disabled by QGEMM_ONEDNN_PLUGIN=off";
    } else {
      try_open(env, &plugin);
    }
    return plugin;
  }
  const std::string folder = own_folder();
  if (!folder.empty() && try_open(folder + "/" + kPluginFile, &plugin)) return plugin;
  try_open(kPluginFile, &plugin);
  return plugin;
}
#endif

const Plugin& plugin() {
  static const Plugin* loaded = new Plugin(load_plugin());  // leaked: outlives static destructors
  return *loaded;
}

}  // namespace

bool onednn_compiled() { return plugin().api != nullptr; }

const char* onednn_version() { return plugin().version.c_str(); }

const char* onednn_unavailable_reason() { return plugin().reason.c_str(); }

// oneDNN's int8 kernels are exact where they use vpdpbusd (AVX-512 VNNI) or
// AMX; below that they saturate int16 pairs. Its ISA cap (ONEDNN_MAX_CPU_ISA,
// or the older DNNL_MAX_CPU_ISA) can hold it below VNNI on a CPU that has it.
namespace {

bool onednn_isa_cap_allows_vnni() {
  const char* cap = std::getenv("ONEDNN_MAX_CPU_ISA");
  if (cap == nullptr || *cap == '\0') cap = std::getenv("DNNL_MAX_CPU_ISA");
  if (cap == nullptr || *cap == '\0') return true;
  std::string isa(cap);
  for (char& ch : isa) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return isa == "ALL" || isa.rfind("AVX512_CORE_", 0) == 0;  // _VNNI, _BF16, _FP16, _AMX...
}

}  // namespace

bool onednn_int8_exact() {
  if (!onednn_compiled()) return false;
  const CpuFeatures& f = cpu_features();
  return (f.avx512_vnni || f.amx_permitted) && onednn_isa_cap_allows_vnni();
}

namespace {

Status unavailable() {
  return Status::Error(StatusCode::kUnsupported, std::string("oneDNN is not available: ") + plugin().reason);
}

qgemm_onednn_gemm_args args_of(const GemmDesc& d) {
  qgemm_onednn_gemm_args args{};
  args.m = d.m;
  args.n = d.n;
  args.k = d.k;
  args.batch = d.batch;
  args.a = d.a.data;
  args.b = d.b.data;
  args.c = d.c;
  args.a_batch_stride = d.a.batch_stride;
  args.b_batch_stride = d.b.batch_stride;
  args.c_batch_stride = d.c_batch_stride;
  args.a_type = static_cast<int32_t>(d.a.type);
  args.b_type = static_cast<int32_t>(d.b.type);
  args.c_type = static_cast<int32_t>(d.c_type);
  args.a_transposed = d.a.transposed ? 1 : 0;
  args.b_transposed = d.b.transposed ? 1 : 0;
  args.num_threads = ThreadPool::global().num_threads();
  return args;
}

Status status_of(int code, const char* error) {
  return code == 0 ? Status::Ok() : Status::Error(static_cast<StatusCode>(code), error);
}

}  // namespace

Status onednn_gemm(const GemmDesc& d) {
  const qgemm_onednn_plugin* api = plugin().api;
  if (api == nullptr) return unavailable();
  const qgemm_onednn_gemm_args args = args_of(d);
  char error[512] = {0};
  return status_of(api->gemm(&args, error, sizeof(error)), error);
}

Status onednn_prepare(const GemmDesc& d, OneDnnPrepared** out) {
  const qgemm_onednn_plugin* api = plugin().api;
  if (api == nullptr) return unavailable();
  const qgemm_onednn_gemm_args args = args_of(d);
  char error[512] = {0};
  void* prepared = nullptr;
  ThreadPool::global().run_exclusive([&] { prepared = api->prepare(&args, error, sizeof(error)); });
  if (prepared == nullptr) return Status::Error(StatusCode::kBackendError, error);
  *out = static_cast<OneDnnPrepared*>(prepared);
  return Status::Ok();
}

Status onednn_run_prepared(OneDnnPrepared* prepared, const void* a, void* c) {
  const qgemm_onednn_plugin* api = plugin().api;
  if (api == nullptr) return unavailable();
  char error[512] = {0};
  int code = 0;
  const int threads = ThreadPool::global().num_threads();
  ThreadPool::global().run_exclusive([&] { code = api->run_prepared(prepared, a, c, threads, error, sizeof(error)); });
  return status_of(code, error);
}

void onednn_release(OneDnnPrepared* prepared) {
  if (prepared != nullptr && plugin().api != nullptr) plugin().api->release(prepared);
}

}  // namespace qgemm
