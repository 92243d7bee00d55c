#include "backends/reference/kernel.h"

#include <cstring>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace reference {

void Scratch::Reserve(size_t operand0, size_t operand1, size_t code_bytes, size_t block_floats,
                      int threads) {
  if (operand[0].size() < operand0) operand[0].resize(operand0);
  if (operand[1].size() < operand1) operand[1].resize(operand1);
  if (codes.size() < code_bytes) codes.resize(code_bytes);
  if (blocks.size() < static_cast<size_t>(threads)) blocks.resize(static_cast<size_t>(threads));
  for (auto& b : blocks) {
    if (b.size() < block_floats) b.resize(block_floats);
  }
}

std::vector<float> DecodeConstant(const backend::GraphAccess& g, int32_t tensor,
                                  bool apply_scales) {
  size_t bytes = 0;
  const void* data = g.ConstData(tensor, &bytes);
  const DType dt = g.TensorDType(tensor);
  const Shape shape = g.PlanShape(tensor);
  const size_t n = static_cast<size_t>(shape.NumElements());
  std::vector<float> out(n);
  switch (dt) {
    case DType::kF32:
      std::memcpy(out.data(), data, n * sizeof(float));
      return out;
    case DType::kF16:
    case DType::kBF16: {
      const uint16_t* h = static_cast<const uint16_t*>(data);
      for (size_t i = 0; i < n; ++i)
        out[i] = dt == DType::kF16 ? F16ToFloat(h[i]) : Bf16ToFloat(h[i]);
      return out;
    }
    default:
      break;
  }
  const backend::QuantView q = g.Quant(tensor);
  std::vector<float> ones;
  ChannelLayout layout{1, 1, n};
  const float* scales = q.scales;
  if (q.axis >= 0) {
    std::vector<int64_t> dims(shape.dims.begin(), shape.dims.begin() + shape.rank);
    MakeChannelLayout(dims, q.axis, &layout);
  }
  if (!apply_scales) {
    ones.assign(layout.channels, 1.0f);
    scales = ones.data();
  }
  if (dt == DType::kINT8) {
    DequantizeInt8PerChannel(static_cast<const int8_t*>(data), out.data(), layout, scales);
  } else {
    DequantizeFp8PerChannel(static_cast<const uint8_t*>(data), out.data(), layout, scales,
                            q.format);
  }
  return out;
}

std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, int threads,
                                   fp8_error_t* err) {
  switch (g.Op(node)) {
    case OpType::kADD:
    case OpType::kMUL:
    case OpType::kGELU:
    case OpType::kTANH:
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE:
      return MakeElementwiseKernel(g, node);
    case OpType::kLINEAR:
    case OpType::kBATCH_MATMUL:
      return MakeMatMulKernel(g, node, threads, err);
    case OpType::kLAYER_NORM:
    case OpType::kSOFTMAX:
      return MakeNormKernel(g, node);
    case OpType::kGATHER:
    case OpType::kRESHAPE:
    case OpType::kTRANSPOSE:
    case OpType::kSPLIT_HEADS:
    case OpType::kMERGE_HEADS:
    case OpType::kSLICE:
      return MakeLayoutKernel(g, node);
  }
  backend::Fail(err, FP8_STATUS_UNSUPPORTED, "%s: no reference kernel", g.NodeLabel(node).c_str());
  return nullptr;
}

}  // namespace reference
}  // namespace fp8sdk
