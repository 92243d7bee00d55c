// The FP8 GEMM's AVX-512 products, kBf16Dot and kF32Fma (see fp8_gemm.h).
// Built with -mavx512f -mavx512bw -mavx512vl -mavx512vbmi; nothing here runs
// unless Fp8GemmPathRuns(kF32Fma, format). The functions that use
// AVX512_BF16 carry it as a target attribute (FP8_BF16) and run only for
// kBf16Dot weights (Fp8GemmPathRuns(kBf16Dot, format)).
#if defined(__x86_64__)  // empty on other architectures (the BUILD drops the -m flags there)
#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "backends/onednn/fp8_gemm.h"
#include "backends/onednn/fp8_gemm_parallel.h"
#include "sdk/numerics/fp8_convert.h"

namespace fp8sdk {
namespace onednn {
namespace {

constexpr int kGroups = kFp8Panel / 16;  // zmm accumulators per tile row
// Rows of the register tile: kRows * kGroups accumulators + kGroups weights
// + 1 broadcast within the 32 zmm registers. 6 x 64 ran ~10% faster than
// 8 x 48 at M = 128 (fewer broadcasts per vdpbf16ps).
constexpr int64_t kRows = kGroups == 3 ? 8 : 6;
constexpr int64_t kPairBytes = 2 * kFp8Panel;     // one K pair of a panel, in codes
constexpr int64_t kCoupleBytes = 2 * kPairBytes;  // two K pairs: kGroups x 64 bytes
// K pairs per block (96 KiB of decoded panel, in L2). Measured at M = 128,
// BERT shapes: on an Intel Xeon 128 to 384 pairs within noise (+-10%), 64
// slower; on AMD Zen 5 (interleaved runs) 384 and 768 at or ahead of 192, 96
// and 128 behind it by 5-10% (each block stores and reloads the tile's
// partial sums).
constexpr int64_t kBlockPairs = 384;
// The f32 product's K block (Intel cores; 96 to 384 measured alike there):
// 96 KiB decoded.
constexpr int64_t kBlockK = 384;

inline float* AsFloats(uint16_t* p) { return reinterpret_cast<float*>(p); }

// Rows of x per work item (a panel is decoded once per item): their part of
// x in one K block (288 KiB in bf16 and in f32) and their partial sums
// (48 KiB) stay in L2.
// Measured: 1024 rows (all of M) ran at half speed at M = 1024.
constexpr int64_t kBlockRows = 192;

#define FP8_BF16 __attribute__((target("avx512bf16")))

FP8_BF16 inline __m512bh AsBh(__m512i v) { return reinterpret_cast<__m512bh&>(v); }

FP8_BF16 inline __m512bh BroadcastPair(const uint16_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return AsBh(_mm512_set1_epi32(v));
}

inline __mmask16 ColumnMask(int cols, int q) {
  const int c = std::min(16, std::max(0, cols - 16 * q));
  return static_cast<__mmask16>((1u << c) - 1u);
}

// y = acc * scale + bias (multiply, then add: the reference's roundings).
inline void StoreScaled(__m512 acc, const float* scale, const float* bias, float* y, __mmask16 m) {
  const __m512 v = _mm512_add_ps(_mm512_mul_ps(acc, _mm512_loadu_ps(scale)), _mm512_loadu_ps(bias));
  _mm512_mask_storeu_ps(y, m, v);
}

// A tile's accumulators: zero for the first K block, else the partial sums
// left in y; and their store: y = acc * scale + bias after the last block,
// else the partial sums.
template <int R>
inline void LoadTile(__m512 (&acc)[R][kGroups], const float* y, int64_t ldy, const __mmask16* mask,
                     bool first) {
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      acc[r][g] =
          first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(mask[g], y + r * ldy + 16 * g);
    }
  }
}

template <int R>
inline void StoreTile(const __m512 (&acc)[R][kGroups], const float* scale, const float* bias,
                      float* y, int64_t ldy, const __mmask16* mask, bool last) {
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    float* yr = y + r * ldy;
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      if (!mask[g]) break;
      if (last) {
        StoreScaled(acc[r][g], scale + 16 * g, bias + 16 * g, yr + 16 * g, mask[g]);
      } else {
        _mm512_mask_storeu_ps(yr + 16 * g, mask[g], acc[r][g]);
      }
    }
  }
}

