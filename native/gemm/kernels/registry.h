// Every kernel compiled in, each with the CPU features it requires, and the
// choice among them: the best kernel whose requirements the CPU and the cap
// (cpu/cpu_features.h) satisfy and which passed its self-check.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gemm/kernels/kernel.h"

namespace qgemm {

// Every kernel compiled into this build, best first within each kind.
const std::vector<const Int8Kernel*>& int8_kernels();
const std::vector<const F32Kernel*>& f32_kernels();
const std::vector<const Int8DirectKernel*>& int8_direct_kernels();

// The kernel to pack new int8 / float32 weights for: the best runnable one
// for many rows (its layout decides the packed bytes).
const Int8Kernel& int8_kernel_to_pack();
const F32Kernel& f32_kernel_to_pack();

// The kernel to run weights packed in `layout` for a product of `rows` rows:
// the best runnable kernel of that layout (one whose min_rows <= rows if
// any). If the cap was lowered after packing, a kernel of the layout that the
// CPU can run; null when none is left (all disabled by their self-check).
const Int8Kernel* int8_kernel_for(const PackLayout* layout, int64_t rows);
const F32Kernel* f32_kernel_for(const PackLayout* layout);

// The best runnable kernel for a few rows of an unpacked B.
const Int8DirectKernel& int8_direct_kernel();
// The best runnable packed kernel for a product of `rows` rows, whatever its
// layout: what the driver's slab path (int8_slab_block) runs on an unpacked B.
const Int8Kernel& int8_kernel_for_rows(int64_t rows);

// What info() reports for each kernel compiled in.
struct KernelStatus {
  std::string name;
  std::string kind;      // "int8", "int8 direct" or "float32"
  std::string requires;  // feature names
  std::string layout;
  bool runnable;         // the CPU has its features, the cap allows them, its self-check passed
  std::string reason;    // why not runnable ("" when runnable)
  std::string fault;     // the signal its self-check raised ("SIGILL"...; "" when none)
  bool self_checked;     // its self-check has run (kernels are checked at first use)
  std::string probe;     // the probe of its instruction limit ("" for none)
};
std::vector<KernelStatus> kernel_statuses();

}  // namespace qgemm
