// The FP8 GEMM's kNeonFma product (see fp8_gemm.h): fp8_gemm_avx2.cc's
// scheme on AArch64's Advanced SIMD, which every 64-bit ARM CPU has (with
// the f16 -> f32 conversion), so no ISA flags and no CPU check.
//
// Decode: 8 codes, sign-extended to 16 bits, become 8 f16 values that fcvtl
// widens to f32 exactly (subnormals included). E5M2 is f16's high byte. An
// E4M3 magnitude shifted to bits 7..13 is an f16 with exponent bias 15
// instead of 7, i.e. the value / 256: each product x * (w / 256) is exactly
// x * w / 256 and every partial sum exactly the reference's / 256, so the
// sums times 256 at the store are the reference's bit for bit (FMAs in k
// order: an exact product plus one rounding, as the reference's multiply then
// add; -ffp-contract=off keeps the store's multiply and add apart). E4M3's
// NaN codes (S.1111.111) would decode as 480 / 256; weights that contain one
// take a variant that maps them to an f16 NaN.
#if defined(__aarch64__)  // empty on other architectures
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "backends/onednn/fp8_gemm.h"
#include "backends/onednn/fp8_gemm_parallel.h"

namespace fp8sdk {
namespace onednn {
namespace {

constexpr int64_t kSub = 16;                 // columns per sub-panel (4 q registers)
constexpr int64_t kSubs = kFp8Panel / kSub;  // sub-panels per panel
// 6 x 16 register tile: 24 accumulators, 4 weights, 1 broadcast of 32 q.
constexpr int64_t kRows = 6;
// K per block: one sub-panel's block in f32 is 16 KiB (L1).
constexpr int64_t kBlockK = 256;
// Rows of x per work item: their f32 block (192 KiB) stays in L2.
constexpr int64_t kBlockRows = 192;

using Codes = FmaCodes;

// 8 codes -> 8 f16 bit patterns (see the file comment).
template <Codes C>
inline int16x8_t Halves(int8x8_t codes) {
  const int16x8_t c = vmovl_s8(codes);
  if (C == Codes::kE5M2) return vshlq_n_s16(c, 8);
  // Sign-extended: << 7 puts the sign in bits 14 and 15 and the magnitude in
  // 7..13; clearing bit 14 leaves sign, exponent, mantissa.
  int16x8_t h = vandq_s16(vshlq_n_s16(c, 7), vdupq_n_s16(static_cast<int16_t>(0xBF80)));
  if (C == Codes::kE4M3Nan) {
    const int16x8_t m7f = vdupq_n_s16(0x7F);
    const int16x8_t nan = vreinterpretq_s16_u16(vceqq_s16(vandq_s16(c, m7f), m7f));
    h = vorrq_s16(h, vandq_s16(nan, vdupq_n_s16(0x7E00)));
  }
  return h;
}

// 16 codes -> 16 floats in four vectors.
template <Codes C>
inline void Decode16(const uint8_t* p, float32x4_t out[4]) {
  const int8x16_t codes = vreinterpretq_s8_u8(vld1q_u8(p));
  const int16x8_t h0 = Halves<C>(vget_low_s8(codes)), h1 = Halves<C>(vget_high_s8(codes));
  out[0] = vcvt_f32_f16(vreinterpret_f16_s16(vget_low_s16(h0)));
  out[1] = vcvt_high_f32_f16(vreinterpretq_f16_s16(h0));
  out[2] = vcvt_f32_f16(vreinterpret_f16_s16(vget_low_s16(h1)));
  out[3] = vcvt_high_f32_f16(vreinterpretq_f16_s16(h1));
}

// y = (acc * unscale) * scale + bias: the sum undone from the decode's
// factor (exact), then the reference's two roundings.
inline float32x4_t Scaled(float32x4_t acc, float unscale, const float* scale, const float* bias) {
  const float32x4_t sum = vmulq_n_f32(acc, unscale);
  return vaddq_f32(vmulq_f32(sum, vld1q_f32(scale)), vld1q_f32(bias));
}

// The 16 columns of a sub-panel's output row: in place when all are there,
// else through a copy of the first `cols` (no masked loads and stores here).
struct RowView {
  float* y;
  int64_t cols;
  float tmp[kSub] = {};
  float* Begin(bool load) {
    if (cols == kSub) return y;
    if (load) std::memcpy(tmp, y, static_cast<size_t>(cols) * 4);
    return tmp;
  }
  void End() {
    if (cols != kSub) std::memcpy(y, tmp, static_cast<size_t>(cols) * 4);
  }
};

// R rows x 16 columns over nk K of a decoded sub-panel block b (k-major,
// 16 floats per k), FMAs in k order. xf: the rows' f32 x, ldx apart. The
// first K block starts from zero, later ones from the partial sums left in
// y; the last applies unscale, scale and bias.
template <int R>
void Tile(const float* xf, int64_t ldx, const float* b, int64_t nk, float unscale,
          const float* scale, const float* bias, float* y, int64_t ldy, int64_t cols, bool first,
          bool last) {
  float32x4_t acc[R][4];
  RowView rows[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    rows[r].y = y + r * ldy;
    rows[r].cols = cols;
    const float* yr = rows[r].Begin(!first);
    for (int q = 0; q < 4; ++q) acc[r][q] = first ? vdupq_n_f32(0.0f) : vld1q_f32(yr + 4 * q);
  }
  for (int64_t k = 0; k < nk; ++k) {
    const float* bk = b + kSub * k;
    const float32x4_t b0 = vld1q_f32(bk), b1 = vld1q_f32(bk + 4), b2 = vld1q_f32(bk + 8),
                      b3 = vld1q_f32(bk + 12);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const float32x4_t a = vdupq_n_f32(xf[r * ldx + k]);
      acc[r][0] = vfmaq_f32(acc[r][0], a, b0);
      acc[r][1] = vfmaq_f32(acc[r][1], a, b1);
      acc[r][2] = vfmaq_f32(acc[r][2], a, b2);
      acc[r][3] = vfmaq_f32(acc[r][3], a, b3);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* yr = rows[r].Begin(false);
    for (int q = 0; q < 4; ++q) {
      vst1q_f32(yr + 4 * q,
                last ? Scaled(acc[r][q], unscale, scale + 4 * q, bias + 4 * q) : acc[r][q]);
    }
    rows[r].End();
  }
}

using TileFn = void (*)(const float*, int64_t, const float*, int64_t, float, const float*,
                        const float*, float*, int64_t, int64_t, bool, bool);
constexpr TileFn kTiles[kRows + 1] = {nullptr, Tile<1>, Tile<2>, Tile<3>,
                                      Tile<4>, Tile<5>, Tile<6>};

// One row (xf) against one packed panel, decoding in registers: the four
// sub-panels' sixteen column chains, each summing in k order.
template <Codes C>
void GemvPanel(const float* xf, const uint8_t* panel, int64_t kp, float unscale, const float* scale,
               const float* bias, float* y, int64_t cols) {
  float32x4_t acc[kSubs][4];
  for (auto& a : acc) a[0] = a[1] = a[2] = a[3] = vdupq_n_f32(0.0f);
  for (int64_t k = 0; k < kp; ++k) {
    const float32x4_t a = vdupq_n_f32(xf[k]);
#pragma GCC unroll 4
    for (int64_t s = 0; s < kSubs; ++s) {
      float32x4_t w[4];
      Decode16<C>(panel + (s * kp + k) * kSub, w);
      for (int q = 0; q < 4; ++q) acc[s][q] = vfmaq_f32(acc[s][q], a, w[q]);
    }
  }
  for (int64_t s = 0; s < kSubs && s * kSub < cols; ++s) {
    const int64_t j = s * kSub;
    RowView row{y + j, std::min(kSub, cols - j), {}};
    float* yr = row.Begin(false);
    for (int q = 0; q < 4; ++q) {
      vst1q_f32(yr + 4 * q, Scaled(acc[s][q], unscale, scale + j + 4 * q, bias + j + 4 * q));
    }
    row.End();
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
      float32x4_t w[4];
      Decode16<C>(src + k * kSub, w);
      for (int q = 0; q < 4; ++q) vst1q_f32(d + k * kSub + 4 * q, w[q]);
    }
  }
}

}  // namespace

size_t Fp8GemmNeonScratchPerThread(const Fp8PackedWeight&) { return FmaScratchPerThread(kBlockK); }

void Fp8GemmNeon(const float* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
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

#endif  // defined(__aarch64__)
