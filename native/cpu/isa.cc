#include "cpu/isa.h"

namespace qgemm {

namespace {

struct IsaEntry {
  Isa isa;
  const char* name;
  FeatureSet allows;
  FeatureSet own;
};

constexpr FeatureSet kX86Avx2 = kFeatAvx2;
constexpr FeatureSet kX86AvxVnni = kX86Avx2 | kFeatAvxVnni;
constexpr FeatureSet kX86Avx512Vnni = kX86AvxVnni | kFeatAvx512 | kFeatAvx512Vnni;
constexpr FeatureSet kArmDot = kFeatNeon | kFeatNeonDot;

constexpr IsaEntry kIsas[] = {
    {Isa::kScalar, "scalar", 0, 0},
    {Isa::kAvx2, "avx2", kX86Avx2, kFeatAvx2},
    {Isa::kAvxVnni, "avx_vnni", kX86AvxVnni, kFeatAvxVnni},
    {Isa::kAvx512Vnni, "avx512_vnni", kX86Avx512Vnni, kFeatAvx512 | kFeatAvx512Vnni},
    {Isa::kAmx, "amx", kX86Avx512Vnni | kFeatAmxInt8, kFeatAmxInt8},
    {Isa::kNeon, "neon", kFeatNeon, kFeatNeon},
    {Isa::kNeonDot, "neon_dotprod", kArmDot, kFeatNeonDot},
    {Isa::kNeonI8mm, "neon_i8mm", kArmDot | kFeatNeonI8mm, kFeatNeonI8mm},
    {Isa::kAll, "all", kAllFeatures, 0},
};

struct FeatureName {
  Feature feature;
  const char* name;
};
constexpr FeatureName kFeatureNames[] = {
    {kFeatAvx2, "avx2"},           {kFeatAvx512, "avx512"},     {kFeatAvx512Vnni, "avx512_vnni"},
    {kFeatAvxVnni, "avx_vnni"},    {kFeatAmxInt8, "amx_int8"},  {kFeatNeon, "neon"},
    {kFeatNeonDot, "neon_dotprod"}, {kFeatNeonI8mm, "neon_i8mm"},
};

}  // namespace

const char* isa_name(Isa isa) {
  for (const auto& e : kIsas) {
    if (e.isa == isa) return e.name;
  }
  return "unknown";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (const auto& e : kIsas) {
    if (name == e.name) {
      *out = e.isa;
      return true;
    }
  }
  return false;
}

FeatureSet isa_allows(Isa isa) {
  for (const auto& e : kIsas) {
    if (e.isa == isa) return e.allows;
  }
  return 0;
}

FeatureSet isa_features(Isa isa) {
  for (const auto& e : kIsas) {
    if (e.isa == isa) return e.own;
  }
  return 0;
}

std::string feature_names(FeatureSet set) {
  std::string out;
  for (const auto& f : kFeatureNames) {
    if ((set & f.feature) == 0) continue;
    if (!out.empty()) out += '+';
    out += f.name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace qgemm
