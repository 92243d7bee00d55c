// LINEAR and BATCH_MATMUL.
//
// Numerical definition (what every backend approximates, and what FP8
// backends reproduce up to summation order):
//   a quantized operand is replaced by its decoded codes:
//     x_q = decode(encode(x * (1 / s_x)))         (saturating, RNE)
//   acc = sum over k, in increasing k, of x_q[k] * w_q[k]   (fp32, no FMA)
//   y   = acc * (s_x * s_w[n]) + bias[n]          (LINEAR)
//   y   = acc * ((alpha * s_a) * s_b)              (BATCH_MATMUL)
// where an unquantized operand has s = 1 and its values as they are.
#include <algorithm>
#include <cstring>

#include "backends/reference/kernel.h"
#include "sdk/common/target_clones.h"
#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace reference {
namespace {

// 0..255, for decoding tables.
const uint8_t kAllCodes[256] = {
#define FP8_ROW(b)                                                                          \
  b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9, b + 10, b + 11, b + 12, \
      b + 13, b + 14, b + 15
    FP8_ROW(0),   FP8_ROW(16),  FP8_ROW(32),  FP8_ROW(48),  FP8_ROW(64),  FP8_ROW(80),
    FP8_ROW(96),  FP8_ROW(112), FP8_ROW(128), FP8_ROW(144), FP8_ROW(160), FP8_ROW(176),
    FP8_ROW(192), FP8_ROW(208), FP8_ROW(224), FP8_ROW(240),
#undef FP8_ROW
};

// Replaces x by the decoded codes of its quantization (see above).
void FakeQuantize(const float* x, float* out, size_t n, const backend::ActQuantView& q,
                  uint8_t* codes) {
  if (q.dtype == DType::kINT8) {
    QuantizeInt8(x, reinterpret_cast<int8_t*>(codes), n, q.scale);
    DequantizeInt8(reinterpret_cast<const int8_t*>(codes), out, n, 1.0f);
  } else {
    QuantizeFp8(x, codes, n, q.scale, q.format);
    ConvertFp8ToFloat(codes, out, n, q.format);
  }
}

constexpr int64_t kBlockN = 64;  // outputs per block: 4 zmm accumulators per row
constexpr int64_t kRows = 4;     // rows sharing one pass over a weight block (AccumulateBlock)

// Decodes rows [n0, n0 + nb) of a [N, K] weight (codes, unscaled) into
// dst[k * kBlockN + j] = w[n0 + j, k].
void DecodeWeightBlock(const void* w, DType dt, const Fp8Format& f, int64_t K, int64_t n0,
                       int64_t nb, float* dst) {
  for (int64_t j = 0; j < nb; ++j) {
    const int64_t row = (n0 + j) * K;
    switch (dt) {
      case DType::kF32: {
        const float* src = static_cast<const float*>(w) + row;
        for (int64_t k = 0; k < K; ++k) dst[k * kBlockN + j] = src[k];
        break;
      }
      case DType::kF16:
      case DType::kBF16: {
        const uint16_t* src = static_cast<const uint16_t*>(w) + row;
        for (int64_t k = 0; k < K; ++k) {
          dst[k * kBlockN + j] = dt == DType::kF16 ? F16ToFloat(src[k]) : Bf16ToFloat(src[k]);
        }
        break;
      }
      case DType::kINT8: {
        const int8_t* src = static_cast<const int8_t*>(w) + row;
        for (int64_t k = 0; k < K; ++k) dst[k * kBlockN + j] = static_cast<float>(src[k]);
        break;
      }
      default: {  // FP8: a 256-entry table per block is cheaper than per-element decode
        const uint8_t* src = static_cast<const uint8_t*>(w) + row;
        float table[256];
        ConvertFp8ToFloat(kAllCodes, table, 256, f);
        for (int64_t k = 0; k < K; ++k) dst[k * kBlockN + j] = table[src[k]];
        break;
      }
    }
  }
}

// acc[r][j] = sum over k (in increasing k) of xr[r][k] * wt[k * kBlockN + j].
// Cloned for AVX-512 / AVX2 / baseline and picked at load time: vector lanes
// are separate outputs, so every instruction set gives the same bits (no FMA:
// the build uses -ffp-contract=off).
// 16 floats; GCC lowers it to the widest vectors of each clone.
typedef float V16 __attribute__((vector_size(64), aligned(4)));

FP8SDK_CLONES_AVX512_AVX2 void AccumulateBlock(const float* const* xr, const float* __restrict wt,
                                               int64_t K, float (*out)[kBlockN]) {
  static_assert(kRows == 4 && kBlockN == 64, "the unrolling below assumes 4 x 64");
  // 16 named accumulators stay in registers (4 rows x 64 outputs).
  V16 a00 = {}, a01 = {}, a02 = {}, a03 = {}, a10 = {}, a11 = {}, a12 = {}, a13 = {};
  V16 a20 = {}, a21 = {}, a22 = {}, a23 = {}, a30 = {}, a31 = {}, a32 = {}, a33 = {};
  const float* x0 = xr[0];
  const float* x1 = xr[1];
  const float* x2 = xr[2];
  const float* x3 = xr[3];
  for (int64_t k = 0; k < K; ++k) {
    const V16* w = reinterpret_cast<const V16*>(wt + k * kBlockN);
    const V16 w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    const float v0 = x0[k], v1 = x1[k], v2 = x2[k], v3 = x3[k];
    a00 += v0 * w0;
    a01 += v0 * w1;
    a02 += v0 * w2;
    a03 += v0 * w3;
    a10 += v1 * w0;
    a11 += v1 * w1;
    a12 += v1 * w2;
    a13 += v1 * w3;
    a20 += v2 * w0;
    a21 += v2 * w1;
    a22 += v2 * w2;
    a23 += v2 * w3;
    a30 += v3 * w0;
    a31 += v3 * w1;
    a32 += v3 * w2;
    a33 += v3 * w3;
  }
  const V16 acc[4][4] = {
      {a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23}, {a30, a31, a32, a33}};
  for (int r = 0; r < kRows; ++r) {
    for (int q = 0; q < 4; ++q) {
      for (int j = 0; j < 16; ++j) out[r][q * 16 + j] = acc[r][q][j];
    }
  }
}

// The weight stays in the model (used in place); each thread decodes and
// transposes one block of 64 output channels at a time into its scratch, and
// runs every input row against it, kRows rows per pass. Each output still
// sums its products in increasing k.
class LinearKernel : public Kernel {
 public:
  LinearKernel(const backend::GraphAccess& g, size_t node, int threads) : Kernel(g, node) {
    const int32_t w = g.Input(node, 1);
    const Shape ws = g.PlanShape(w);
    n_ = ws[0];
    k_ = ws[1];
    w_ = g.ConstData(w);
    wdtype_ = g.TensorDType(w);
    const backend::QuantView wq = g.Quant(w);
    wformat_ = wq.quantized && IsFp8(wdtype_) ? wq.format : kE4M3;
    act_ = g.ActQuant(node, 0);
    const float sx = act_.enabled ? act_.scale : 1.0f;
    scale_.assign(static_cast<size_t>(n_), sx);
    if (wq.quantized) {
      for (int64_t n = 0; n < n_; ++n) {
        scale_[static_cast<size_t>(n)] = sx * wq.scales[wq.scale_count == 1 ? 0 : n];
      }
    }
    bias_.assign(static_cast<size_t>(n_), 0.0f);
    const int32_t b = g.Input(node, 2);
    if (b >= 0) std::memcpy(bias_.data(), g.ConstData(b), bias_.size() * sizeof(float));
    if (act_.enabled) max_in_ = static_cast<size_t>(g.PlanShape(g.Input(node, 0)).NumElements());
    zeros_.assign(static_cast<size_t>(k_), 0.0f);
  }

