// PackedWeights: the JS handle of a qgemm::PackedB. Freed by dispose() or GC.
#pragma once

#include <napi.h>

#include <memory>

#include "gemm/packed_b.h"

namespace qgemm_binding {

class PackedWeights : public Napi::ObjectWrap<PackedWeights> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit PackedWeights(const Napi::CallbackInfo& info);
  ~PackedWeights() override;

  // Takes ownership; called right after construction by packWeights().
  void attach(Napi::Env env, std::shared_ptr<const qgemm::PackedB> packed);
  // The pack, or a thrown ERR_QGEMM_DISPOSED.
  std::shared_ptr<const qgemm::PackedB> get(Napi::Env env) const;

 private:
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);
  Napi::Value kernel(const Napi::CallbackInfo& info);
  Napi::Value bytes(const Napi::CallbackInfo& info);
  void release(Napi::Env env);

  std::shared_ptr<const qgemm::PackedB> packed_;
  int64_t external_bytes_ = 0;
};

}  // namespace qgemm_binding
