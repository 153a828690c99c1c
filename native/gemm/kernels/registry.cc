#include "gemm/kernels/registry.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>

#include "cpu/cpu_features.h"
#include "cpu/fault_guard.h"
#include "gemm/kernels/self_check.h"

namespace qgemm {

// One line per kernel: a new ISA adds its file, a row in CMakeLists.txt's ISA
// table (which defines QGEMM_KERNEL_<NAME> when it compiles) and a line here.
extern const Int8Kernel kS8ScalarKernel;
extern const Int8DirectKernel kS8ScalarDirectKernel;
extern const F32Kernel kF32ScalarKernel;
#ifdef QGEMM_KERNEL_S8_AVX2
extern const Int8Kernel kS8Avx2Kernel;
extern const Int8DirectKernel kS8Avx2DirectKernel;
#endif
#ifdef QGEMM_KERNEL_S8_AVXVNNI
extern const Int8Kernel kS8AvxVnniKernel;
#endif
#ifdef QGEMM_KERNEL_S8_AVX512VNNI
extern const Int8Kernel kS8Avx512VnniKernel;
#endif
#ifdef QGEMM_KERNEL_S8_AMX
extern const Int8Kernel kS8AmxKernel;
#endif
#ifdef QGEMM_KERNEL_S8_NEONDOT
extern const Int8Kernel kS8NeonDotKernel;
#endif
#ifdef QGEMM_KERNEL_S8_NEONI8MM
extern const Int8Kernel kS8NeonI8mmKernel;
#endif
#ifdef QGEMM_KERNEL_F32_AVX2
extern const F32Kernel kF32Avx2Kernel;
#endif
#ifdef QGEMM_KERNEL_F32_AVX512
extern const F32Kernel kF32Avx512Kernel;
#endif
#ifdef QGEMM_KERNEL_F32_NEON
extern const F32Kernel kF32NeonKernel;
#endif

namespace {

template <typename K>
std::vector<const K*> by_priority(std::vector<const K*> list) {
  std::stable_sort(list.begin(), list.end(), [](const K* x, const K* y) { return x->priority > y->priority; });
  return list;
}

// The self-check of each kernel runs once, the first time dispatch could
// choose it; its outcome stays for the life of the process.
struct Checked {
  std::once_flag once;
  std::atomic<bool> done{false};
  SelfCheck result;
};

template <typename K>
class Registry {
 public:
  explicit Registry(std::vector<const K*> kernels) : kernels_(by_priority(std::move(kernels))) {
    checks_.reset(new Checked[kernels_.size()]);
  }
  const std::vector<const K*>& kernels() const { return kernels_; }

  // Allowed by CPU and cap, and self-checked (checking it now if needed).
  bool usable(size_t i, bool honor_cap = true) {
    const FeatureSet have = honor_cap ? allowed_features() : cpu_features().set;
    if ((kernels_[i]->requires & ~have) != 0) return false;
    return passed(i);
  }
  bool passed(size_t i) {
    Checked& c = checks_[i];
    if (!c.done.load(std::memory_order_acquire)) {
      std::call_once(c.once, [&] {
        if (kernels_[i]->requires != 0) c.result = self_check(*kernels_[i]);
        c.done.store(true, std::memory_order_release);
      });
    }
    return c.result.failure.empty();
  }
  bool checked(size_t i) const { return checks_[i].done.load(std::memory_order_acquire); }
  const SelfCheck& result(size_t i) const { return checks_[i].result; }

  // The first usable kernel that `fits`.
  template <typename Fits>
  const K* best(Fits fits, bool honor_cap = true) {
    for (size_t i = 0; i < kernels_.size(); ++i) {
      if (fits(*kernels_[i]) && usable(i, honor_cap)) return kernels_[i];
    }
    return nullptr;
  }

