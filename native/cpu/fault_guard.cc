#include "cpu/fault_guard.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace qgemm {

namespace {

constexpr int kSignals[] = {SIGILL, SIGSEGV, SIGBUS};
constexpr int kCount = 3;

// One guard at a time (the handlers are process-wide), so plain globals:
// no thread_local, whose first touch in a handler could allocate.
std::mutex g_mutex;
struct sigaction g_previous[kCount];
sigjmp_buf g_jump;
pthread_t g_owner;
std::atomic<bool> g_armed{false};
volatile sig_atomic_t g_signal = 0;

int slot(int sig) {
  for (int i = 0; i < kCount; ++i) {
    if (kSignals[i] == sig) return i;
  }
  return 0;
}

// A fault that is not ours goes where it would have gone without the guard.
void pass_on(int sig, siginfo_t* info, void* context) {
  const struct sigaction& prev = g_previous[slot(sig)];
  if ((prev.sa_flags & SA_SIGINFO) != 0) {
    prev.sa_sigaction(sig, info, context);
  } else if (prev.sa_handler == SIG_DFL) {
    // Returning re-executes the instruction, which now takes the default action.
    signal(sig, SIG_DFL);
  } else if (prev.sa_handler != SIG_IGN) {
    prev.sa_handler(sig);
  }
}

void on_fault(int sig, siginfo_t* info, void* context) {
  if (g_armed.load(std::memory_order_acquire) && pthread_equal(pthread_self(), g_owner)) {
    g_armed.store(false, std::memory_order_release);
    g_signal = sig;
    siglongjmp(g_jump, 1);
  }
  pass_on(sig, info, context);
}

}  // namespace

int run_fault_guarded(void (*fn)(void* ctx), void* ctx) {
  std::lock_guard<std::mutex> lock(g_mutex);
  struct sigaction ours;
  memset(&ours, 0, sizeof(ours));
  ours.sa_sigaction = on_fault;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&ours.sa_mask);
  for (int i = 0; i < kCount; ++i) sigaction(kSignals[i], &ours, &g_previous[i]);
  g_signal = 0;
  g_owner = pthread_self();
  // savemask 1: the signal blocked while its handler ran is unblocked again.
  if (sigsetjmp(g_jump, 1) == 0) {
    g_armed.store(true, std::memory_order_release);
    fn(ctx);
  }
  g_armed.store(false, std::memory_order_release);
  for (int i = 0; i < kCount; ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
  return g_signal;
}

const char* fault_signal_name(int signal) {
  switch (signal) {
    case SIGILL:
      return "SIGILL";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGBUS:
      return "SIGBUS";
    default: {
      thread_local char name[24];
      snprintf(name, sizeof(name), "signal %d", signal);
      return name;
    }
  }
}

void raise_hardware_fault(int signal) {
  if (signal == SIGILL) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ volatile("ud2");
#elif defined(__aarch64__)
    __asm__ volatile("udf #0");
#endif
  } else if (signal == SIGSEGV) {
    // The zero page is never mapped; the address is opaque so the compiler
    // emits the store (a literal null store may become a trap instruction).
    static volatile uintptr_t zero_page = 16;
    *reinterpret_cast<volatile int*>(zero_page) = 1;
  } else if (signal == SIGBUS) {
    // A page of a file past its end: mapped, but no data behind it.
    FILE* f = tmpfile();
    if (f == nullptr) return;
    const long page = sysconf(_SC_PAGESIZE);
    void* p = mmap(nullptr, static_cast<size_t>(page), PROT_READ, MAP_PRIVATE, fileno(f), 0);
    fclose(f);
    if (p != MAP_FAILED) {
      (void)*static_cast<volatile const char*>(p);
      munmap(p, static_cast<size_t>(page));
    }
  }
}

}  // namespace qgemm
