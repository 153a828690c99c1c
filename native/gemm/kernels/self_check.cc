#include "gemm/kernels/self_check.h"

#include <signal.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/fault_guard.h"
#include "gemm/aligned_buffer.h"
#include "gemm/kernels/driver.h"

namespace qgemm {

namespace {

// Rows past AMX's 16-row tile and the small-M limit, columns and depth that
// leave partial panels and k groups.
constexpr int64_t kM = 37, kN = 45, kK = 133, kDirectM = 7;

// The entry for `name` in a comma-separated list of name[:value] entries:
// nullptr when absent, else what follows the name ("" or ":value").
const char* list_entry(const char* variable, const char* name) {
  const char* list = std::getenv(variable);
  if (list == nullptr) return nullptr;
  const size_t len = std::strlen(name);
  for (const char* p = list; *p != '\0';) {
    const char* end = std::strchr(p, ',');
    const size_t n = end != nullptr ? static_cast<size_t>(end - p) : std::strlen(p);
    if (n >= len && std::strncmp(p, name, len) == 0 && (n == len || p[len] == ':')) return p + len;
    if (end == nullptr) break;
    p = end + 1;
  }
  return nullptr;
}

bool forced_to_fail(const char* name) { return list_entry("QGEMM_SELF_CHECK_FAIL", name) != nullptr; }

// The signal QGEMM_SELF_CHECK_FAULT asks `name`'s check to raise, or 0.
int forced_fault(const char* name) {
  const char* v = list_entry("QGEMM_SELF_CHECK_FAULT", name);
  if (v == nullptr) return 0;
  if (std::strncmp(v, ":SIGSEGV", 8) == 0) return SIGSEGV;
  if (std::strncmp(v, ":SIGBUS", 7) == 0) return SIGBUS;
  return SIGILL;
}

// Runs `body` under the fault guard; after a fault, `cleanup` (guarded too)
// releases what the kernel left (AMX tile state).
// A forced fault strikes after `begin` (the kernel's per-task set-up, e.g.
// the AMX tile configuration), as a real one would inside the kernel.
template <typename Body>
int guarded(const char* name, Body body, void (*begin)(), void (*cleanup)()) {
  struct Ctx {
    Body* body;
    void (*begin)();
    int fault;
  } ctx{&body, begin, forced_fault(name)};
  const int sig = run_fault_guarded(
      [](void* p) {
        Ctx* c = static_cast<Ctx*>(p);
        (*c->body)();
        if (c->fault == 0) return;
        if (c->begin != nullptr) c->begin();
        raise_hardware_fault(c->fault);
      },
      &ctx);
  if (sig != 0 && cleanup != nullptr) run_fault_guarded([](void* f) { reinterpret_cast<void (*)()>(f)(); },
                                                        reinterpret_cast<void*>(cleanup));
  return sig;
}

SelfCheck faulted(int sig) {
  return {std::string("faulted with ") + fault_signal_name(sig) +
              " (an instruction this CPU or OS refuses, or a kernel bug): the kernel is dropped",
          sig};
}

// Full-range values with the extremes (which break saturating instructions) common.
uint32_t next(uint32_t* state) {
  *state = *state * 1664525u + 1013904223u;
  return *state >> 8;
}
int8_t pick8(uint32_t* s) {
  const uint32_t r = next(s);
  return r % 4 == 0 ? static_cast<int8_t>(r % 8 < 4 ? -128 : 127) : static_cast<int8_t>(r >> 4);
}

int32_t reference(const uint8_t* a, bool a_unsigned, const int8_t* b, bool bt, int64_t n, int64_t k, int64_t i,
                  int64_t j) {
  uint32_t s = 0;
  for (int64_t p = 0; p < k; ++p) {
    const uint8_t av = a[i * k + p];
    const int32_t x = a_unsigned ? av : static_cast<int8_t>(av);
    s += static_cast<uint32_t>(x) * static_cast<uint32_t>(static_cast<int32_t>(bt ? b[j * k + p] : b[p * n + j]));
  }
  return static_cast<int32_t>(s);
}

std::string mismatch(const char* name, const std::vector<int32_t>& got, const uint8_t* a, bool a_unsigned,
                     const int8_t* b, bool bt, int64_t m, int64_t n, int64_t k) {
  std::vector<int32_t> c = got;
  if (forced_to_fail(name)) c[c.size() / 2] ^= 1;  // a wrong element, found the normal way
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const int32_t want = reference(a, a_unsigned, b, bt, n, k, i, j);
      if (c[i * n + j] != want) {
        return std::string(a_unsigned ? "uint8" : "int8") + " x int8 " + std::to_string(m) + "x" + std::to_string(n) +
               "x" + std::to_string(k) + ": C(" + std::to_string(i) + "," + std::to_string(j) + ") = " +
               std::to_string(c[i * n + j]) + ", reference " + std::to_string(want);
      }
    }
  }
  return "";
}

