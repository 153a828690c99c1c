// The self-check's fault guard: each hardware fault is caught on the calling
// thread, the handlers installed before it are restored exactly, and a guard
// that saw no fault returns 0.
#include <signal.h>

#include <cstring>
#include <initializer_list>

#include "check.h"
#include "cpu/fault_guard.h"

namespace {

void previous_handler(int, siginfo_t*, void*) {}

bool same(const struct sigaction& x, const struct sigaction& y) {
  if (x.sa_sigaction != y.sa_sigaction || x.sa_flags != y.sa_flags) return false;
  for (int s = 1; s < 32; ++s) {
    if (sigismember(&x.sa_mask, s) != sigismember(&y.sa_mask, s)) return false;
  }
  return true;
}

}  // namespace

int main() {
  // A handler of someone else's (as Node installs for SIGSEGV), with its own flags and mask.
  struct sigaction theirs;
  std::memset(&theirs, 0, sizeof(theirs));
  theirs.sa_sigaction = previous_handler;
  theirs.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&theirs.sa_mask);
  sigaddset(&theirs.sa_mask, SIGUSR2);
  for (int sig : {SIGILL, SIGSEGV, SIGBUS}) sigaction(sig, &theirs, nullptr);
  sigaction(SIGSEGV, nullptr, &theirs);  // as the kernel keeps it (libc adds SA_RESTORER)

  for (int sig : {SIGILL, SIGSEGV, SIGBUS}) {
    const int got = qgemm::run_fault_guarded([](void* p) { qgemm::raise_hardware_fault(*static_cast<int*>(p)); },
                                             &sig);
    EXPECT(got == sig);
    for (int s : {SIGILL, SIGSEGV, SIGBUS}) {
      struct sigaction now;
      sigaction(s, nullptr, &now);
      EXPECT(same(now, theirs));
    }
    // The faulting signal is not left blocked.
    sigset_t mask;
    sigprocmask(SIG_BLOCK, nullptr, &mask);
    EXPECT(!sigismember(&mask, sig));
  }
  int ran = 0;
  EXPECT(qgemm::run_fault_guarded([](void* p) { ++*static_cast<int*>(p); }, &ran) == 0 && ran == 1);
  EXPECT(std::strcmp(qgemm::fault_signal_name(SIGBUS), "SIGBUS") == 0);
  return check::exit_code();
}
