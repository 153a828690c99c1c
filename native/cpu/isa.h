// CPU features the kernels may require, and the ISA cap (QGEMM_MAX_ISA or
// setMaxIsa) that limits which of them dispatch may use.
//
// Kernels declare the features they need; dispatch picks the best kernel whose
// features the CPU has and the cap allows. The cap names an ISA and allows
// the features of that ISA and of the ISAs a CPU with it is assumed to have
// below it; it never adds a feature the CPU lacks, so no cap can select an
// instruction this CPU cannot run (an Ice Lake server capped at avx_vnni,
// which it lacks, gets avx2).
#pragma once

#include <cstdint>
#include <string>

namespace qgemm {

using FeatureSet = uint32_t;

enum Feature : FeatureSet {
  kFeatAvx2 = 1u << 0,        // AVX2 + FMA, YMM state enabled by the OS
  kFeatAvx512 = 1u << 1,      // AVX-512 F/BW/VL/DQ, ZMM state enabled by the OS
  kFeatAvx512Vnni = 1u << 2,  // EVEX vpdpbusd (with kFeatAvx512)
  kFeatAvxVnni = 1u << 3,     // VEX vpdpbusd (Alder Lake, Sapphire Rapids and later)
  kFeatAmxInt8 = 1u << 4,     // AMX-TILE + AMX-INT8, tile data granted by the OS
  kFeatNeon = 1u << 5,        // AArch64 Advanced SIMD
  kFeatNeonDot = 1u << 6,     // SDOT / UDOT (Armv8.2 DotProd)
  kFeatNeonI8mm = 1u << 7,    // SMMLA / USMMLA / USDOT (Armv8.6 I8MM)
};
constexpr FeatureSet kAllFeatures = 0xffu;

enum class Isa : int {
  kScalar = 0,
  kAvx2,
  kAvxVnni,
  kAvx512Vnni,
  kAmx,
  kNeon,
  kNeonDot,
  kNeonI8mm,
  kAll,  // no cap
};

const char* isa_name(Isa isa);
// Parses "scalar", "avx2", "avx_vnni", "avx512_vnni", "amx", "neon",
// "neon_dotprod", "neon_i8mm" or "all"; false if unknown.
bool parse_isa(const std::string& name, Isa* out);
// The features a cap at `isa` allows.
FeatureSet isa_allows(Isa isa);
// The features that make a CPU have `isa` (avx512_vnni: AVX-512 and its VNNI;
// amx: AMX-INT8 only, not the ISAs below it). Scalar and "all": none.
FeatureSet isa_features(Isa isa);
// "avx2+avx512_vnni": the names of the features in `set`, or "none".
std::string feature_names(FeatureSet set);

}  // namespace qgemm