  void ReserveScratch(Scratch* s, int threads) const override {
    s->Reserve(max_in_, 0, max_in_, static_cast<size_t>(k_ * kBlockN), threads);
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* x = static_cast<const float*>(in(0).Data(c));
    const Shape xs = in(0).GetShape(c);
    const int64_t M = xs.NumElements() / k_;
    if (act_.enabled) {
      const size_t n = static_cast<size_t>(xs.NumElements());
      if (n > max_in_) return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
      float* xq = c.scratch->operand[0].data();
      FakeQuantize(x, xq, n, act_, c.scratch->codes.data());
      x = xq;
    }
    float* y = static_cast<float*>(OutData(c));
    const int64_t N = n_, K = k_;
    const int64_t blocks = (N + kBlockN - 1) / kBlockN;
    c.pool->ParallelForIndexed(blocks, 1, [&](int64_t b0, int64_t b1, int64_t chunk) {
      float* wt = c.scratch->blocks[static_cast<size_t>(chunk)].data();
      float acc[kRows][kBlockN];
      for (int64_t blk = b0; blk < b1; ++blk) {
        const int64_t n0 = blk * kBlockN, nb = std::min(kBlockN, N - n0);
        DecodeWeightBlock(w_, wdtype_, wformat_, K, n0, nb, wt);
        for (int64_t m0 = 0; m0 < M; m0 += kRows) {
          const int64_t rows = std::min(kRows, M - m0);
          // Rows past M read a zero row, so that the loop below has a fixed
          // trip count and vectorizes (their results are discarded).
          const float* xr[kRows];
          for (int64_t r = 0; r < kRows; ++r) xr[r] = r < rows ? x + (m0 + r) * K : zeros_.data();
          AccumulateBlock(xr, wt, K, acc);
          for (int64_t r = 0; r < rows; ++r) {
            float* yr = y + (m0 + r) * N + n0;
            for (int64_t j = 0; j < nb; ++j)
              yr[j] = acc[r][j] * scale_[static_cast<size_t>(n0 + j)] +
                      bias_[static_cast<size_t>(n0 + j)];
          }
        }
      }
    });
    return FP8_STATUS_OK;
  }

