#include "embedding_binding.h"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "args.h"
#include "embedding/embedding.h"
#include "embedding/interaction.h"
#include "embedding/sparse.h"
#include "errors.h"

namespace qgemm_binding {

namespace {

using qgemm::TableFormat;

struct Raw {
  napi_typedarray_type type;
  int64_t length;  // elements
  void* data;
};

constexpr uint32_t kMaxInteractionVectors = 1024;

Raw typed_value(Napi::Env js_env, napi_value value, const char* name) {
  napi_env env = js_env;
  bool is_typed = false;
  Raw r{napi_int8_array, 0, nullptr};
  size_t length = 0;
  napi_value buffer;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &r.type, &length, &r.data, &buffer, &offset) != napi_ok) {
    throw_type_error(js_env, "ERR_QGEMM_ARG_TYPE", std::string(name) + " must be a TypedArray");
  }
  r.length = r.data == nullptr ? 0 : static_cast<int64_t>(length);  // detached: empty
  return r;
}

Raw typed(const Napi::CallbackInfo& info, size_t index, const char* name) { return typed_value(info.Env(), info[index], name); }

qgemm::IndexArray index_array(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Raw r = typed(info, index, name);
  if (r.type != napi_int32_array && r.type != napi_bigint64_array) {
    throw_type_error(info.Env(), "ERR_QGEMM_DTYPE", std::string(name) + " must be an Int32Array or a BigInt64Array");
  }
  return qgemm::IndexArray{r.data, r.length, r.type == napi_bigint64_array};
}

int64_t times(Napi::Env env, int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a) throw_range_error(env, "ERR_QGEMM_TOO_LARGE", "sizes overflow");
  return a * b;
}

template <typename T>
T* buffer(const Napi::CallbackInfo& info, size_t index, const char* name, napi_typedarray_type type, const char* what,
          int64_t needed, bool optional = false) {
  if (optional && info[index].IsUndefined()) return nullptr;
  const Raw r = typed(info, index, name);
  if (r.type != type) throw_type_error(info.Env(), "ERR_QGEMM_DTYPE", std::string(name) + " must be " + what);
  if (r.length < needed) {
    throw_range_error(info.Env(), "ERR_QGEMM_OUT_OF_BOUNDS",
                      std::string(name) + " holds " + std::to_string(r.length) + " elements, " + std::to_string(needed) +
                          " needed");
  }
  return static_cast<T*>(r.data);
}

float* f32(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t n, bool optional = false) {
  return buffer<float>(info, i, name, napi_float32_array, "a Float32Array", n, optional);
}
uint8_t* u8(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t n) {
  return buffer<uint8_t>(info, i, name, napi_uint8_array, "a Uint8Array", n);
}

TableFormat format_arg(const Napi::CallbackInfo& info, size_t index) {
  const int64_t f = arg_size(info, index, "format");
  if (f > 2) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "format must be 0, 1 or 2");
  return static_cast<TableFormat>(f);
}

int64_t signed_arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", std::string(name) + " must be a number");
  const double d = info[index].As<Napi::Number>().DoubleValue();
  if (!(d >= -9007199254740991.0 && d <= 9007199254740991.0) || static_cast<double>(static_cast<int64_t>(d)) != d) {
    throw_range_error(info.Env(), "ERR_QGEMM_OPTION", std::string(name) + " must be an integer");
  }
  return static_cast<int64_t>(d);
}

// The table at `index` (a Float32Array for float32, else a Uint8Array) holding rows x dim.
qgemm::EmbeddingTable table_arg(const Napi::CallbackInfo& info, size_t index, int64_t rows, int64_t dim,
                                TableFormat format) {
  qgemm::EmbeddingTable t;
  t.rows = rows;
  t.dim = dim;
  t.format = format;
  if (format == TableFormat::kFloat32) {
    t.data = f32(info, index, "table", times(info.Env(), rows, dim));
  } else {
    t.data = u8(info, index, "table", times(info.Env(), rows, qgemm::table_row_bytes(format, dim)));
  }
  return t;
}

void check_status(Napi::Env env, const qgemm::Status& s) {
  if (!s.ok()) throw_status(env, s);
}

// A failed index check as ERR_QGEMM_INDEX, anything else as its usual error.
void check_index_status(Napi::Env env, const qgemm::Status& s) {
  if (s.code == qgemm::StatusCode::kOutOfBounds) throw_range_error(env, "ERR_QGEMM_INDEX", s.message);
  check_status(env, s);
}

// The bags at [i, i + 6): (ids, offsets, includeLastOffset, weights | undefined, pooling, paddingIdx).
void read_bags(const Napi::CallbackInfo& info, size_t i, qgemm::BagDesc* d) {
  d->ids = index_array(info, i, "ids");
  d->offsets = index_array(info, i + 1, "offsets");
  d->include_last_offset = arg_bool(info, i + 2, "includeLastOffset");
  d->per_sample_weights = f32(info, i + 3, "perSampleWeights", d->ids.length, true);
  const int64_t pooling = arg_size(info, i + 4, "pooling");
  if (pooling > 2) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", "pooling must be 0, 1 or 2");
  d->pooling = static_cast<qgemm::Pooling>(pooling);
  d->padding_idx = signed_arg(info, i + 5, "paddingIdx");
}

