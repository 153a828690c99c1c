// Instruction-set levels the built-in kernels are written for, in order of
// preference. A cap (QGEMM_MAX_ISA or setMaxIsa) limits dispatch to a level.
#pragma once

#include <string>

namespace qgemm {

enum class Isa : int {
  kScalar = 0,
  kAvx2 = 1,
  kAvxVnni = 2,
  kAvx512Vnni = 3,
  kAmx = 4,
};

const char* isa_name(Isa isa);
// Parses "scalar", "avx2", "avx_vnni", "avx512_vnni" or "amx"; false if unknown.
bool parse_isa(const std::string& name, Isa* out);

}  // namespace qgemm