 private:
  int64_t n_ = 0, k_ = 0;
  const void* w_ = nullptr;
  DType wdtype_ = DType::kF32;
  Fp8Format wformat_ = kE4M3;
  std::vector<float> scale_, bias_;
  backend::ActQuantView act_;
  size_t max_in_ = 0;         // elements of the largest input (fake quantization)
  std::vector<float> zeros_;  // one zero input row
};

class BatchMatMulKernel : public Kernel {
 public:
  BatchMatMulKernel(const backend::GraphAccess& g, size_t node) : Kernel(g, node) {
    transpose_b_ = g.AttrInt(node, FP8_ATTR_TRANSPOSE_B) != 0;
    const float alpha = g.AttrFloat(node, FP8_ATTR_ALPHA);
    qa_ = g.ActQuant(node, 0);
    qb_ = g.ActQuant(node, 1);
    scale_ = (alpha * (qa_.enabled ? qa_.scale : 1.0f)) * (qb_.enabled ? qb_.scale : 1.0f);
    for (int i = 0; i < 2; ++i) {
      const backend::ActQuantView& q = i == 0 ? qa_ : qb_;
      if (!q.enabled) continue;
      max_[i] =
          static_cast<size_t>(g.PlanShape(g.Input(node, static_cast<size_t>(i))).NumElements());
    }
  }

  void ReserveScratch(Scratch* s, int threads) const override {
    s->Reserve(max_[0], max_[1], std::max(max_[0], max_[1]), 0, threads);
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* a = static_cast<const float*>(in(0).Data(c));
    const float* b = static_cast<const float*>(in(1).Data(c));
    const Shape sa = in(0).GetShape(c), sb = in(1).GetShape(c), so = OutShape(c);
    const float* ops[2] = {a, b};
    const Shape shapes[2] = {sa, sb};
    const backend::ActQuantView* qs[2] = {&qa_, &qb_};
    for (int i = 0; i < 2; ++i) {
      if (!qs[i]->enabled) continue;
      const size_t n = static_cast<size_t>(shapes[i].NumElements());
      if (n > max_[i]) return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
      float* dst = c.scratch->operand[i].data();
      FakeQuantize(ops[i], dst, n, *qs[i], c.scratch->codes.data());
      ops[i] = dst;
    }
    a = ops[0];
    b = ops[1];
    const int r = so.rank;
    const int64_t M = sa[r - 2], K = sa[r - 1], N = so[r - 1];
    const int64_t batches = so.NumElements() / (M * N);
    // Batch index -> operand batch offsets under broadcasting.
    Shape batch_out, batch_a, batch_b;
    batch_out.rank = batch_a.rank = batch_b.rank = r - 2;
    for (int i = 0; i < r - 2; ++i) {
      batch_out[i] = so[i];
      batch_a[i] = sa[i];
      batch_b[i] = sb[i];
    }
    const float scale = scale_;
    const bool tb = transpose_b_;
    c.pool->ParallelFor(batches * M, std::max<int64_t>(1, 2048 / std::max<int64_t>(1, N * K / 64)),
                        [&](int64_t r0, int64_t r1) {
                          for (int64_t row = r0; row < r1; ++row) {
                            const int64_t bi = row / M, m = row % M;
                            int64_t oa = 0, ob = 0, rem = bi, sa_stride = 1, sb_stride = 1;
                            for (int d = batch_out.rank - 1; d >= 0; --d) {
                              const int64_t idx = rem % batch_out[d];
                              rem /= batch_out[d];
                              if (batch_a[d] != 1) oa += idx * sa_stride;
                              if (batch_b[d] != 1) ob += idx * sb_stride;
                              sa_stride *= batch_a[d];
                              sb_stride *= batch_b[d];
                            }
                            const float* ar = a + (oa * M + m) * K;
                            const float* bm = b + ob * K * N;
                            float* yr = static_cast<float*>(OutData(c)) + (bi * M + m) * N;
                            for (int64_t n = 0; n < N; ++n) {
                              float acc = 0.0f;
                              if (tb) {
                                const float* br = bm + n * K;
                                for (int64_t k = 0; k < K; ++k) acc += ar[k] * br[k];
                              } else {
                                for (int64_t k = 0; k < K; ++k) acc += ar[k] * bm[k * N + n];
                              }
                              yr[n] = acc * scale;
                            }
                          }
                        });
    return FP8_STATUS_OK;
  }

 private:
  bool transpose_b_ = false;
  float scale_ = 1.0f;
  backend::ActQuantView qa_, qb_;
  size_t max_[2] = {0, 0};  // elements of each operand when fake-quantized
};

}  // namespace

std::unique_ptr<Kernel> MakeMatMulKernel(const backend::GraphAccess& g, size_t node, int threads,
                                         fp8_error_t* err) {
  if (g.Op(node) == OpType::kLINEAR) {
    const int32_t bias = g.Input(node, 2);
    if (!g.ConstData(g.Input(node, 1)) || (bias >= 0 && !g.ConstData(bias))) {
      backend::Fail(err, FP8_STATUS_UNSUPPORTED, "%s: weight and bias must be constants",
                    g.NodeLabel(node).c_str());
      return nullptr;
    }
    return std::make_unique<LinearKernel>(g, node, threads);
  }
  return std::make_unique<BatchMatMulKernel>(g, node);
}

}  // namespace reference
}  // namespace fp8sdk