// (table, rows, dim, format, ids, offsets, includeLastOffset, weights | undefined, pooling, paddingIdx, out)
Napi::Value bag(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = arg_size(info, 1, "rows"), dim = arg_size(info, 2, "dim");
  qgemm::BagDesc d;
  d.table = table_arg(info, 0, rows, dim, format_arg(info, 3));
  read_bags(info, 4, &d);
  d.out = f32(info, 10, "out", times(env, qgemm::bag_count(d), dim));
  check_index_status(env, qgemm::embedding_bag(d));
  return env.Undefined();
}

// (x, rows, dim, format, out)
Napi::Value quantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = arg_size(info, 1, "rows"), dim = arg_size(info, 2, "dim");
  const TableFormat format = format_arg(info, 3);
  if (format == TableFormat::kFloat32) throw_range_error(env, "ERR_QGEMM_OPTION", "format must be rowwise8 or rowwise4");
  const float* x = f32(info, 0, "x", times(env, rows, dim));
  uint8_t* out = u8(info, 4, "out", times(env, rows, qgemm::table_row_bytes(format, dim)));
  check_status(env, qgemm::quantize_table(x, rows, dim, format, out));
  return env.Undefined();
}

// (table, rows, dim, format, out)
Napi::Value dequantize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t rows = arg_size(info, 1, "rows"), dim = arg_size(info, 2, "dim");
  const TableFormat format = format_arg(info, 3);
  if (format == TableFormat::kFloat32) throw_range_error(env, "ERR_QGEMM_OPTION", "format must be rowwise8 or rowwise4");
  const uint8_t* t = u8(info, 0, "table", times(env, rows, qgemm::table_row_bytes(format, dim)));
  check_status(env, qgemm::dequantize_table(t, rows, dim, format, f32(info, 4, "out", times(env, rows, dim))));
  return env.Undefined();
}

double number(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", std::string(name) + " must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

uint32_t u32_arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const int64_t v = arg_size(info, index, name);
  if (v > 0xFFFFFFFFll) throw_range_error(info.Env(), "ERR_QGEMM_OPTION", std::string(name) + " must be a uint32");
  return static_cast<uint32_t>(v);
}

// (rows, dim, format, ids, offsets, includeLastOffset, weights | undefined, pooling, paddingIdx, dout, idsOut, gradsOut) -> count
Napi::Value bag_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  qgemm::BagDesc d;
  d.table.rows = arg_size(info, 0, "rows");
  d.table.dim = arg_size(info, 1, "dim");
  d.table.format = format_arg(info, 2);
  read_bags(info, 3, &d);
  const float* dout = f32(info, 9, "dout", times(env, qgemm::bag_count(d), d.table.dim));
  int32_t* ids_out = buffer<int32_t>(info, 10, "idsOut", napi_int32_array, "an Int32Array", d.ids.length);
  float* grads_out = f32(info, 11, "gradsOut", times(env, d.ids.length, d.table.dim));
  int64_t count = 0;
  check_index_status(env, qgemm::bag_backward(d, dout, ids_out, grads_out, &count));
  return Napi::Number::New(env, static_cast<double>(count));
}

// The table, touched rows and seed shared by the optimizers: (table, rows, dim, format, ids, count, grads, ...).
struct SparseArgs {
  qgemm::MutableTable table;
  qgemm::SparseRows rows;
};

SparseArgs sparse_args(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SparseArgs a;
  a.table.rows = arg_size(info, 1, "rows");
  a.table.dim = arg_size(info, 2, "dim");
  a.table.format = format_arg(info, 3);
  if (a.table.format == TableFormat::kRowwise4) {
    throw_range_error(env, "ERR_QGEMM_OPTION", "the sparse optimizers update float32 and rowwise8 tables");
  }
  a.table.data = const_cast<void*>(table_arg(info, 0, a.table.rows, a.table.dim, a.table.format).data);
  a.rows.count = arg_size(info, 5, "count");
  a.rows.ids = buffer<int32_t>(info, 4, "ids", napi_int32_array, "an Int32Array", a.rows.count);
  a.rows.grads = f32(info, 6, "grads", times(env, a.rows.count, a.table.dim));
  return a;
}

uint64_t seed_of(const Napi::CallbackInfo& info, size_t index) {
  return (static_cast<uint64_t>(u32_arg(info, index, "seed")) << 32) | u32_arg(info, index + 1, "step");
}