// R rows x kFp8Panel columns over `pairs` K pairs of a decoded panel b (pair
// q, column j at b[q * 2 * kFp8Panel + 2 * j]), R <= kRows. K comes in blocks (the block's part of
// the panel stays in L1): the first block starts from zero, later ones from
// the partial sums left in y, and the last applies scale and bias.
template <int R>
FP8_BF16 void Tile(const uint16_t* x, int64_t ldx, const uint16_t* b, int64_t pairs,
                   const float* scale, const float* bias, float* y, int64_t ldy, int cols,
                   bool first, bool last) {
  __mmask16 mask[kGroups];
  for (int g = 0; g < kGroups; ++g) mask[g] = ColumnMask(cols, g);
  __m512 acc[R][kGroups];
  LoadTile<R>(acc, y, ldy, mask, first);
  for (int64_t q = 0; q < pairs; ++q) {
    const uint16_t* bq = b + q * kPairBytes;
    __m512bh bv[kGroups];
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) bv[g] = AsBh(_mm512_loadu_si512(bq + 32 * g));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512bh a = BroadcastPair(x + r * ldx + 2 * q);
#pragma GCC unroll 4
      for (int g = 0; g < kGroups; ++g) acc[r][g] = _mm512_dpbf16_ps(acc[r][g], a, bv[g]);
    }
  }
  StoreTile<R>(acc, scale, bias, y, ldy, mask, last);
}

using TileFn = void (*)(const uint16_t*, int64_t, const uint16_t*, int64_t, const float*,
                        const float*, float*, int64_t, int, bool, bool);
constexpr TileFn kTiles[9] = {nullptr, Tile<1>, Tile<2>, Tile<3>, Tile<4>,
                              Tile<5>, Tile<6>, Tile<7>, Tile<8>};

// 64 packed bytes -> two vectors of 16 columns x one K pair in bf16, exact,
// for a sign-magnitude format: two 128-entry byte lookups (vpermt2b reads the
// low 7 bits of each byte) give the low and high bytes of the magnitude's
// bf16, the code's sign bit is or-ed into the high byte, and unpacking the
// bytes of each 128-bit lane gives the words. PackFp8Weight places the codes
// so that the low-half unpack holds pair 2c and the high-half pair 2c + 1.
struct Decoder {
  __m512i lo0, lo1, hi0, hi1, sign;
  explicit Decoder(const uint16_t* lut) : sign(_mm512_set1_epi8(static_cast<char>(0x80))) {
    alignas(64) uint8_t lo[128], hi[128];
    for (int i = 0; i < 128; ++i) {
      lo[i] = static_cast<uint8_t>(lut[i] & 0xFF);
      hi[i] = static_cast<uint8_t>(lut[i] >> 8);
    }
    lo0 = _mm512_load_si512(lo);
    lo1 = _mm512_load_si512(lo + 64);
    hi0 = _mm512_load_si512(hi);
    hi1 = _mm512_load_si512(hi + 64);
  }
  void operator()(const uint8_t* p, __m512i* even, __m512i* odd) const {
    const __m512i v = _mm512_loadu_si512(p);
    const __m512i l = _mm512_permutex2var_epi8(lo0, v, lo1);
    // h | (v & 0x80): the magnitude's high byte with the code's sign.
    const __m512i h =
        _mm512_ternarylogic_epi32(_mm512_permutex2var_epi8(hi0, v, hi1), v, sign, 0xF8);
    *even = _mm512_unpacklo_epi8(l, h);
    *odd = _mm512_unpackhi_epi8(l, h);
  }
};

// The GEMVs read each panel as one stream of couples; a prefetch this far
// ahead in each stream (a few couples' worth of DRAM latency) keeps more
// reads in flight than the hardware prefetcher did. AMD Zen 5, BERT-base
// GEMV sweep (85 MB of weights, nothing cached between matrices; four
// interleaved rounds): 2.6-3.2 -> 2.4-2.7 ms at 2 KiB (1 KiB less, 4 KiB as
// 2 KiB; into L2 instead of L1 no gain), while one matrix run over and over
// (in L3) runs ~5% slower for the extra instructions.
constexpr int64_t kGemvPrefetchBytes = 2048;

