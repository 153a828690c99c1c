#include "threads/thread_pool.h"

#include "threads/thread_priority.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

namespace qgemm {

int available_cpus() {
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return std::max(1u, std::thread::hardware_concurrency());
}

struct ThreadPool::State {
  std::mutex job_mutex;  // held by the caller for the whole job

  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable finished;
  std::vector<std::thread> workers;
  int wanted_threads = 1;
  bool stopping = false;

  // The current job.
  uint64_t generation = 0;
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t tasks = 0;
  std::atomic<int64_t> next{0};
  int active_workers = 0;  // workers still inside the current job

  void run_tasks() {
    for (int64_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) (*fn)(t);
  }

  void worker_loop(size_t index) {
    lower_compute_thread_priority();
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping) return;
      seen = generation;
      if (index + 1 >= static_cast<size_t>(wanted_threads)) continue;  // parked
      lock.unlock();
      run_tasks();
      lock.lock();
      if (--active_workers == 0) finished.notify_all();
    }
  }
};

ThreadPool::ThreadPool() : state_(new State) {
  state_->wanted_threads = available_cpus();
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  for (auto& w : state_->workers) w.join();
  delete state_;
}

ThreadPool& ThreadPool::global() {
  // Leaked on purpose: workers must not be joined during static destruction,
  // which can run while another thread still uses the pool.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

int ThreadPool::num_threads() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->wanted_threads;
}

void ThreadPool::set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(state_->job_mutex);
  std::lock_guard<std::mutex> lock2(state_->mutex);
  state_->wanted_threads = std::clamp(n, 1, 256);
}

void ThreadPool::run_exclusive(const std::function<void()>& fn) {
  std::lock_guard<std::mutex> job_lock(state_->job_mutex);
  fn();
}

void ThreadPool::parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (tasks <= 0) return;
  State& s = *state_;
  std::lock_guard<std::mutex> job_lock(s.job_mutex);
  const int helpers = static_cast<int>(std::min<int64_t>(s.wanted_threads, tasks)) - 1;
  if (helpers <= 0) {
    for (int64_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    // Workers are started lazily and never more than ever asked for.
    while (s.workers.size() < static_cast<size_t>(s.wanted_threads - 1)) {
      const size_t index = s.workers.size();
      s.workers.emplace_back([&s, index] { s.worker_loop(index); });
    }
    s.fn = &fn;
    s.tasks = tasks;
    s.next.store(0);
    s.active_workers = s.wanted_threads - 1;
    ++s.generation;
  }
  s.wake.notify_all();
  s.run_tasks();
  std::unique_lock<std::mutex> lock(s.mutex);
  s.finished.wait(lock, [&] { return s.active_workers == 0; });
  s.fn = nullptr;
}

}  // namespace qgemm
