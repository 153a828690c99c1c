// qgemm's compute queue: one dedicated thread that runs submitted jobs in
// order, off the JS thread and outside libuv's pool (so fs and dns never wait
// behind a GEMM). Each job may use the whole thread pool; jobs never overlap,
// so the process runs at most one queue thread plus the pool's workers.
#pragma once

#include <cstddef>
#include <functional>

namespace qgemm {

class ComputeQueue {
 public:
  static ComputeQueue& global();

  // Runs task on the queue thread after every task submitted before it.
  void submit(std::function<void()> task);
  // Tasks submitted and not yet finished.
  size_t pending() const;

  ComputeQueue(const ComputeQueue&) = delete;
  ComputeQueue& operator=(const ComputeQueue&) = delete;

 private:
  ComputeQueue() = default;
  struct State;
  State* state();
};

}  // namespace qgemm
