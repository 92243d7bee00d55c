// The operands of one claimed node on a host-memory device, shared by the
// CPU backends' kernels: each input is a constant (its data fixed at
// prepare) or an activation found in the bindings of each execute; the
// output likewise. Kernels derive from HostNode and pass their execute
// context (anything with `bindings` and `err` members).
#ifndef FP8SDK_BACKENDS_COMMON_HOST_NODE_H_
#define FP8SDK_BACKENDS_COMMON_HOST_NODE_H_

#include <string>
#include <vector>

#include "backends/common/graph_access.h"

namespace fp8sdk {
namespace backend {

struct Operand {
  int32_t tensor = -1;
  DType dtype = DType::kF32;
  const void* constant = nullptr;
  Shape const_shape;

  bool present() const { return tensor >= 0; }
  // Host pointer and actual shape in this run.
  const void* Data(const fp8_tensor_binding_t* bindings) const;
  Shape GetShape(const fp8_tensor_binding_t* bindings) const;
  template <typename Ctx>
  const void* Data(const Ctx& c) const {
    return Data(c.bindings);
  }
  template <typename Ctx>
  Shape GetShape(const Ctx& c) const {
    return GetShape(c.bindings);
  }
};

// Whether element i of a 0/1 mask of any numeric dtype keeps its position
// (SOFTMAX key padding).
inline bool MaskKeep(const void* mask, DType dt, int64_t i) {
  switch (dt) {
    case DType::kINT64:
      return static_cast<const int64_t*>(mask)[i] != 0;
    case DType::kINT32:
      return static_cast<const int32_t*>(mask)[i] != 0;
    case DType::kUINT8:
      return static_cast<const uint8_t*>(mask)[i] != 0;
    default:
      return static_cast<const float*>(mask)[i] != 0.0f;
  }
}

class HostNode {
 public:
  virtual ~HostNode() = default;

 protected:
  HostNode(const GraphAccess& g, size_t node);

  // Input i; an absent optional input (past the node's inputs, or -1) reads
  // as not present.
  const Operand& in(size_t i) const;
  template <typename Ctx>
  void* OutData(const Ctx& c) const {
    const fp8_tensor_binding_t& b = c.bindings[output_];
    return static_cast<uint8_t*>(b.buffer) + b.offset;
  }
  template <typename Ctx>
  Shape OutShape(const Ctx& c) const {
    return BindingShape(c.bindings[output_]);
  }
  // Writes "<node label>: <what>" to the context's error and returns `code`.
  template <typename Ctx>
  fp8_status_code_t Fail(const Ctx& c, fp8_status_code_t code, const std::string& what) const {
    return backend::Fail(c.err, code, "%s: %s", label_.c_str(), what.c_str());
  }

  size_t node_;
  std::string label_;
  std::vector<Operand> inputs_;
  int32_t output_;
};

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_HOST_NODE_H_
