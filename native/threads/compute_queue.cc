#include "threads/compute_queue.h"

#include "threads/thread_pool.h"
#include "threads/thread_priority.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace qgemm {

struct ComputeQueue::State {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> tasks;
  size_t pending = 0;
  bool started = false;

  void loop() {
    lower_compute_thread_priority();
    ThreadPool::use_background_on_this_thread();
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      wake.wait(lock, [&] { return !tasks.empty(); });
      std::function<void()> task = std::move(tasks.front());
      tasks.pop_front();
      lock.unlock();
      task();
      lock.lock();
      --pending;
    }
  }
};

ComputeQueue& ComputeQueue::global() {
  // Leaked on purpose, with its thread detached: the process may exit while
  // a job runs, and joining during static destruction could deadlock.
  static ComputeQueue* queue = new ComputeQueue();
  return *queue;
}

ComputeQueue::State* ComputeQueue::state() {
  static State* s = new State();
  return s;
}

void ComputeQueue::submit(std::function<void()> task) {
  State* s = state();
  {
    std::lock_guard<std::mutex> lock(s->mutex);
    if (!s->started) {
      std::thread([s] { s->loop(); }).detach();
      s->started = true;
    }
    s->tasks.push_back(std::move(task));
    ++s->pending;
  }
  s->wake.notify_one();
}

size_t ComputeQueue::pending() const {
  State* s = const_cast<ComputeQueue*>(this)->state();
  std::lock_guard<std::mutex> lock(s->mutex);
  return s->pending;
}

}  // namespace qgemm
