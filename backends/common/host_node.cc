#include "backends/common/host_node.h"

namespace fp8sdk {
namespace backend {

const void* Operand::Data(const fp8_tensor_binding_t* bindings) const {
  if (constant) return constant;
  const fp8_tensor_binding_t& b = bindings[tensor];
  return static_cast<const uint8_t*>(b.buffer) + b.offset;
}

Shape Operand::GetShape(const fp8_tensor_binding_t* bindings) const {
  return constant ? const_shape : BindingShape(bindings[tensor]);
}

HostNode::HostNode(const GraphAccess& g, size_t node)
    : node_(node), label_(g.NodeLabel(node)), output_(g.Output(node)) {
  for (size_t i = 0; i < g.InputCount(node); ++i) {
    Operand op;
    op.tensor = g.Input(node, i);
    if (op.tensor >= 0) {
      op.dtype = g.TensorDType(op.tensor);
      op.constant = g.ConstData(op.tensor);
      if (op.constant) op.const_shape = g.PlanShape(op.tensor);
    }
    inputs_.push_back(op);
  }
}

const Operand& HostNode::in(size_t i) const {
  static const Operand kAbsent;
  return i < inputs_.size() ? inputs_[i] : kAbsent;
}

}  // namespace backend
}  // namespace fp8sdk
