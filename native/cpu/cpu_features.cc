#include "cpu/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define QGEMM_X86 1
#endif

#if defined(__linux__) && defined(QGEMM_X86)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif
#if defined(__aarch64__) && defined(__APPLE__)
#include <sys/sysctl.h>
#endif

namespace qgemm {

namespace {

#ifdef QGEMM_X86
unsigned long long read_xcr0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

// Linux keeps AMX tile data off until a process asks for it (kernel 5.16+).
bool request_amx_permission() {
#if defined(__linux__)
  constexpr long kArchReqXcompPerm = 0x1023;
  constexpr long kXfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
#else
  return false;
#endif
}

void detect(CpuFeatures* f) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return;
  const bool osxsave = (c >> 27) & 1;
  const bool fma = (c >> 12) & 1;
  const bool f16c = (c >> 29) & 1;
  if (!osxsave) return;
  const unsigned long long xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;
  const bool tile_state = (xcr0 & 0x60000) == 0x60000;  // XTILECFG + XTILEDATA
  if (__get_cpuid_max(0, nullptr) < 7) return;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1;
  const bool avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
             avx512vl = (b >> 31) & 1;
  const bool avx512vnni = (c >> 11) & 1;
  const bool amx_tile = (d >> 24) & 1, amx_int8 = (d >> 25) & 1;
  __cpuid_count(7, 1, a, b, c, d);
  const bool avxvnni = (a >> 4) & 1;

  f->avx2 = avx2 && fma && ymm_state;
  // F16C too (every AVX-512 CPU has it; the AVX-512 files may use it).
  f->avx512 = f->avx2 && zmm_state && avx512f && avx512dq && avx512bw && avx512vl && f16c;
  f->avx512_vnni = f->avx512 && avx512vnni;
  f->avx_vnni = f->avx2 && avxvnni;
  f->amx_int8 = amx_tile && amx_int8 && tile_state;
  f->amx_permitted = f->amx_int8 && request_amx_permission();
}
#elif defined(__aarch64__)
void detect(CpuFeatures* f) {
  f->neon = true;  // Advanced SIMD is part of AArch64
#if defined(__linux__)
  const unsigned long hwcap = getauxval(AT_HWCAP), hwcap2 = getauxval(AT_HWCAP2);
  f->neon_dotprod = (hwcap >> 20) & 1;  // HWCAP_ASIMDDP
  f->neon_i8mm = (hwcap2 >> 13) & 1;    // HWCAP2_I8MM
#elif defined(__APPLE__)
  auto has = [](const char* name) {
    int value = 0;
    size_t size = sizeof(value);
    return sysctlbyname(name, &value, &size, nullptr, 0) == 0 && value != 0;
  };
  f->neon_dotprod = has("hw.optional.arm.FEAT_DotProd");
  f->neon_i8mm = has("hw.optional.arm.FEAT_I8MM");
#endif
  f->neon_i8mm = f->neon_i8mm && f->neon_dotprod;
}
#else
void detect(CpuFeatures*) {}
#endif

CpuFeatures detect_all() {
  CpuFeatures f;
  detect(&f);
  const auto bit = [](bool on, Feature feature) -> FeatureSet { return on ? feature : 0u; };
  f.set = bit(f.avx2, kFeatAvx2) | bit(f.avx512, kFeatAvx512) | bit(f.avx512_vnni, kFeatAvx512Vnni) |
          bit(f.avx_vnni, kFeatAvxVnni) | bit(f.amx_permitted, kFeatAmxInt8) | bit(f.neon, kFeatNeon) |
          bit(f.neon_dotprod, kFeatNeonDot) | bit(f.neon_i8mm, kFeatNeonI8mm);
  return f;
}

Isa initial_cap() {
  const char* env = std::getenv("QGEMM_MAX_ISA");
  Isa cap = Isa::kAll;
  if (env != nullptr) parse_isa(env, &cap);  // unknown values leave no cap
  return cap;
}

std::atomic<int>& cap_storage() {
  static std::atomic<int> cap{static_cast<int>(initial_cap())};
  return cap;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect_all();
  return features;
}

Isa isa_cap() { return static_cast<Isa>(cap_storage().load()); }

void set_isa_cap(Isa cap) { cap_storage().store(static_cast<int>(cap)); }

FeatureSet allowed_features() { return cpu_features().set & isa_allows(isa_cap()); }

}  // namespace qgemm