void random_operands(int64_t m, int64_t n, int64_t k, std::vector<uint8_t>* a, std::vector<int8_t>* b) {
  uint32_t s = 12345;
  a->resize(static_cast<size_t>(m * k));
  b->resize(static_cast<size_t>(k * n));
  for (auto& x : *a) x = static_cast<uint8_t>(pick8(&s));
  for (auto& x : *b) x = pick8(&s);
}

}  // namespace

SelfCheck self_check(const Int8Kernel& kernel) {
  std::vector<uint8_t> a;
  std::vector<int8_t> b;
  random_operands(kM, kN, kK, &a, &b);
  AlignedBuffer packed(kernel.layout->bytes(kK, kN));
  if (packed.data() == nullptr) return {"out of memory", 0};
  std::vector<int32_t> sums(kN, 0), comp[2];
  for (int64_t p = 0; p < kK; ++p) {
    for (int64_t j = 0; j < kN; ++j) sums[j] += b[p * kN + j];
  }
  std::vector<int32_t> c[2];
  for (int u = 0; u < 2; ++u) {
    const int32_t shift = u == 1 ? kernel.shift_uint8 : kernel.shift_int8;
    comp[u].resize(kN);
    for (int64_t j = 0; j < kN; ++j) comp[u][j] = -shift * sums[j];
    c[u].assign(kM * kN, 0x5a5a5a5a);
  }
  // Packing and the products run guarded; nothing in here owns memory.
  const int sig = guarded(
      kernel.name,
      [&] {
        kernel.layout->pack(b.data(), false, kN, kK, kN, packed.data());
        for (int u = 0; u < 2; ++u) {
          const int32_t shift = u == 1 ? kernel.shift_uint8 : kernel.shift_int8;
          const Int8Problem p{a.data(), kK, u == 1, packed.data(), shift != 0 ? comp[u].data() : nullptr,
                              kM, kN, kK, c[u].data(), kN};
          int8_block(kernel, p, 0, kM, 0, kN);
        }
      },
      kernel.begin, kernel.end);
  if (sig != 0) return faulted(sig);
  for (int u = 0; u < 2; ++u) {
    std::string error = mismatch(kernel.name, c[u], a.data(), u == 1, b.data(), false, kM, kN, kK);
    if (!error.empty()) return {error, 0};
  }
  return {};
}

SelfCheck self_check(const Int8DirectKernel& kernel) {
  std::vector<uint8_t> a;
  std::vector<int8_t> b;
  random_operands(kDirectM, kN, kK, &a, &b);
  std::vector<int32_t> c[4];
  for (auto& x : c) x.assign(kDirectM * kN, 0x5a5a5a5a);
  const int sig = guarded(
      kernel.name,
      [&] {
        for (int v = 0; v < 4; ++v) {
          const Int8DirectArgs args{a.data(), kK, (v & 1) != 0, b.data(), (v & 2) != 0, kK, kN, c[v].data(), kN};
          kernel.compute(args, 0, kDirectM, 0, kN);
        }
      },
      nullptr, nullptr);
  if (sig != 0) return faulted(sig);
  for (int v = 0; v < 4; ++v) {
    std::string error = mismatch(kernel.name, c[v], a.data(), (v & 1) != 0, b.data(), (v & 2) != 0, kDirectM, kN, kK);
    if (!error.empty()) return {error, 0};
  }
  return {};
}

SelfCheck self_check(const F32Kernel& kernel) {
  // Small integers: every product and sum is exact in float32, so any
  // summation order gives the reference bit for bit.
  uint32_t s = 777;
  std::vector<float> a(kM * kK), b(kK * kN), c(kM * kN, -1.0f);
  for (float& x : a) x = static_cast<float>(static_cast<int>(next(&s) % 33) - 16);
  for (float& x : b) x = static_cast<float>(static_cast<int>(next(&s) % 33) - 16);
  AlignedBuffer packed(kernel.layout->bytes(kK, kN));
  if (packed.data() == nullptr) return {"out of memory", 0};
  const int sig = guarded(
      kernel.name,
      [&] {
        kernel.layout->pack(b.data(), false, kN, kK, kN, packed.data());
        f32_block(kernel, F32Problem{a.data(), kK, packed.data(), kM, kN, kK, c.data(), kN}, 0, kM, 0, kN);
      },
      nullptr, nullptr);
  if (sig != 0) return faulted(sig);
  if (forced_to_fail(kernel.name)) c[c.size() / 2] += 1.0f;
  for (int64_t i = 0; i < kM; ++i) {
    for (int64_t j = 0; j < kN; ++j) {
      float want = 0;
      for (int64_t p = 0; p < kK; ++p) want += a[i * kK + p] * b[p * kN + j];
      if (c[i * kN + j] != want) {
        return {"float32 " + std::to_string(kM) + "x" + std::to_string(kN) + "x" + std::to_string(kK) + ": C(" +
                    std::to_string(i) + "," + std::to_string(j) + ") = " + std::to_string(c[i * kN + j]) +
                    ", reference " + std::to_string(want),
                0};
      }
    }
  }
  return {};
}

}  // namespace qgemm
