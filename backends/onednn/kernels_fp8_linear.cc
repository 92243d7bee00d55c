// LINEAR with an FP8 weight and FP8-quantized activations on our own
// GEMM (fp8_gemm.h; AVX-512, AVX2 or NEON) instead of oneDNN: oneDNN 2.6 has no FP8, and
// decoding the weight to bf16 for its matmul doubles the weight's memory and
// ran at 0.52-0.86x of oneDNN's bf16 matmul on reordered weights.
// Numerics as in kernels_matmul.cc (LinearKernel): x_q exact in bf16, exact
// products, f32 sums (in the reference's k order on the f32, AVX2 and NEON paths,
// in pairs on the bf16 one), then y = acc * (s_x * s_w[n]) + b[n].
//
// FP8SDK_ONEDNN_FP8_GEMM (read at prepare): 0 keeps the oneDNN path, to
// compare the two; bf16, f32, avx2 or neon picks the GEMM's product
// (PreferredFp8GemmPath), resolved here at prepare.
#if defined(__x86_64__)
#include <emmintrin.h>
#endif
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/onednn/fp8_gemm.h"
#include "backends/onednn/kernel.h"
#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace onednn {

namespace {

// f32 of n bf16 values (exact: the bits << 16), eight at a time with SSE2
// (every x86-64 CPU; this file has no ISA flags): each 16-bit word becomes the
// high half of a 32-bit lane. Elsewhere a loop the compiler vectorizes.
void WidenBf16(const uint16_t* src, int64_t n, float* dst) {
  int64_t i = 0;
#if defined(__x86_64__)
  const __m128i zero = _mm_setzero_si128();
  for (; i + 8 <= n; i += 8) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm_unpacklo_epi16(zero, v));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 4), _mm_unpackhi_epi16(zero, v));
  }
#endif
  for (; i < n; ++i) dst[i] = Bf16ToFloat(src[i]);
}

