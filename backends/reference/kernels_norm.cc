// LAYER_NORM and SOFTMAX, row by row over the last axis.
//   LAYER_NORM: mean = sum(x) / C; var = sum((x - mean)^2) / C (fp32, in order)
//               y = (x - mean) * (1 / sqrt(var + eps)) * gamma + beta
//   SOFTMAX:    z = x * scale (+ additive mask, or -inf where a key-padding
//               mask is 0); y = exp(z - max z) / sum; a row with every key
//               masked gives zeros.
#include <cmath>
#include <cstring>
#include <limits>

#include "backends/reference/broadcast.h"
#include "backends/reference/kernel.h"

namespace fp8sdk {
namespace reference {
namespace {

class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node), eps_(g.AttrFloat(node, FP8_ATTR_EPSILON)) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* x = static_cast<const float*>(in(0).Data(c));
    const float* gamma = static_cast<const float*>(in(1).Data(c));
    const float* beta = in(2).present() ? static_cast<const float*>(in(2).Data(c)) : nullptr;
    float* y = static_cast<float*>(OutData(c));
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1], rows = s.NumElements() / C;
    const float eps = eps_;
    c.pool->ParallelFor(rows, std::max<int64_t>(1, 8192 / C), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * C;
        float* yr = y + r * C;
        float sum = 0.0f;
        for (int64_t i = 0; i < C; ++i) sum += xr[i];
        const float mean = sum / static_cast<float>(C);
        float sq = 0.0f;
        for (int64_t i = 0; i < C; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
        const float inv = 1.0f / std::sqrt(sq / static_cast<float>(C) + eps);
        for (int64_t i = 0; i < C; ++i) {
          yr[i] = (xr[i] - mean) * inv * gamma[i] + (beta ? beta[i] : 0.0f);
        }
      }
    });
    return FP8_STATUS_OK;
  }

 private:
  float eps_;
};

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node),
        scale_(g.AttrFloat(node, FP8_ATTR_SOFTMAX_SCALE)),
        mode_(static_cast<fp8_mask_mode_t>(g.AttrInt(node, FP8_ATTR_MASK_MODE))) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* x = static_cast<const float*>(in(0).Data(c));
    float* y = static_cast<float*>(OutData(c));
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1], rows = s.NumElements() / C;
    const void* mask = mode_ != FP8_MASK_NONE ? in(1).Data(c) : nullptr;
    const DType mask_dtype = mode_ != FP8_MASK_NONE ? in(1).dtype : DType::kF32;
    const int64_t rows_per_batch = s[0] > 0 ? rows / s[0] : 1;
    const BroadcastIndexer additive(mode_ == FP8_MASK_ADDITIVE ? in(1).GetShape(c) : s, s);
    const float scale = scale_;
    const fp8_mask_mode_t mode = mode_;
    c.pool->ParallelFor(rows, std::max<int64_t>(1, 8192 / C), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* xr = x + r * C;
        float* yr = y + r * C;
        const int64_t batch = r / rows_per_batch;
        float mx = -std::numeric_limits<float>::infinity();
        for (int64_t i = 0; i < C; ++i) {
          float z = xr[i] * scale;
          if (mode == FP8_MASK_ADDITIVE) {
            z += static_cast<const float*>(mask)[additive.Map(r * C + i)];
          } else if (mode == FP8_MASK_KEY_PADDING &&
                     !backend::MaskKeep(mask, mask_dtype, batch * C + i)) {
            z = -std::numeric_limits<float>::infinity();
          }
          yr[i] = z;
          mx = std::max(mx, z);
        }
        if (mx == -std::numeric_limits<float>::infinity()) {
          std::memset(yr, 0, static_cast<size_t>(C) * sizeof(float));
          continue;
        }
        float sum = 0.0f;
        for (int64_t i = 0; i < C; ++i) sum += (yr[i] = std::exp(yr[i] - mx));
        const float inv = 1.0f / sum;
        for (int64_t i = 0; i < C; ++i) yr[i] *= inv;
      }
    });
    return FP8_STATUS_OK;
  }

 private:
  float scale_;
  fp8_mask_mode_t mode_;
};

}  // namespace

std::unique_ptr<Kernel> MakeNormKernel(const backend::GraphAccess& g, size_t node) {
  if (g.Op(node) == OpType::kLAYER_NORM) return std::make_unique<LayerNormKernel>(g, node);
  return std::make_unique<SoftmaxKernel>(g, node);
}

}  // namespace reference
}  // namespace fp8sdk
