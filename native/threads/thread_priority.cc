#include "threads/thread_priority.h"

#include <cstdlib>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace qgemm {

void lower_compute_thread_priority() {
#ifdef __linux__
  static const int nice_delta = [] {
    const char* env = std::getenv("QGEMM_COMPUTE_NICE");
    const int v = env != nullptr ? std::atoi(env) : 10;
    return v < 0 ? 0 : v > 19 ? 19 : v;
  }();
  if (nice_delta == 0) return;
  // On Linux, PRIO_PROCESS with a thread id sets that one thread's niceness.
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  const int current = getpriority(PRIO_PROCESS, tid);
  setpriority(PRIO_PROCESS, tid, current + nice_delta);  // best effort: failure leaves it unchanged
#endif
}

}  // namespace qgemm
