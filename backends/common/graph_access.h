// C++ conveniences for backend authors on top of the C plugin ABI
// (fp8sdk/backend.h): typed access to the graph through fp8_graph_api_t, and
// error reporting into fp8_error_t. Header-only; every backend links its own
// copy, so nothing here crosses the ABI.
#ifndef FP8SDK_BACKENDS_COMMON_GRAPH_ACCESS_H_
#define FP8SDK_BACKENDS_COMMON_GRAPH_ACCESS_H_

#include <cstdarg>
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/numerics/fp8_format.h"
#include "sdk/runtime/graph.h"

namespace fp8sdk {
namespace backend {

// Writes a printf-style message into `err` (if non-null) and returns `code`.
inline fp8_status_code_t Fail(fp8_error_t* err, fp8_status_code_t code, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
inline fp8_status_code_t Fail(fp8_error_t* err, fp8_status_code_t code, const char* fmt, ...) {
  if (err) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);
  }
  return code;
}

inline Fp8Format ToFp8Format(const fp8_fp8_format_t& f) {
  return Fp8Format{f.exp_bits, f.man_bits, f.bias, static_cast<Fp8Specials>(f.specials)};
}

// A tensor's quantization as seen through the ABI.
struct QuantView {
  bool quantized = false;
  DType dtype = DType::kF32;
  const float* scales = nullptr;
  size_t scale_count = 0;
  int axis = -1;
  Fp8Format format = kE4M3;
};

struct ActQuantView {
  bool enabled = false;
  DType dtype = DType::kFP8_E4M3;
  float scale = 1.0f;
  Fp8Format format = kE4M3;
};

class GraphAccess {
 public:
  GraphAccess(const fp8_graph_t* g, const fp8_graph_api_t* api) : g_(g), api_(api) {}

  size_t NodeCount() const { return api_->node_count(g_); }
  OpType Op(size_t n) const { return static_cast<OpType>(api_->node_op(g_, n)); }
  std::string NodeName(size_t n) const { return api_->node_name(g_, n); }
  // "operator 12 'encoder.layer.0.attention.self.query' (LINEAR)".
  std::string NodeLabel(size_t n) const {
    return "operator " + std::to_string(n) + " '" + NodeName(n) + "' (" + OpTypeName(Op(n)) + ")";
  }
  size_t InputCount(size_t n) const { return api_->node_input_count(g_, n); }
  int32_t Input(size_t n, size_t i) const {
    return i < InputCount(n) ? api_->node_input(g_, n, i) : -1;
  }
  int32_t Output(size_t n, size_t i = 0) const { return api_->node_output(g_, n, i); }
  int64_t AttrInt(size_t n, fp8_attr_t a) const { return api_->node_attr_int(g_, n, a); }
  float AttrFloat(size_t n, fp8_attr_t a) const { return api_->node_attr_float(g_, n, a); }
  std::vector<int64_t> AttrInts(size_t n, fp8_attr_t a) const {
    const int64_t* v = nullptr;
    const size_t len = api_->node_attr_ints(g_, n, a, &v);
    return std::vector<int64_t>(v, v + len);
  }
  ActQuantView ActQuant(size_t n, int which) const {
    ActQuantView q;
    fp8_act_quant_t a{};
    a.struct_size = sizeof(a);
    if (api_->node_act_quant(g_, n, which, &a)) {
      q.enabled = true;
      q.dtype = static_cast<DType>(a.dtype);
      q.scale = a.scale;
      q.format =
          q.dtype == DType::kFP8_CUSTOM ? ToFp8Format(a.format) : Fp8FormatOf(q.dtype, kE4M3);
    }
    return q;
  }

  std::string TensorName(int32_t t) const { return api_->tensor_name(g_, t); }
  DType TensorDType(int32_t t) const { return static_cast<DType>(api_->tensor_dtype(g_, t)); }
  // The planning (largest) shape.
  Shape PlanShape(int32_t t) const {
    Shape s;
    s.rank = static_cast<int>(api_->tensor_rank(g_, t));
    for (int i = 0; i < s.rank; ++i) s[i] = api_->tensor_dim(g_, t, static_cast<size_t>(i));
    return s;
  }
  QuantView Quant(int32_t t) const {
    QuantView q;
    fp8_quant_info_t info{};
    info.struct_size = sizeof(info);
    if (api_->tensor_quant(g_, t, &info)) {
      q.quantized = true;
      q.dtype = static_cast<DType>(info.dtype);
      q.scales = info.scales;
      q.scale_count = info.scale_count;
      q.axis = info.axis;
      q.format =
          q.dtype == DType::kFP8_CUSTOM ? ToFp8Format(info.format) : Fp8FormatOf(q.dtype, kE4M3);
    }
    return q;
  }
  const void* ConstData(int32_t t, size_t* size = nullptr) const {
    size_t s = 0;
    const void* p = api_->tensor_const_data(g_, t, &s);
    if (size) *size = s;
    return p;
  }
  // This backend keeps its own form of constant t and will not read
  // ConstData(t) again (a hint to the host; no-op on hosts without it).
  void ConstDone(int32_t t) const {
    if (api_->struct_size >= offsetof(fp8_graph_api_t, tensor_const_done) + sizeof(void*) &&
        api_->tensor_const_done) {
      api_->tensor_const_done(g_, t);
    }
  }

 private:
  const fp8_graph_t* g_;
  const fp8_graph_api_t* api_;
};

// The shape of a binding.
inline Shape BindingShape(const fp8_tensor_binding_t& b) {
  Shape s;
  s.rank = b.rank;
  for (int i = 0; i < b.rank && i < kMaxRank; ++i) s[i] = b.dims[i];
  return s;
}

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_GRAPH_ACCESS_H_
