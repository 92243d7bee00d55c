#include "backends/onednn/kernel.h"

#include "backends/common/quantize_op.h"

namespace fp8sdk {
namespace onednn {

std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, dnnl::engine& eng,
                                   fp8_error_t* err) {
  if (const char* why = DeclineReason(g, node)) {
    backend::Fail(err, FP8_STATUS_UNSUPPORTED, "%s: %s", g.NodeLabel(node).c_str(), why);
    return nullptr;
  }
  switch (g.Op(node)) {
    case OpType::kLINEAR:
      return MakeLinearKernel(g, node, eng);
    case OpType::kBATCH_MATMUL:
      return MakeBatchMatMulKernel(g, node, eng);
    case OpType::kADD:
    case OpType::kMUL:
    case OpType::kGELU:
    case OpType::kTANH:
      return MakeElementwiseKernel(g, node, eng);
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
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE:
      // sdk/numerics' vectorized encoders, the same bits as the reference.
      return std::make_unique<backend::QuantizeKernel<Kernel, ExecContext>>(g, node);
    default:
      break;
  }
  backend::Fail(err, FP8_STATUS_UNSUPPORTED, "%s: no oneDNN kernel", g.NodeLabel(node).c_str());
  return nullptr;
}

}  // namespace onednn
}  // namespace fp8sdk
