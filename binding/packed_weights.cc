#include "packed_weights.h"

#include "errors.h"

namespace qgemm_binding {

Napi::Function PackedWeights::define(Napi::Env env) {
  return DefineClass(env, "NativePackedWeights",
                     {
                         InstanceMethod<&PackedWeights::dispose>("dispose"),
                         InstanceAccessor<&PackedWeights::disposed>("disposed"),
                         InstanceAccessor<&PackedWeights::kernel>("kernel"),
                         InstanceAccessor<&PackedWeights::bytes>("bytes"),
                     });
}

PackedWeights::PackedWeights(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PackedWeights>(info) {}

PackedWeights::~PackedWeights() {
  // Collected without dispose(): give back what attach() reported.
  if (packed_) Napi::MemoryManagement::AdjustExternalMemory(Env(), -external_bytes_);
}

void PackedWeights::attach(Napi::Env env, std::shared_ptr<const qgemm::PackedB> packed) {
  packed_ = std::move(packed);
  external_bytes_ = static_cast<int64_t>(packed_->bytes());
  Napi::MemoryManagement::AdjustExternalMemory(env, external_bytes_);
}

std::shared_ptr<const qgemm::PackedB> PackedWeights::get(Napi::Env env) const {
  if (!packed_) throw_error(env, "ERR_QGEMM_DISPOSED", "PackedWeights was disposed");
  return packed_;
}

void PackedWeights::release(Napi::Env env) {
  if (!packed_) return;
  packed_.reset();  // jobs still holding the shared_ptr keep it alive until they end
  Napi::MemoryManagement::AdjustExternalMemory(env, -external_bytes_);
  external_bytes_ = 0;
}

Napi::Value PackedWeights::dispose(const Napi::CallbackInfo& info) {
  release(info.Env());
  return info.Env().Undefined();
}

Napi::Value PackedWeights::disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !packed_);
}

Napi::Value PackedWeights::kernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), packed_ ? packed_->kernel_name() : "");
}

Napi::Value PackedWeights::bytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), packed_ ? static_cast<double>(packed_->bytes()) : 0);
}

}  // namespace qgemm_binding
