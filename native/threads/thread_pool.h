// qgemm's own thread pool: a fixed set of workers that split one GEMM's blocks.
// One job runs at a time (concurrent callers queue on a mutex), so however many
// JS threads call in, the process never runs more than num_threads() workers.
#pragma once

#include <cstdint>
#include <functional>

namespace qgemm {

// CPUs this process may run on (sched_getaffinity), at least 1.
int available_cpus();

class ThreadPool {
 public:
  static ThreadPool& global();

  int num_threads() const;
  // Clamped to [1, 256]; takes effect for the next job.
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
  ThreadPool();
  struct State;
  State* state_;
};

}  // namespace qgemm
