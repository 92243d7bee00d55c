// LAYER_NORM and SOFTMAX over the last axis, row by row: plain C++ with
// OpenMP across rows. oneDNN 2.6's layer_normalization and softmax
// primitives take no run-time dimensions (the row count changes every run),
// and the masking (key padding, additive, fully masked rows -> zeros) has to
// be done before the primitive anyway. Same formulas and summation order as
// backends/reference/kernels_norm.cc.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "backends/onednn/kernel.h"

namespace fp8sdk {
namespace onednn {
namespace {

class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node), eps_(g.AttrFloat(node, FP8_ATTR_EPSILON)) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* x = static_cast<const float*>(in(0).Data(c));
    const float* gamma = static_cast<const float*>(in(1).Data(c));
    const float* beta =
        inputs_.size() > 2 && in(2).present() ? static_cast<const float*>(in(2).Data(c)) : nullptr;
    float* y = static_cast<float*>(OutData(c));
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1];
    if (C == 0) return FP8_STATUS_OK;
    const int64_t rows = s.NumElements() / C;
    const float eps = eps_;
#pragma omp parallel for num_threads(c.threads) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      // Vector reductions: a different summation order than the reference's
      // sequential one (within the conformance tolerance), several times faster.
      float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
      for (int64_t i = 0; i < C; ++i) sum += xr[i];
      const float mean = sum / static_cast<float>(C);
      float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
      for (int64_t i = 0; i < C; ++i) sq += (xr[i] - mean) * (xr[i] - mean);
      const float inv = 1.0f / std::sqrt(sq / static_cast<float>(C) + eps);
      if (beta) {
#pragma omp simd
        for (int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
      } else {
#pragma omp simd
        for (int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + 0.0f;
      }
    }
    return FP8_STATUS_OK;
  }

 private:
  float eps_;
};

// Flat index of the additive mask element broadcast to output index i.
int64_t MapBroadcast(const Shape& in, const Shape& out, int64_t i) {
  int64_t r = 0, stride = 1;
  for (int d = out.rank - 1; d >= 0; --d) {
    const int ii = in.rank - out.rank + d;
    const int64_t dim = ii >= 0 ? in[ii] : 1;
    const int64_t idx = i % out[d];
    i /= out[d];
    if (dim != 1) r += idx * stride;
    stride *= dim;
  }
  return r;
}

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
    const int64_t C = s[s.rank - 1];
    if (C == 0 || s.NumElements() == 0) return FP8_STATUS_OK;
    const int64_t rows = s.NumElements() / C;
    const fp8_mask_mode_t mode = mode_;
    const void* mask = mode != FP8_MASK_NONE ? in(1).Data(c) : nullptr;
    const DType mask_dtype = mode != FP8_MASK_NONE ? in(1).dtype : DType::kF32;
    const Shape mask_shape = mode == FP8_MASK_ADDITIVE ? in(1).GetShape(c) : s;
    const bool mask_full = mask_shape == s;
    const int64_t rows_per_batch = s[0] > 0 ? rows / s[0] : 1;
    const float scale = scale_;
    constexpr float kNegInf = -std::numeric_limits<float>::infinity();
#pragma omp parallel for num_threads(c.threads) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      const int64_t batch = r / rows_per_batch;
      float mx = kNegInf;
      if (mode == FP8_MASK_KEY_PADDING && mask_dtype == DType::kINT64) {
        // The common case (BERT's int64 attention_mask), vectorized.
        const int64_t* keep = static_cast<const int64_t*>(mask) + batch * C;
#pragma omp simd reduction(max : mx)
        for (int64_t i = 0; i < C; ++i) {
          const float z = keep[i] != 0 ? xr[i] * scale : kNegInf;
          yr[i] = z;
          mx = std::max(mx, z);
        }
      } else {
        for (int64_t i = 0; i < C; ++i) {
          float z = xr[i] * scale;
          if (mode == FP8_MASK_ADDITIVE) {
            const int64_t flat = r * C + i;
            z += static_cast<const float*>(
                mask)[mask_full ? flat : MapBroadcast(mask_shape, s, flat)];
          } else if (mode == FP8_MASK_KEY_PADDING &&
                     !backend::MaskKeep(mask, mask_dtype, batch * C + i)) {
            z = kNegInf;
          }
          yr[i] = z;
          mx = std::max(mx, z);
        }
      }
      if (mx == kNegInf) {  // every key masked: zeros, not NaN
        std::memset(yr, 0, static_cast<size_t>(C) * sizeof(float));
        continue;
      }
      float sum = 0.0f;
      for (int64_t i = 0; i < C; ++i) sum += (yr[i] = std::exp(yr[i] - mx));
      const float inv = 1.0f / sum;
#pragma omp simd
      for (int64_t i = 0; i < C; ++i) yr[i] *= inv;
    }
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

}  // namespace onednn
}  // namespace fp8sdk
