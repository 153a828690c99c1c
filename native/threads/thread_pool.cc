#include "threads/thread_pool.h"

#include "threads/thread_priority.h"

#include <algorithm>
#include <atomic>
#include <chrono>
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

namespace {

// One job at a time across both pools (and oneDNN's team, run_exclusive):
// each is sized to the cores, so overlapping would oversubscribe them.
std::mutex& job_mutex() {
  static std::mutex* m = new std::mutex();  // leaked, as the pools are
  return *m;
}

std::atomic<int>& wanted_threads() {
  static std::atomic<int> n{available_cpus()};
  return n;
}

thread_local bool background_thread = false;

// How long a worker waiting for the next job, and the caller waiting for the
// workers, poll before sleeping on the condition variable. A training step
// is dozens of short jobs a few microseconds apart: each futex sleep and
// wake-up cost more than the job (a fifth of a 784-512-256-10 int8 step's
// time on a 2-vCPU VM). The poll yields the core, so it never starves
// another thread that needs it.
constexpr auto kPollTime = std::chrono::microseconds(100);

// Polls ready() until it holds (true) or kPollTime has passed (false).
template <typename Ready>
bool poll(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + kPollTime;
  for (int i = 0;; ++i) {
    if (ready()) return true;
    if ((i & 15) == 15 && std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
}

}  // namespace

struct ThreadPool::State {
  bool background = false;  // workers at lowered priority

  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable finished;
  std::vector<std::thread> workers;
  int job_threads = 1;  // wanted_threads() when the current job started
  bool stopping = false;

  // The current job. generation and active_workers change under mutex; their
  // atomic copies let waiters poll without it.
  uint64_t generation = 0;
  std::atomic<uint64_t> polled_generation{0};
  std::atomic<int> polled_active{0};
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t tasks = 0;
  std::atomic<int64_t> next{0};
  int active_workers = 0;  // workers still inside the current job

  void run_tasks() {
    for (int64_t t = next.fetch_add(1); t < tasks; t = next.fetch_add(1)) (*fn)(t);
  }

  void worker_loop(size_t index) {
    if (background) lower_compute_thread_priority();
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      if (!stopping && generation == seen) {
        lock.unlock();
        poll([&] { return polled_generation.load(std::memory_order_acquire) != seen; });
        lock.lock();
      }
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping) return;
      seen = generation;
      if (index + 1 >= static_cast<size_t>(job_threads)) continue;  // parked
      lock.unlock();
      run_tasks();
      lock.lock();
      polled_active.store(active_workers - 1, std::memory_order_release);
      if (--active_workers == 0) finished.notify_all();
    }
  }
};

ThreadPool::ThreadPool(bool background) : state_(new State) { state_->background = background; }

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
  static ThreadPool* foreground = new ThreadPool(false);
  static ThreadPool* background = new ThreadPool(true);
  return background_thread ? *background : *foreground;
}

void ThreadPool::use_background_on_this_thread() { background_thread = true; }

int ThreadPool::num_threads() const { return wanted_threads().load(); }

void ThreadPool::set_num_threads(int n) {
  std::lock_guard<std::mutex> lock(job_mutex());
  wanted_threads().store(std::clamp(n, 1, 256));
}

void ThreadPool::run_exclusive(const std::function<void()>& fn) {
  std::lock_guard<std::mutex> job_lock(job_mutex());
  fn();
}

void ThreadPool::parallel_for(int64_t tasks, const std::function<void(int64_t)>& fn) {
  if (tasks <= 0) return;
  State& s = *state_;
  std::lock_guard<std::mutex> job_lock(job_mutex());
  const int threads = wanted_threads().load();
  const int helpers = static_cast<int>(std::min<int64_t>(threads, tasks)) - 1;
  if (helpers <= 0) {
    for (int64_t t = 0; t < tasks; ++t) fn(t);
    return;
  }
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    // Workers are started lazily and never more than ever asked for.
    while (s.workers.size() < static_cast<size_t>(threads - 1)) {
      const size_t index = s.workers.size();
      s.workers.emplace_back([&s, index] { s.worker_loop(index); });
    }
    s.fn = &fn;
    s.tasks = tasks;
    s.next.store(0);
    s.job_threads = threads;
    s.active_workers = threads - 1;
    s.polled_active.store(threads - 1, std::memory_order_relaxed);
    ++s.generation;
    s.polled_generation.store(s.generation, std::memory_order_release);
  }
  s.wake.notify_all();
  s.run_tasks();
  poll([&] { return s.polled_active.load(std::memory_order_acquire) == 0; });
  std::unique_lock<std::mutex> lock(s.mutex);
  s.finished.wait(lock, [&] { return s.active_workers == 0; });
  s.fn = nullptr;
}

}  // namespace qgemm
