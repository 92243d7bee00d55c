// LAYER_NORM and SOFTMAX over the last axis, row by row: plain C++ with
// OpenMP across rows. oneDNN 2.6's layer_normalization and softmax
// primitives take no run-time dimensions (the row count changes every run),
// and the masking (key padding, additive, fully masked rows -> zeros) has to
// be done before the primitive anyway. Same formulas as
// backends/reference/kernels_norm.cc; LAYER_NORM keeps its summation order,
// SOFTMAX computes exp by a vectorized polynomial (within 2 ulp of std::exp)
// and sums in vector lanes (the conformance suite's 1e-5 covers both).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "backends/onednn/kernel.h"
#include "sdk/common/target_clones.h"

namespace fp8sdk {
namespace onednn {
namespace {

// exp(x) for x <= 0 (softmax after subtracting the row's maximum), 16 lanes
// in GCC vector types (one zmm, two ymm or four xmm, per target clone):
// x = n ln2 + r with |r| <= ln2 / 2 (ln2 in two parts), exp(r) by the Cephes
// expf polynomial, 2^n by building the exponent bits. Within 2 ulp of
// std::exp (max relative error 8e-8 measured on [-87, 0]); exp(x) = 0 below
// -87 (f32's normal range ends at e^-87.3), so -inf (a masked key) gives
// exactly 0. Written with vector types because the loop vectorizer leaves
// the selects of a scalar version as branches (trapping FP compares).
// Always inlined into its target clones, so the vector-argument ABI of
// -Wpsabi never applies.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float F32x16 __attribute__((vector_size(64)));
typedef int32_t I32x16 __attribute__((vector_size(64)));

// By reference and out-parameter: no vector in registers crosses a call
// boundary (GCC and clang warn of an ABI change in the baseline clone).
__attribute__((always_inline)) inline void ExpNonPositive(const F32x16& x, F32x16* out) {
  const I32x16 under = x < -87.0f;
  const F32x16 xc = under ? F32x16{} - 87.0f : x;
  // Round to nearest by truncating v - 0.5 (v <= 0).
  const I32x16 ni = __builtin_convertvector(xc * 1.44269504088896341f - 0.5f, I32x16);
  const F32x16 n = __builtin_convertvector(ni, F32x16);
  F32x16 r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  F32x16 p = F32x16{} + 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const F32x16 e = p * (r * r) + r + 1.0f;
  const F32x16 scale = reinterpret_cast<F32x16>((ni + 127) << 23);  // n in [-126, 0]
  *out = under ? F32x16{} : e * scale;
}

// y = exp(y - mx) / sum(exp(y - mx)) in place, one row (mx finite).
FP8SDK_CLONES_AVX512_AVX2 void ExpNormalizeRow(float* y, int64_t n, float mx) {
  constexpr int64_t kLanes = 16;
  F32x16 acc{};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    F32x16 v;
    std::memcpy(&v, y + i, sizeof(v));
    ExpNonPositive(v - mx, &v);
    std::memcpy(y + i, &v, sizeof(v));
    acc += v;
  }
  if (i < n) {  // the tail, in padded lanes (-inf: exp gives 0)
    F32x16 v = F32x16{} - std::numeric_limits<float>::infinity();
    std::memcpy(&v, y + i, static_cast<size_t>(n - i) * sizeof(float));
    ExpNonPositive(v - mx, &v);
    std::memcpy(y + i, &v, static_cast<size_t>(n - i) * sizeof(float));
    acc += v;
  }
  float sum = 0.0f;
  for (int l = 0; l < kLanes; ++l) sum += acc[l];
  const float inv = 1.0f / sum;
#pragma omp simd
  for (int64_t k = 0; k < n; ++k) y[k] *= inv;
}

// y = keep ? x * scale : -inf (BERT's int64 key-padding mask); returns max(y).
FP8SDK_CLONES_AVX512_AVX2 float ScaleMaskRow(const float* x, const int64_t* keep, float scale,
                                             float* y, int64_t n) {
  float mx = -std::numeric_limits<float>::infinity();
#pragma omp simd reduction(max : mx)
  for (int64_t i = 0; i < n; ++i) {
    const float z = keep[i] != 0 ? x[i] * scale : -std::numeric_limits<float>::infinity();
    y[i] = z;
    mx = std::max(mx, z);
  }
  return mx;
}

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
        mx = ScaleMaskRow(xr, static_cast<const int64_t*>(mask) + batch * C, scale, yr, C);
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
      ExpNormalizeRow(yr, C, mx);
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
