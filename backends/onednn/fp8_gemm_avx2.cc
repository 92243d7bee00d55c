// The FP8 GEMM's kAvx2Fma product (see fp8_gemm.h). Built with -mavx2 -mfma
// -mf16c; nothing here runs unless Fp8GemmPathRuns(kAvx2Fma, format).
//
// Decode: 16 codes, sign-extended to 16 bits, become 16 f16 values that
// vcvtph2ps widens to f32 exactly (subnormals included). E5M2 is f16's high
// byte. An E4M3 magnitude shifted to bits 7..13 is an f16 with exponent bias
// 15 instead of 7, i.e. the value / 256: each product x * (w / 256) is
// exactly x * w / 256 and every partial sum exactly the reference's / 256
// (a power of two; FP8 products and their sums stay far from f32's
// subnormals and overflow), so the sums times 256 at the store are the
// reference's bit for bit. E4M3's NaN codes (S.1111.111) would decode
// as 480 / 256; weights that contain one take a variant that maps them to
// an f16 NaN.
#if defined(__x86_64__)  // empty on other architectures (the BUILD drops the -m flags there)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "backends/onednn/fp8_gemm.h"
#include "backends/onednn/fp8_gemm_parallel.h"

namespace fp8sdk {
namespace onednn {
namespace {

constexpr int64_t kSub = 16;                 // columns per sub-panel (2 ymm)
constexpr int64_t kSubs = kFp8Panel / kSub;  // sub-panels per panel
// 6 x 16 register tile: 12 accumulators, 2 weights, 1 broadcast of 16 ymm.
constexpr int64_t kRows = 6;
// K per block: one sub-panel's block in f32 is 16 KiB (L1).
constexpr int64_t kBlockK = 256;
// Rows of x per work item: their f32 block (192 KiB) stays in L2.
constexpr int64_t kBlockRows = 192;

using Codes = FmaCodes;

// 16 codes -> 16 f16 bit patterns (see the file comment).
template <Codes C>
inline __m256i Halves(const uint8_t* p) {
  const __m256i c = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  if (C == Codes::kE5M2) return _mm256_slli_epi16(c, 8);
  // Sign-extended: << 7 puts the sign in bits 14 and 15 and the magnitude in
  // 7..13; clearing bit 14 leaves sign, exponent, mantissa.
  __m256i h =
      _mm256_and_si256(_mm256_slli_epi16(c, 7), _mm256_set1_epi16(static_cast<short>(0xBF80)));
  if (C == Codes::kE4M3Nan) {
    const __m256i m7f = _mm256_set1_epi16(0x7F);
    const __m256i nan = _mm256_cmpeq_epi16(_mm256_and_si256(c, m7f), m7f);
    h = _mm256_or_si256(h, _mm256_and_si256(nan, _mm256_set1_epi16(0x7E00)));
  }
  return h;
}

template <Codes C>
inline void Decode16(const uint8_t* p, __m256* lo, __m256* hi) {
  const __m256i h = Halves<C>(p);
  *lo = _mm256_cvtph_ps(_mm256_castsi256_si128(h));
  *hi = _mm256_cvtph_ps(_mm256_extracti128_si256(h, 1));
}

// Lanes [0, cols) of a 16-column sub-panel: masks of its two halves.
inline void ColumnMasks(int64_t cols, __m256i* m0, __m256i* m1) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i c = _mm256_set1_epi32(static_cast<int>(cols));
  *m0 = _mm256_cmpgt_epi32(c, lane);
  *m1 = _mm256_cmpgt_epi32(c, _mm256_add_epi32(lane, _mm256_set1_epi32(8)));
}

// y = (acc * unscale) * scale + bias: the sum undone from the decode's
// factor (exact), then the reference's two roundings.
inline __m256 Scaled(__m256 acc, float unscale, const float* scale, const float* bias) {
  const __m256 sum = _mm256_mul_ps(acc, _mm256_set1_ps(unscale));
  return _mm256_add_ps(_mm256_mul_ps(sum, _mm256_loadu_ps(scale)), _mm256_loadu_ps(bias));
}

// R rows x 16 columns over nk K of a decoded sub-panel block b (k-major,
// 16 floats per k), FMAs in k order. xf: the rows' f32 x, ldx apart. The
// first K block starts from zero, later ones from the partial sums left in
// y; the last applies unscale, scale and bias.
template <int R>
void Tile(const float* xf, int64_t ldx, const float* b, int64_t nk, float unscale,
          const float* scale, const float* bias, float* y, int64_t ldy, int64_t cols, bool first,
          bool last) {
  __m256i m0, m1;
  ColumnMasks(cols, &m0, &m1);
  __m256 acc[R][2];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    if (first) {
      acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    } else {
      acc[r][0] = _mm256_maskload_ps(y + r * ldy, m0);
      acc[r][1] = _mm256_maskload_ps(y + r * ldy + 8, m1);
    }
  }
  for (int64_t k = 0; k < nk; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + kSub * k), b1 = _mm256_loadu_ps(b + kSub * k + 8);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 a = _mm256_broadcast_ss(xf + r * ldx + k);
      acc[r][0] = _mm256_fmadd_ps(a, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(a, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* yr = y + r * ldy;
    if (last) {
      _mm256_maskstore_ps(yr, m0, Scaled(acc[r][0], unscale, scale, bias));
      _mm256_maskstore_ps(yr + 8, m1, Scaled(acc[r][1], unscale, scale + 8, bias + 8));
    } else {
      _mm256_maskstore_ps(yr, m0, acc[r][0]);
      _mm256_maskstore_ps(yr + 8, m1, acc[r][1]);
    }
  }
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, float, const float*,
                        const float*, float*, int64_t, int64_t, bool, bool);
constexpr TileFn kTiles[kRows + 1] = {nullptr, Tile<1>, Tile<2>, Tile<3>,
                                      Tile<4>, Tile<5>, Tile<6>};

// One row (xf) against one packed panel, decoding in registers: the four
// sub-panels' eight column chains, each summing in k order, interleaved to
// hide the FMA latency.
template <Codes C>
void GemvPanel(const float* xf, const uint8_t* panel, int64_t kp, float unscale, const float* scale,
               const float* bias, float* y, int64_t cols) {
  __m256 acc[kSubs][2];
  for (auto& a : acc) a[0] = a[1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kp; ++k) {
    const __m256 a = _mm256_broadcast_ss(xf + k);
#pragma GCC unroll 4
    for (int64_t s = 0; s < kSubs; ++s) {
      __m256 lo, hi;
      Decode16<C>(panel + (s * kp + k) * kSub, &lo, &hi);
      acc[s][0] = _mm256_fmadd_ps(a, lo, acc[s][0]);
      acc[s][1] = _mm256_fmadd_ps(a, hi, acc[s][1]);
    }
  }
  for (int64_t s = 0; s < kSubs && s * kSub < cols; ++s) {
    __m256i m0, m1;
    ColumnMasks(cols - s * kSub, &m0, &m1);
    const int64_t j = s * kSub;
    _mm256_maskstore_ps(y + j, m0, Scaled(acc[s][0], unscale, scale + j, bias + j));
    _mm256_maskstore_ps(y + j + 8, m1, Scaled(acc[s][1], unscale, scale + j + 8, bias + j + 8));
  }
}

// Sub-panels [0, subs) of a panel, K in [k0, k0 + nk), decoded to f32 into
// dst: sub-panel s, k, column j at dst[(s * nk + k - k0) * 16 + j].
template <Codes C>
void DecodeBlock(const uint8_t* panel, int64_t kp, int64_t k0, int64_t nk, int64_t subs,
                 float* dst) {
  for (int64_t s = 0; s < subs; ++s) {
    const uint8_t* src = panel + (s * kp + k0) * kSub;
    float* d = dst + s * nk * kSub;
    for (int64_t k = 0; k < nk; ++k) {
      __m256 lo, hi;
      Decode16<C>(src + k * kSub, &lo, &hi);
      _mm256_storeu_ps(d + k * kSub, lo);
      _mm256_storeu_ps(d + k * kSub + 8, hi);
    }
  }
}

}  // namespace

size_t Fp8GemmAvx2ScratchPerThread(const Fp8PackedWeight&) { return FmaScratchPerThread(kBlockK); }

void Fp8GemmAvx2(const float* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
                 const float* bias, float* y, uint16_t* scratch, int threads,
                 const Fp8GemmPrologue& prologue) {
  WithFmaCodes(w, [&](auto codes) {
    constexpr Codes C = decltype(codes)::value;
    RunSubPanels<kSub, kRows, kBlockK, kBlockRows>(x, rows, w, scale, bias, y, scratch, threads,
                                                   prologue, FmaUnscale(C), GemvPanel<C>,
                                                   DecodeBlock<C>, kTiles);
  });
}

}  // namespace onednn
}  // namespace fp8sdk

#endif  // defined(__x86_64__)