// The couple at pc + kGemvPrefetchBytes (kCoupleBytes = 4 cache lines) into
// L1. Past a panel's end it reads the next panel or nothing (a prefetch does
// not fault).
inline void PrefetchCoupleAhead(const uint8_t* pc) {
#pragma GCC unroll 4
  for (int g = 0; g < kGroups; ++g) {
    _mm_prefetch(reinterpret_cast<const char*>(pc + kGemvPrefetchBytes + 64 * g), _MM_HINT_T0);
  }
}

// One row against one packed panel, decoding in registers. Two K streams
// (pairs 2c and 2c + 1) with their own accumulators, unrolled twice, keep
// enough vdpbf16ps chains in flight to hide their latency.
FP8_BF16 void GemvPanel(const uint16_t* x, const uint8_t* panel, int64_t couples,
                        const Decoder& dec, const float* scale, const float* bias, float* y,
                        int cols) {
  __m512 acc[4][kGroups];
  for (auto& a : acc) {
    for (__m512& v : a) v = _mm512_setzero_ps();
  }
  int64_t c = 0;
  for (; c + 2 <= couples; c += 2) {
#pragma GCC unroll 2
    for (int s = 0; s < 2; ++s) {
      const uint8_t* pc = panel + (c + s) * kCoupleBytes;
      PrefetchCoupleAhead(pc);
      const __m512bh a0 = BroadcastPair(x + 4 * (c + s));
      const __m512bh a1 = BroadcastPair(x + 4 * (c + s) + 2);
#pragma GCC unroll 4
      for (int g = 0; g < kGroups; ++g) {
        __m512i e, o;
        dec(pc + 64 * g, &e, &o);
        acc[2 * s][g] = _mm512_dpbf16_ps(acc[2 * s][g], a0, AsBh(e));
        acc[2 * s + 1][g] = _mm512_dpbf16_ps(acc[2 * s + 1][g], a1, AsBh(o));
      }
    }
  }
  for (; c < couples; ++c) {
    const uint8_t* pc = panel + c * kCoupleBytes;
    const __m512bh a0 = BroadcastPair(x + 4 * c);
    const __m512bh a1 = BroadcastPair(x + 4 * c + 2);
    for (int g = 0; g < kGroups; ++g) {
      __m512i e, o;
      dec(pc + 64 * g, &e, &o);
      acc[0][g] = _mm512_dpbf16_ps(acc[0][g], a0, AsBh(e));
      acc[1][g] = _mm512_dpbf16_ps(acc[1][g], a1, AsBh(o));
    }
  }
  for (int g = 0; g < kGroups; ++g) {
    const __mmask16 m = ColumnMask(cols, g);
    if (!m) break;
    const __m512 sum =
        _mm512_add_ps(_mm512_add_ps(acc[0][g], acc[1][g]), _mm512_add_ps(acc[2][g], acc[3][g]));
    StoreScaled(sum, scale + 16 * g, bias + 16 * g, y + 16 * g, m);
  }
}

// Two panels against one row at once: two streams of weights in flight (as
// GemvPanelsF32), each panel's two K streams (pairs 2c and 2c + 1) with their
// own accumulators.
FP8_BF16 void GemvTwoPanels(const uint16_t* x, const uint8_t* panels, int64_t panel_bytes,
                            int64_t couples, const Decoder& dec, const float* scale,
                            const float* bias, float* y, int64_t cols) {
  __m512 acc[2][2][kGroups];
  for (auto& a : acc) {
    for (auto& b : a) {
      for (__m512& v : b) v = _mm512_setzero_ps();
    }
  }
  for (int64_t c = 0; c < couples; ++c) {
    const __m512bh a0 = BroadcastPair(x + 4 * c);
    const __m512bh a1 = BroadcastPair(x + 4 * c + 2);
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const uint8_t* pc = panels + h * panel_bytes + c * kCoupleBytes;
      PrefetchCoupleAhead(pc);
#pragma GCC unroll 4
      for (int g = 0; g < kGroups; ++g) {
        __m512i e, o;
        dec(pc + 64 * g, &e, &o);
        acc[h][0][g] = _mm512_dpbf16_ps(acc[h][0][g], a0, AsBh(e));
        acc[h][1][g] = _mm512_dpbf16_ps(acc[h][1][g], a1, AsBh(o));
      }
    }
  }
  for (int h = 0; h < 2; ++h) {
    for (int g = 0; g < kGroups; ++g) {
      const int64_t j = h * kFp8Panel + 16 * g;
      const __mmask16 m = ColumnMask(static_cast<int>(cols - h * kFp8Panel), g);
      if (!m) break;
      StoreScaled(_mm512_add_ps(acc[h][0][g], acc[h][1][g]), scale + j, bias + j, y + j, m);
    }
  }
}