 private:
  std::vector<const K*> kernels_;
  std::unique_ptr<Checked[]> checks_;
};

Registry<Int8Kernel>& int8_registry() {
  static Registry<Int8Kernel> r({
      &kS8ScalarKernel,
#ifdef QGEMM_KERNEL_S8_AVX2
      &kS8Avx2Kernel,
#endif
#ifdef QGEMM_KERNEL_S8_AVXVNNI
      &kS8AvxVnniKernel,
#endif
#ifdef QGEMM_KERNEL_S8_AVX512VNNI
      &kS8Avx512VnniKernel,
#endif
#ifdef QGEMM_KERNEL_S8_AMX
      &kS8AmxKernel,
#endif
#ifdef QGEMM_KERNEL_S8_NEONDOT
      &kS8NeonDotKernel,
#endif
#ifdef QGEMM_KERNEL_S8_NEONI8MM
      &kS8NeonI8mmKernel,
#endif
  });
  return r;
}

Registry<F32Kernel>& f32_registry() {
  static Registry<F32Kernel> r({
      &kF32ScalarKernel,
#ifdef QGEMM_KERNEL_F32_AVX2
      &kF32Avx2Kernel,
#endif
#ifdef QGEMM_KERNEL_F32_AVX512
      &kF32Avx512Kernel,
#endif
#ifdef QGEMM_KERNEL_F32_NEON
      &kF32NeonKernel,
#endif
  });
  return r;
}

Registry<Int8DirectKernel>& direct_registry() {
  static Registry<Int8DirectKernel> r({
      &kS8ScalarDirectKernel,
#ifdef QGEMM_KERNEL_S8_AVX2
      &kS8Avx2DirectKernel,
#endif
  });
  return r;
}

constexpr auto kAny = [](const auto&) { return true; };

const char* layout_name(const Int8Kernel& k) { return k.layout->name; }
const char* layout_name(const F32Kernel& k) { return k.layout->name; }
const char* layout_name(const Int8DirectKernel&) { return "caller's B"; }
const char* probe_name(const Int8Kernel& k) { return k.probe; }
const char* probe_name(const F32Kernel& k) { return k.probe; }
const char* probe_name(const Int8DirectKernel&) { return nullptr; }

template <typename K>
void add_statuses(Registry<K>& r, const char* kind, std::vector<KernelStatus>* out) {
  const FeatureSet cpu = cpu_features().set, allowed = allowed_features();
  for (size_t i = 0; i < r.kernels().size(); ++i) {
    const K& k = *r.kernels()[i];
    KernelStatus s;
    s.name = k.name;
    s.kind = kind;
    s.requires = feature_names(k.requires);
    s.layout = layout_name(k);
    s.probe = probe_name(k) != nullptr ? probe_name(k) : "";
    if ((k.requires & ~cpu) != 0) {
      s.reason = "this CPU lacks " + feature_names(k.requires & ~cpu);
    } else if ((k.requires & ~allowed) != 0) {
      s.reason = std::string("the ISA cap (") + isa_name(isa_cap()) + ") excludes " +
                 feature_names(k.requires & ~allowed);
    } else if (!r.passed(i)) {
      const SelfCheck& check = r.result(i);
      s.reason = check.signal != 0 ? "disabled: its self-check " + check.failure
                                   : "disabled: its self-check against the scalar reference failed: " + check.failure;
      if (check.signal != 0) s.fault = fault_signal_name(check.signal);
    }
    s.runnable = s.reason.empty();
    s.self_checked = k.requires == 0 || r.checked(i);
    out->push_back(std::move(s));
  }
}

}  // namespace

const std::vector<const Int8Kernel*>& int8_kernels() { return int8_registry().kernels(); }
const std::vector<const F32Kernel*>& f32_kernels() { return f32_registry().kernels(); }
const std::vector<const Int8DirectKernel*>& int8_direct_kernels() { return direct_registry().kernels(); }

const Int8Kernel& int8_kernel_to_pack() {
  return *int8_registry().best(kAny);
}

const F32Kernel& f32_kernel_to_pack() { return *f32_registry().best(kAny); }

const Int8Kernel* int8_kernel_for(const PackLayout* layout, int64_t rows) {
  Registry<Int8Kernel>& r = int8_registry();
  const auto same_layout = [&](const Int8Kernel& k) { return k.layout == layout; };
  const Int8Kernel* k = r.best([&](const Int8Kernel& x) { return same_layout(x) && x.min_rows <= rows; });
  if (k == nullptr) k = r.best(same_layout);
  if (k == nullptr) k = r.best(same_layout, /*honor_cap=*/false);
  return k;
}

const F32Kernel* f32_kernel_for(const PackLayout* layout) {
  Registry<F32Kernel>& r = f32_registry();
  const auto same_layout = [&](const F32Kernel& k) { return k.layout == layout; };
  const F32Kernel* k = r.best(same_layout);
  return k != nullptr ? k : r.best(same_layout, /*honor_cap=*/false);
}

const Int8DirectKernel& int8_direct_kernel() { return *direct_registry().best(kAny); }

const Int8Kernel& int8_kernel_for_rows(int64_t rows) {
  const Int8Kernel* k = int8_registry().best([&](const Int8Kernel& x) { return x.min_rows <= rows; });
  return k != nullptr ? *k : *int8_registry().best(kAny);
}

std::vector<KernelStatus> kernel_statuses() {
  std::vector<KernelStatus> out;
  add_statuses(int8_registry(), "int8", &out);
  add_statuses(direct_registry(), "int8 direct", &out);
  add_statuses(f32_registry(), "float32", &out);
  return out;
}

}  // namespace qgemm
