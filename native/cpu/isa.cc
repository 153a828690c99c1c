#include "cpu/isa.h"

namespace qgemm {

namespace {
struct IsaName {
  Isa isa;
  const char* name;
};
constexpr IsaName kIsaNames[] = {
    {Isa::kScalar, "scalar"},         {Isa::kAvx2, "avx2"},
    {Isa::kAvxVnni, "avx_vnni"},      {Isa::kAvx512Vnni, "avx512_vnni"},
    {Isa::kAmx, "amx"},
};
}  // namespace

const char* isa_name(Isa isa) {
  for (const auto& entry : kIsaNames) {
    if (entry.isa == isa) return entry.name;
  }
  return "unknown";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (const auto& entry : kIsaNames) {
    if (name == entry.name) {
      *out = entry.isa;
      return true;
    }
  }
  return false;
}

}  // namespace qgemm