// Decodes pairs [q0, q0 + pairs) (q0, pairs even) of a packed panel into
// dst in the tile's order: pair q, column j at dst[(q - q0) * kPairBytes + 2 * j].
void DecodePanel(const uint8_t* panel, int64_t q0, int64_t pairs, const Decoder& dec,
                 uint16_t* dst) {
  for (int64_t q = 0; q < pairs; q += 2) {
    const uint8_t* pc = panel + (q0 + q) / 2 * kCoupleBytes;
    uint16_t* d = dst + q * kPairBytes;
    for (int g = 0; g < kGroups; ++g) {
      __m512i e, o;
      dec(pc + 64 * g, &e, &o);
      _mm512_storeu_si512(d + 32 * g, e);
      _mm512_storeu_si512(d + kPairBytes + 32 * g, o);
    }
  }
}

// Brings the codes the next decode reads (the next K block of this panel, or
// the next panel's first block) toward L2 while the current block's tiles
// run, a share before each tile: the decode otherwise waits on its reads of
// the panel (about half its time at M = 128, BERT shapes, AMD Zen 5).
class NextBlockPrefetch {
 public:
  // `bytes` from packed + at (clipped to the weight's `total` bytes), over
  // `steps` calls of Step().
  NextBlockPrefetch(const uint8_t* packed, int64_t total, int64_t at, int64_t bytes, int64_t steps)
      : p_(packed + at),
        end_(packed + std::min(total, at + bytes)),
        per_step_(
            std::max<int64_t>(64, (bytes / std::max<int64_t>(1, steps) + 63) & ~int64_t{63})) {}
  void Step() {
    for (const uint8_t* stop = std::min(end_, p_ + per_step_); p_ < stop; p_ += 64) {
      _mm_prefetch(reinterpret_cast<const char*>(p_), _MM_HINT_T1);
    }
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  int64_t per_step_;
};

// The kF32Fma path. A decoded panel in f32, k-major: k, column j at
// dst[(k - k0) * kFp8Panel + j], for k in [k0, k0 + nk) (k0, nk multiples of
// 4). A dword of the decoder's output holds a column's two K of one pair:
// the low word's bf16 is the dword << 16, the high word's the dword with its
// low half cleared.
void DecodePanelF32(const uint8_t* panel, int64_t k0, int64_t nk, const Decoder& dec, float* dst) {
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  for (int64_t k = 0; k < nk; k += 4) {
    const uint8_t* pc = panel + (k0 + k) / 4 * kCoupleBytes;
    float* d = dst + k * kFp8Panel;
    for (int g = 0; g < kGroups; ++g) {
      __m512i ei, oi;
      dec(pc + 64 * g, &ei, &oi);
      _mm512_storeu_ps(d + 16 * g, _mm512_castsi512_ps(_mm512_slli_epi32(ei, 16)));
      _mm512_storeu_ps(d + kFp8Panel + 16 * g, _mm512_castsi512_ps(_mm512_and_si512(ei, high)));
      _mm512_storeu_ps(d + 2 * kFp8Panel + 16 * g, _mm512_castsi512_ps(_mm512_slli_epi32(oi, 16)));
      _mm512_storeu_ps(d + 3 * kFp8Panel + 16 * g, _mm512_castsi512_ps(_mm512_and_si512(oi, high)));
    }
  }
}

// R rows x kFp8Panel columns over nk K of an f32 panel b (k-major), with
// FMAs in k order; x: the rows' f32 values, ldx apart, each broadcast from
// memory into its FMAs. first / last as in Tile.
template <int R>
void TileF32(const float* x, int64_t ldx, const float* b, int64_t nk, const float* scale,
             const float* bias, float* y, int64_t ldy, int cols, bool first, bool last) {
  __mmask16 mask[kGroups];
  for (int g = 0; g < kGroups; ++g) mask[g] = ColumnMask(cols, g);
  __m512 acc[R][kGroups];
  LoadTile<R>(acc, y, ldy, mask, first);
  for (int64_t k = 0; k < nk; ++k) {
    const float* bk = b + k * kFp8Panel;
    __m512 bv[kGroups];
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) bv[g] = _mm512_loadu_ps(bk + 16 * g);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(x[r * ldx + k]);
#pragma GCC unroll 4
      for (int g = 0; g < kGroups; ++g) acc[r][g] = _mm512_fmadd_ps(a, bv[g], acc[r][g]);
    }
  }
  StoreTile<R>(acc, scale, bias, y, ldy, mask, last);
}

