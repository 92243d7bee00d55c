// ADD, MUL (numpy broadcasting), GELU, TANH, QUANTIZE, DEQUANTIZE.
#include <cmath>

#include "backends/reference/broadcast.h"
#include "backends/common/quantize_op.h"
#include "backends/reference/kernel.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace reference {
namespace {

constexpr int64_t kGrain = 16384;

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node), mul_(g.Op(node) == OpType::kMUL) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* a = static_cast<const float*>(in(0).Data(c));
    const float* b = static_cast<const float*>(in(1).Data(c));
    float* y = static_cast<float*>(OutData(c));
    const Shape out = OutShape(c);
    const Shape sa = in(0).GetShape(c), sb = in(1).GetShape(c);
    const BroadcastIndexer ia(sa, out), ib(sb, out);
    const bool mul = mul_;
    c.pool->ParallelFor(out.NumElements(), kGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float x = a[ia.Map(i)], z = b[ib.Map(i)];
        y[i] = mul ? x * z : x + z;
      }
    });
    return FP8_STATUS_OK;
  }

 private:
  bool mul_;
};

class UnaryKernel : public Kernel {
 public:
  UnaryKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node),
        op_(g.Op(node)),
        tanh_gelu_(op_ == OpType::kGELU && g.AttrInt(node, FP8_ATTR_GELU_APPROX) == FP8_GELU_TANH) {
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* x = static_cast<const float*>(in(0).Data(c));
    float* y = static_cast<float*>(OutData(c));
    const int64_t n = OutShape(c).NumElements();
    if (op_ == OpType::kTANH) {
      c.pool->ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) y[i] = std::tanh(x[i]);
      });
    } else if (tanh_gelu_) {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const float k0 = 0.7978845608028654f, k1 = 0.044715f;
      c.pool->ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const float v = x[i];
          y[i] = 0.5f * v * (1.0f + std::tanh(k0 * (v + k1 * v * v * v)));
        }
      });
    } else {
      // 0.5 x (1 + erf(x / sqrt(2)))
      const float inv_sqrt2 = 0.7071067811865476f;
      c.pool->ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const float v = x[i];
          y[i] = 0.5f * v * (1.0f + std::erf(v * inv_sqrt2));
        }
      });
    }
    return FP8_STATUS_OK;
  }

 private:
  OpType op_;
  bool tanh_gelu_;
};

}  // namespace

std::unique_ptr<Kernel> MakeElementwiseKernel(const backend::GraphAccess& g, size_t node) {
  switch (g.Op(node)) {
    case OpType::kADD:
    case OpType::kMUL:
      return std::make_unique<BinaryKernel>(g, node);
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE:
      return std::make_unique<backend::QuantizeKernel<Kernel, ExecContext>>(g, node);
    default:
      return std::make_unique<UnaryKernel>(g, node);
  }
}

}  // namespace reference
}  // namespace fp8sdk
