// QUANTIZE and DEQUANTIZE for host-memory backends, as sdk/numerics defines
// them (per tensor or per channel; FP8 codes or INT8): the kernel class over
// a backend's kernel base, like layout_ops.h. QUANTIZE takes the output
// tensor's parameters; DEQUANTIZE the input's.
#ifndef FP8SDK_BACKENDS_COMMON_QUANTIZE_OP_H_
#define FP8SDK_BACKENDS_COMMON_QUANTIZE_OP_H_

#include <vector>

#include "backends/common/graph_access.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace backend {

template <class Base, class Ctx>
class QuantizeKernel : public Base {
 public:
  QuantizeKernel(const GraphAccess& g, size_t node)
      : Base(g, node), quantize_(g.Op(node) == OpType::kQUANTIZE) {
    const int32_t qt = quantize_ ? g.Output(node) : g.Input(node, 0);
    q_ = g.Quant(qt);
    scales_.assign(q_.scales, q_.scales + q_.scale_count);
  }

  fp8_status_code_t Run(const Ctx& c) override {
    const Shape shape = this->OutShape(c);
    ChannelLayout l{1, 1, static_cast<size_t>(shape.NumElements())};
    if (q_.axis >= 0) {
      if (!MakeChannelLayout(shape.dims.data(), shape.rank, q_.axis, &l)) {
        return this->Fail(c, FP8_STATUS_INVALID_ARGUMENT, "quantization axis out of range");
      }
    }
    const void* src = this->in(0).Data(c);
    void* dst = this->OutData(c);
    if (q_.dtype == DType::kINT8) {
      if (quantize_) {
        QuantizeInt8PerChannel(static_cast<const float*>(src), static_cast<int8_t*>(dst), l,
                               scales_.data());
      } else {
        DequantizeInt8PerChannel(static_cast<const int8_t*>(src), static_cast<float*>(dst), l,
                                 scales_.data());
      }
    } else if (quantize_) {
      QuantizeFp8PerChannel(static_cast<const float*>(src), static_cast<uint8_t*>(dst), l,
                            scales_.data(), q_.format);
    } else {
      DequantizeFp8PerChannel(static_cast<const uint8_t*>(src), static_cast<float*>(dst), l,
                              scales_.data(), q_.format);
    }
    return FP8_STATUS_OK;
  }

 private:
  bool quantize_;
  QuantView q_;
  std::vector<float> scales_;
};

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_QUANTIZE_OP_H_
