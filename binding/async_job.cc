#include "async_job.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <new>

#include "errors.h"
#include "threads/compute_queue.h"

namespace qgemm_binding {

struct JobDispatcher::Shared {
  std::mutex mutex;
  bool alive = true;  // false once the env tore the thread-safe function down
  Napi::ThreadSafeFunction tsfn;
};

namespace {

struct Job {
  AsyncWork work;
  Napi::Promise::Deferred deferred;
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);
  bool was_cancelled = false;
  qgemm::Status status;
  std::function<void()> on_settled;  // JS thread bookkeeping

  explicit Job(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  void settle(Napi::Env env) {
    Napi::HandleScope scope(env);
    if (was_cancelled) {
      Napi::Error error = Napi::Error::New(env, "The operation was aborted before it started");
      error.Set("code", Napi::String::New(env, "ABORT_ERR"));
      error.Set("name", Napi::String::New(env, "AbortError"));
      deferred.Reject(error.Value());
      return;
    }
    Napi::Value value;
    try {
      if (!status.ok()) throw_status(env, status);
      value = work.result(env);
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
      return;
    }
    deferred.Resolve(value);
  }
};

}  // namespace

JobDispatcher::JobDispatcher(Napi::Env env) : shared_(std::make_shared<Shared>()) {
  std::shared_ptr<Shared> shared = shared_;
  shared_->tsfn = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "qgemm-compute", 0, 1,
      [shared](Napi::Env) {  // finalizer: the env is going away
        std::lock_guard<std::mutex> lock(shared->mutex);
        shared->alive = false;
      });
  shared_->tsfn.Unref(env);
}

Napi::Object JobDispatcher::submit(Napi::Env env, AsyncWork work) {
  Job* job = new Job(env);
  job->work = std::move(work);
  if (pending_++ == 0) shared_->tsfn.Ref(env);  // keep the process alive for pending jobs
  job->on_settled = [this, env] {
    if (--pending_ == 0) shared_->tsfn.Unref(env);
  };
  std::shared_ptr<std::atomic<bool>> cancelled = job->cancelled;
  Napi::Promise promise = job->deferred.Promise();
  std::shared_ptr<Shared> shared = shared_;
  qgemm::ComputeQueue::global().submit([job, shared] {
    if (job->cancelled->load()) {
      job->was_cancelled = true;
    } else {
      // No C++ exception may leave this thread (std::terminate would end the
      // process): an allocation failure in the core becomes a coded rejection.
      try {
        job->status = job->work.execute();
      } catch (const std::bad_alloc&) {
        job->status = qgemm::Status::Error(qgemm::StatusCode::kOutOfMemory, "out of memory");
      } catch (const std::exception& e) {
        job->status = qgemm::Status::Error(qgemm::StatusCode::kBackendError, e.what());
      }
    }
    std::lock_guard<std::mutex> lock(shared->mutex);
    const napi_status s = shared->alive ? shared->tsfn.NonBlockingCall(job, [](Napi::Env env, Napi::Function, Job* j) {
      // While a worker terminates JS cannot run and these calls throw; the
      // promise is unobservable then, so the error is dropped.
      try {
        j->settle(env);
        j->on_settled();
      } catch (const Napi::Error&) {
      }
      delete j;
    })
                                        : napi_closing;
    if (s != napi_ok) delete job;  // env gone: nobody is waiting for this result
  });
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", promise);
  handle.Set("cancel", Napi::Function::New(env, [cancelled](const Napi::CallbackInfo& info) {
               cancelled->store(true);
               return info.Env().Undefined();
             }));
  return handle;
}

}  // namespace qgemm_binding
