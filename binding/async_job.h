// Runs native work on the compute queue and settles a JS promise with the
// result on the JS thread. Returned to JS as { promise, cancel }: cancel()
// stops a job that has not started yet (it then rejects with ABORT_ERR).
#pragma once

#include <napi.h>

#include <functional>
#include <memory>

#include "gemm/types.h"

namespace qgemm_binding {

struct AsyncWork {
  // On the queue thread. Must touch no memory owned by JS.
  std::function<qgemm::Status()> execute;
  // On the JS thread, after execute() succeeded: the value to resolve with.
  std::function<Napi::Value(Napi::Env)> result;
};

// One per environment (main thread or worker). Holds one thread-safe function
// for every job's completion, referenced only while jobs are pending so an
// idle addon never keeps the process alive. When the environment shuts down
// (a worker terminating), finished jobs are dropped instead of delivered.
class JobDispatcher {
 public:
  explicit JobDispatcher(Napi::Env env);
  Napi::Object submit(Napi::Env env, AsyncWork work);

  struct Shared;  // what the queue thread may touch after the env is gone

 private:
  std::shared_ptr<Shared> shared_;
  size_t pending_ = 0;  // JS thread only
};

}  // namespace qgemm_binding