class Fp8LinearKernel : public Kernel {
 public:
  Fp8LinearKernel(const backend::GraphAccess& g, size_t node, Fp8GemmPath path) : Kernel(g, node) {
    const int32_t w = g.Input(node, 1);
    const Shape ws = g.PlanShape(w);
    const int64_t n = ws[0], k = ws[1];
    const backend::QuantView wq = g.Quant(w);
    act_ = g.ActQuant(node, 0);
    PackFp8Weight(static_cast<const uint8_t*>(g.ConstData(w)), n, k, wq.format, path, &w_);
    g.ConstDone(w);  // the packed panels are the weight from now on
    // Padded to whole panels: the store reads a whole panel's scales and biases.
    scale_.assign(static_cast<size_t>(w_.np), act_.scale);
    if (wq.quantized) {
      for (int64_t i = 0; i < n; ++i) {
        scale_[static_cast<size_t>(i)] = act_.scale * wq.scales[wq.scale_count == 1 ? 0 : i];
      }
    }
    bias_.assign(static_cast<size_t>(w_.np), 0.0f);
    const int32_t b = g.Input(node, 2);
    if (b >= 0) {
      std::memcpy(bias_.data(), g.ConstData(b), static_cast<size_t>(n) * sizeof(float));
      g.ConstDone(b);
    }
    max_m_ = g.PlanShape(g.Input(node, 0)).NumElements() / std::max<int64_t>(1, k);
    const size_t xq_count = static_cast<size_t>(max_m_ * w_.kp);
    xq_ = Fp8GemmReadsF32(w_.path) ? Reserve<float>(xq_count) : Reserve<uint16_t>(xq_count);
    // The backend sets its thread count before prepare (onednn_backend.cc).
    threads_ = std::max(1, omp_get_max_threads());
    scratch_ = Reserve<uint16_t>(static_cast<size_t>(threads_) * Fp8GemmScratchPerThread(w_));
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const int64_t k = w_.k, kp = w_.kp;
    const int64_t M = in(0).GetShape(c).NumElements() / k;
    if (M > max_m_) return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
    if (M == 0) return FP8_STATUS_OK;
    const int threads = std::min(c.threads, threads_);
    const float* x = static_cast<const float*>(in(0).Data(c));
    // x_q rows, kp apart (the GEMM reads K in fours), quantized by the GEMM's
    // threads before the product: each thread one run of rows.
    struct Quantize {
      const float* x;
      void* xq;
      int64_t rows, k, kp;
      bool f32;
      backend::ActQuantView q;
      static void Run(void* ctx, int t, int threads) {
        const Quantize& a = *static_cast<const Quantize*>(ctx);
        const int64_t per = (a.rows + threads - 1) / threads;
        const int64_t m0 = std::min(a.rows, t * per), m1 = std::min(a.rows, m0 + per);
        if (a.kp == a.k) {  // contiguous rows: one call
          a.Rows(a.x + m0 * a.k, m0 * a.k, (m1 - m0) * a.k);
          return;
        }
        for (int64_t m = m0; m < m1; ++m) {
          a.Rows(a.x + m * a.k, m * a.kp, a.k);
          a.Pad(m * a.kp + a.k, a.kp - a.k);  // +0
        }
      }
      // n values of x into xq from element `at` on: the FP8 values (exact in
      // either type) as bf16 bits, or as f32 through bf16 a block in L1 at a
      // time (fp8_convert_benchmark: quantizing to bf16 in one pass runs at
      // 1.9x the speed of quantizing to codes and decoding them).
      void Rows(const float* src, int64_t at, int64_t n) const {
        if (!f32) {
          QuantizeFp8ToBf16(src, static_cast<uint16_t*>(xq) + at, static_cast<size_t>(n), q.scale,
                            q.format);
          return;
        }
        float* dst = static_cast<float*>(xq) + at;
        constexpr int64_t kBlock = 2048;
        alignas(16) uint16_t bits[kBlock];
        for (int64_t i = 0; i < n; i += kBlock) {
          const int64_t len = std::min(kBlock, n - i);
          QuantizeFp8ToBf16(src + i, bits, static_cast<size_t>(len), q.scale, q.format);
          WidenBf16(bits, len, dst + i);
        }
      }
      void Pad(int64_t at, int64_t n) const {
        if (f32) {
          std::fill_n(static_cast<float*>(xq) + at, n, 0.0f);
        } else {
          std::fill_n(static_cast<uint16_t*>(xq) + at, n, uint16_t{0});
        }
      }
    };
    Quantize job{x, c.workspace + xq_, M, k, kp, Fp8GemmReadsF32(w_.path), act_};
    Fp8Gemm(job.xq, M, w_, scale_.data(), bias_.data(), static_cast<float*>(OutData(c)),
            At<uint16_t>(c, scratch_), threads, Fp8GemmPrologue{&Quantize::Run, &job});
    return FP8_STATUS_OK;
  }

 private:
  Fp8PackedWeight w_;
  backend::ActQuantView act_;
  int64_t max_m_ = 0;
  int threads_ = 1;
  std::vector<float> scale_, bias_;
  size_t xq_ = 0, scratch_ = 0;  // workspace offsets
};

}  // namespace

std::unique_ptr<Kernel> MakeFp8LinearKernel(const backend::GraphAccess& g, size_t node) {
  const int32_t w = g.Input(node, 1);
  const backend::ActQuantView act = g.ActQuant(node, 0);
  if (!act.enabled || !IsFp8(act.dtype) || !IsFp8(g.TensorDType(w))) return nullptr;
  // Read at every prepare (not cached), so that a benchmark can build one
  // session each way in one process.
  const char* env = std::getenv("FP8SDK_ONEDNN_FP8_GEMM");
  if (env && std::strcmp(env, "0") == 0) return nullptr;
  const Fp8GemmPath path = PreferredFp8GemmPath(g.Quant(w).format);
  if (path == Fp8GemmPath::kAuto) return nullptr;  // no product runs here: oneDNN's matmul
  return std::make_unique<Fp8LinearKernel>(g, node, path);
}

}  // namespace onednn
}  // namespace fp8sdk