// M = 1 on the kF32Fma path: one row (xf, f32) against P packed panels at
// once, decoding in registers; each group of 16 columns sums its products in
// k order (the reference's sum), the 4P groups' chains interleaved. Several
// panels at once read several streams of weights at once: in BERT-base's
// memory-bound sweep (BM_BertBaseGemvSweep) 4 panels ran in 0.6-0.75x the
// time of 1.
template <int P>
void GemvPanelsF32(const float* xf, const uint8_t* panels, int64_t panel_bytes, int64_t couples,
                   const Decoder& dec, const float* scale, const float* bias, float* y,
                   int64_t cols) {
  const __m512i high = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  __m512 acc[P][kGroups];
  for (auto& a : acc) {
    for (__m512& v : a) v = _mm512_setzero_ps();
  }
  for (int64_t c = 0; c < couples; ++c) {
    const __m512 x0 = _mm512_set1_ps(xf[4 * c]), x1 = _mm512_set1_ps(xf[4 * c + 1]);
    const __m512 x2 = _mm512_set1_ps(xf[4 * c + 2]), x3 = _mm512_set1_ps(xf[4 * c + 3]);
#pragma GCC unroll 4
    for (int h = 0; h < P; ++h) {
      const uint8_t* pc = panels + h * panel_bytes + c * kCoupleBytes;
      PrefetchCoupleAhead(pc);
#pragma GCC unroll 4
      for (int g = 0; g < kGroups; ++g) {
        __m512i e, o;
        dec(pc + 64 * g, &e, &o);
        __m512 a = acc[h][g];
        a = _mm512_fmadd_ps(x0, _mm512_castsi512_ps(_mm512_slli_epi32(e, 16)), a);
        a = _mm512_fmadd_ps(x1, _mm512_castsi512_ps(_mm512_and_si512(e, high)), a);
        a = _mm512_fmadd_ps(x2, _mm512_castsi512_ps(_mm512_slli_epi32(o, 16)), a);
        acc[h][g] = _mm512_fmadd_ps(x3, _mm512_castsi512_ps(_mm512_and_si512(o, high)), a);
      }
    }
  }
  for (int h = 0; h < P; ++h) {
    for (int g = 0; g < kGroups; ++g) {
      const int64_t j = h * kFp8Panel + 16 * g;
      const __mmask16 m = ColumnMask(static_cast<int>(cols - h * kFp8Panel), g);
      if (!m) break;
      StoreScaled(acc[h][g], scale + j, bias + j, y + j, m);
    }
  }
}

using TileF32Fn = void (*)(const float*, int64_t, const float*, int64_t, const float*, const float*,
                           float*, int64_t, int, bool, bool);
constexpr TileF32Fn kTilesF32[9] = {nullptr,    TileF32<1>, TileF32<2>, TileF32<3>, TileF32<4>,
                                    TileF32<5>, TileF32<6>, TileF32<7>, TileF32<8>};

}  // namespace

size_t Fp8GemmAvx512ScratchPerThread(const Fp8PackedWeight& w) {
  // One K block of a panel, in bf16 (kBf16Dot) or f32 (kF32Fma).
  return static_cast<size_t>(std::max(2 * kBlockPairs * kFp8Panel, 2 * kBlockK * kFp8Panel) + 32);
}

