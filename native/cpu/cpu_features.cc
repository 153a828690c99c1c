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

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1;
  const bool fma = (c >> 12) & 1;
  if (!osxsave) return f;
  const unsigned long long xcr0 = read_xcr0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;
  const bool zmm_state = (xcr0 & 0xe6) == 0xe6;
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = (b >> 5) & 1;
  const bool avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
  const bool avx512vnni = (c >> 11) & 1;
  const bool amx_tile = (d >> 24) & 1, amx_int8 = (d >> 25) & 1;
  __cpuid_count(7, 1, a, b, c, d);
  const bool avxvnni = (a >> 4) & 1;

  f.avx2 = avx2 && fma && ymm_state;
  f.avx512_vnni = f.avx2 && zmm_state && avx512f && avx512bw && avx512vl && avx512vnni;
  f.avx_vnni = f.avx2 && avxvnni;
  f.amx_int8 = amx_tile && amx_int8;
  f.amx_permitted = f.amx_int8 && request_amx_permission();
  return f;
}
#else
CpuFeatures detect() { return CpuFeatures{}; }
#endif

Isa initial_cap() {
  const char* env = std::getenv("QGEMM_MAX_ISA");
  Isa cap = Isa::kAmx;
  if (env != nullptr) parse_isa(env, &cap);  // unknown values leave no cap
  return cap;
}

std::atomic<int>& cap_storage() {
  static std::atomic<int> cap{static_cast<int>(initial_cap())};
  return cap;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

Isa best_supported_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.amx_permitted) return Isa::kAmx;
  if (f.avx512_vnni) return Isa::kAvx512Vnni;
  if (f.avx_vnni) return Isa::kAvxVnni;
  if (f.avx2) return Isa::kAvx2;
  return Isa::kScalar;
}

Isa isa_cap() { return static_cast<Isa>(cap_storage().load()); }

void set_isa_cap(Isa cap) { cap_storage().store(static_cast<int>(cap)); }

Isa active_isa() {
  const Isa best = best_supported_isa();
  const Isa cap = isa_cap();
  return static_cast<int>(cap) < static_cast<int>(best) ? cap : best;
}

}  // namespace qgemm