// (table, rows, dim, format, ids, count, grads, state, lr, eps, weightDecay, seed, step)
Napi::Value rowwise_adagrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SparseArgs a = sparse_args(info);
  float* state = f32(info, 7, "state", a.table.rows);
  qgemm::RowwiseAdagradParams p;
  p.lr = static_cast<float>(number(info, 8, "lr"));
  p.eps = static_cast<float>(number(info, 9, "eps"));
  p.weight_decay = static_cast<float>(number(info, 10, "weightDecay"));
  check_index_status(env, qgemm::rowwise_adagrad_step(a.table, a.rows, state, p, seed_of(info, 11)));
  return env.Undefined();
}

// (table, rows, dim, format, ids, count, grads, m, v, beta1, beta2, eps, stepSize, weightDecay, seed, step)
Napi::Value sparse_adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SparseArgs a = sparse_args(info);
  const int64_t n = times(env, a.table.rows, a.table.dim);
  float* m = f32(info, 7, "m", n);
  float* v = f32(info, 8, "v", n);
  qgemm::SparseAdamParams p;
  p.beta1 = static_cast<float>(number(info, 9, "beta1"));
  p.beta2 = static_cast<float>(number(info, 10, "beta2"));
  p.eps = static_cast<float>(number(info, 11, "eps"));
  p.step_size = static_cast<float>(number(info, 12, "stepSize"));
  p.weight_decay = static_cast<float>(number(info, 13, "weightDecay"));
  check_index_status(env, qgemm::sparse_adam_step(a.table, a.rows, m, v, p, seed_of(info, 14)));
  return env.Undefined();
}

// The elements of the JS array at `index`, read before any buffer pointer is
// taken: reading an element may run a getter, which could detach a buffer.
std::vector<Napi::Value> list_arg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsArray()) throw_type_error(info.Env(), "ERR_QGEMM_ARG_TYPE", std::string(name) + " must be an Array");
  const Napi::Array list = info[index].As<Napi::Array>();
  const uint32_t n = list.Length();
  if (n > kMaxInteractionVectors) {
    throw_range_error(info.Env(), "ERR_QGEMM_TOO_LARGE", std::string(name) + " holds more than 1024 vectors");
  }
  std::vector<Napi::Value> out;
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) out.push_back(list.Get(k));
  return out;
}

// The data of Float32Arrays (list_arg's elements), each holding at least `needed` values.
std::vector<float*> f32_list(Napi::Env env, const std::vector<Napi::Value>& list, const char* name, int64_t needed) {
  std::vector<float*> out(list.size());
  for (size_t k = 0; k < list.size(); ++k) {
    const Raw r = typed_value(env, list[k], name);
    if (r.type != napi_float32_array) throw_type_error(env, "ERR_QGEMM_DTYPE", std::string(name) + " must hold Float32Arrays");
    if (r.length < needed) {
      throw_range_error(env, "ERR_QGEMM_OUT_OF_BOUNDS",
                        std::string(name) + "[" + std::to_string(k) + "] holds " + std::to_string(r.length) + " values, " +
                            std::to_string(needed) + " needed");
    }
    out[k] = static_cast<float*>(r.data);
  }
  return out;
}

int64_t interaction_width(int64_t n, int64_t dim) { return dim + n * (n - 1) / 2; }

// (vectors: Float32Array[], batch, dim, out)
Napi::Value interaction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t batch = arg_size(info, 1, "batch"), dim = arg_size(info, 2, "dim");
  const std::vector<float*> z = f32_list(env, list_arg(info, 0, "vectors"), "vectors", times(env, batch, dim));
  const int64_t n = static_cast<int64_t>(z.size());
  float* out = f32(info, 3, "out", times(env, batch, interaction_width(n, dim)));
  qgemm::dot_interaction(z.data(), n, batch, dim, out);
  return env.Undefined();
}

// (vectors: Float32Array[], batch, dim, dOut, grads: Float32Array[] of the same length)
Napi::Value interaction_backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t batch = arg_size(info, 1, "batch"), dim = arg_size(info, 2, "dim");
  const std::vector<Napi::Value> vectors = list_arg(info, 0, "vectors"), grads = list_arg(info, 4, "grads");
  if (grads.size() != vectors.size()) throw_range_error(env, "ERR_QGEMM_SHAPE", "grads must hold one array per vector");
  const std::vector<float*> z = f32_list(env, vectors, "vectors", times(env, batch, dim));
  const std::vector<float*> dz = f32_list(env, grads, "grads", times(env, batch, dim));
  const int64_t n = static_cast<int64_t>(z.size());
  const float* d_out = f32(info, 3, "dOut", times(env, batch, interaction_width(n, dim)));
  qgemm::dot_interaction_backward(z.data(), n, batch, dim, d_out, dz.data());
  return env.Undefined();
}

}  // namespace

Napi::Object embedding_functions(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const auto add = [&](const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
    o.Set(name, Napi::Function::New(env, fn, name));
  };
  add("bag", bag);
  add("quantize", quantize);
  add("dequantize", dequantize);
  add("bagBackward", bag_backward);
  add("rowwiseAdagrad", rowwise_adagrad);
  add("sparseAdam", sparse_adam);
  add("interaction", interaction);
  add("interactionBackward", interaction_backward);
  return o;
}

}  // namespace qgemm_binding