void Fp8GemmAvx512(const void* x_in, int64_t rows, const Fp8PackedWeight& w, const float* scale,
                   const float* bias, float* y, uint16_t* scratch, int threads,
                   const Fp8GemmPrologue& prologue) {
  const Fp8GemmPath path = w.path;
  const int64_t pairs = w.kp / 2, panels = w.np / kFp8Panel, N = w.n, kp = w.kp;
  const int64_t panel_bytes = w.kp * kFp8Panel;
  const uint8_t* packed = w.panels.data();
  const Decoder dec(w.lut.data());
  const size_t per_thread = Fp8GemmScratchPerThread(w);
  const float* xf = static_cast<const float*>(x_in);       // kF32Fma
  const uint16_t* x = static_cast<const uint16_t*>(x_in);  // kBf16Dot
  if (rows == 1 && path == Fp8GemmPath::kF32Fma) {
    ForEachPanelRun(panels, threads, prologue, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1;) {
        // As many panels at once as the run has left: 4, 2 or 1.
        const int64_t take = p1 - p >= 4 ? 4 : p1 - p >= 2 ? 2 : 1;
        const auto gemv = take == 4   ? GemvPanelsF32<4>
                          : take == 2 ? GemvPanelsF32<2>
                                      : GemvPanelsF32<1>;
        const int64_t n0 = p * kFp8Panel;
        gemv(xf, packed + p * panel_bytes, panel_bytes, kp / 4, dec, scale + n0, bias + n0, y + n0,
             N - n0);
        p += take;
      }
    });
    return;
  }
  if (rows == 1) {
    ForEachPanelRun(panels, threads, prologue, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1;) {
        const int64_t n0 = p * kFp8Panel;
        if (p1 - p >= 2) {
          GemvTwoPanels(x, packed + p * panel_bytes, panel_bytes, pairs / 2, dec, scale + n0,
                        bias + n0, y + n0, N - n0);
          p += 2;
        } else {
          GemvPanel(x, packed + p * panel_bytes, pairs / 2, dec, scale + n0, bias + n0, y + n0,
                    static_cast<int>(std::min(kFp8Panel, N - n0)));
          p += 1;
        }
      }
    });
    return;
  }
  // One work item: rows [m0, m1) against panel p, with the thread's scratch b.
  auto item = [&](uint16_t* b, int64_t m0, int64_t m1, int64_t p) {
    const int64_t n0 = p * kFp8Panel;
    const int cols = static_cast<int>(std::min(kFp8Panel, N - n0));
    if (path == Fp8GemmPath::kF32Fma) {
      float* bf = AsFloats(b);
      // Each K block decoded just before its tiles use it: its f32 (96 KiB)
      // stays in L2 next to x, where a whole decoded panel (768 KiB at K =
      // 3072) would push x out.
      for (int64_t k0 = 0; k0 < kp; k0 += kBlockK) {
        const int64_t nk = std::min(kBlockK, kp - k0);
        const bool first = k0 == 0, last = k0 + nk == kp;
        DecodePanelF32(packed + p * panel_bytes, k0, nk, dec, bf);
        for (int64_t m = m0; m < m1; m += kRows) {
          const int64_t r = std::min(kRows, m1 - m);
          kTilesF32[r](xf + m * kp + k0, kp, bf, nk, scale + n0, bias + n0, y + m * N + n0, N, cols,
                       first, last);
        }
      }
      return;
    }
    for (int64_t q0 = 0; q0 < pairs; q0 += kBlockPairs) {
      const int64_t nq = std::min(kBlockPairs, pairs - q0);
      const bool first = q0 == 0, last = q0 + nq == pairs;
      DecodePanel(packed + p * panel_bytes, q0, nq, dec, b);  // this block, as for f32
      NextBlockPrefetch ahead(packed, panel_bytes * panels,
                              p * panel_bytes + (q0 + nq) * kPairBytes, kBlockPairs * kPairBytes,
                              (m1 - m0 + kRows - 1) / kRows);
      for (int64_t m = m0; m < m1; m += kRows) {
        ahead.Step();
        const int64_t r = std::min(kRows, m1 - m);
        kTiles[r](x + m * kp + 2 * q0, kp, b, nq, scale + n0, bias + n0, y + m * N + n0, N, cols,
                  first, last);
      }
    }
  };
  ForEachRowBlockAndPanel(rows, kBlockRows, panels, scratch, per_thread, threads, prologue, item);
}

}  // namespace onednn
}  // namespace fp8sdk

#endif  // defined(__x86_64__)
