// qgemm's own thread pool: a fixed set of workers that split one GEMM's blocks.
// One job runs at a time (concurrent callers queue on a mutex), so however many
// JS threads call in, the process never runs more than num_threads() workers.
//
// Two teams of workers share that one job at a time and one thread count:
// synchronous calls (the caller's thread plus the foreground team) run at
// normal priority, since the event loop is blocked for them anyway and a busy
// neighbour should not take their cores; jobs of the compute queue (async
// calls) use the background team, whose workers run at lowered priority so
// the event loop gets a core the moment it wakes (thread_priority.h).
#pragma once

#include <cstdint>
#include <functional>

namespace qgemm {

// CPUs this process may run on (sched_getaffinity), at least 1.
int available_cpus();

class ThreadPool {
 public:
  // The pool of the calling thread: the background one on the compute queue's
  // thread (see use_background_on_this_thread), the foreground one elsewhere.
  static ThreadPool& global();
  // Makes global() return the background pool on the calling thread.
  static void use_background_on_this_thread();

  // Shared by both pools.
  int num_threads() const;
  // Clamped to [1, 256]; takes effect for the next job of either pool.
  void set_num_threads(int n);

  // Runs fn(t) for every t in [0, tasks), on the calling thread plus up to
  // num_threads() - 1 workers. Returns when all tasks are done. fn must not
  // throw and must not call parallel_for.
  void parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn);

  // Runs fn on the calling thread while no parallel_for runs, so another
  // library's threads (oneDNN's OpenMP team) never compete with the pool.
  void run_exclusive(const std::function<void()>& fn);

  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  explicit ThreadPool(bool background);
  struct State;
  State* state_;
};

}  // namespace qgemm
