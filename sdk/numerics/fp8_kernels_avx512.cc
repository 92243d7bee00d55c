// AVX-512 kernels (AVX512F + AVX512BW + AVX512VL), unmasked main loops and
// masked tails (narrowing stores with a mask are microcoded on some CPUs, so
// they stay out of the loops). Compiled with -mavx512f -mavx512bw
// -mavx512vl; only called after a CPUID check (fp8_convert.cc).
#if defined(__x86_64__)  // empty on other architectures (the BUILD drops the -m flags there)
#include <immintrin.h>

#include "sdk/numerics/fp8_kernels.h"

namespace fp8sdk {
namespace internal {
namespace {

inline __mmask16 TailMask(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

struct EncodeConsts {
  explicit EncodeConsts(const Fp8EncodeParams& p)
      : abs_mask(_mm512_set1_epi32(0x7FFFFFFF)),
        inf(_mm512_set1_epi32(0x7F800000)),
        normal_min(_mm512_set1_epi32(static_cast<int>(p.normal_min))),
        rebias(_mm512_set1_epi32(static_cast<int>(p.rebias))),
        shift(_mm_cvtsi32_si128(static_cast<int>(p.shift))),
        half_m1(_mm512_set1_epi32(static_cast<int>(p.half_m1))),
        sub_base(_mm512_set1_epi32(static_cast<int>(p.sub_base))),
        max_code(_mm512_set1_epi32(static_cast<int>(p.max_code))),
        overflow_code(_mm512_set1_epi32(static_cast<int>(p.overflow_code))),
        nan_code(_mm512_set1_epi32(static_cast<int>(p.nan_code))) {}
  __m512i abs_mask, inf, normal_min, rebias;
  __m128i shift;
  __m512i half_m1, sub_base, max_code, overflow_code, nan_code;
};

// Lane-wise EncodeFp8Bits (fp8_kernels.h) on 16 float bit patterns.
inline __m512i EncodeLanes(__m512i u, const EncodeConsts& k) {
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i a = _mm512_and_si512(u, k.abs_mask);
  const __m512i sign = _mm512_and_si512(_mm512_srli_epi32(u, 24), _mm512_set1_epi32(0x80));
  // Normal range.
  const __m512i lsb = _mm512_and_si512(_mm512_srl_epi32(a, k.shift), one);
  __m512i nrm = _mm512_add_epi32(_mm512_sub_epi32(a, k.rebias), _mm512_add_epi32(k.half_m1, lsb));
  nrm = _mm512_srl_epi32(nrm, k.shift);
  nrm = _mm512_mask_mov_epi32(nrm, _mm512_cmpgt_epu32_mask(nrm, k.max_code), k.overflow_code);
  // Subnormal range.
  // A float denormal is m x 2^-149: exponent 1, no implicit leading bit.
  __m512i s = _mm512_sub_epi32(k.sub_base, _mm512_max_epi32(_mm512_srli_epi32(a, 23), one));
  s = _mm512_min_epi32(_mm512_max_epi32(s, one), _mm512_set1_epi32(31));
  const __m512i m24 = _mm512_mask_or_epi32(_mm512_and_si512(a, _mm512_set1_epi32(0x7FFFFF)),
                                           _mm512_cmpgt_epu32_mask(a, _mm512_set1_epi32(0x7FFFFF)),
                                           _mm512_and_si512(a, _mm512_set1_epi32(0x7FFFFF)),
                                           _mm512_set1_epi32(0x800000));
  const __m512i half = _mm512_sllv_epi32(one, _mm512_sub_epi32(s, one));
  const __m512i sub_lsb = _mm512_and_si512(_mm512_srlv_epi32(m24, s), one);
  __m512i sub = _mm512_add_epi32(_mm512_add_epi32(m24, half), _mm512_sub_epi32(sub_lsb, one));
  sub = _mm512_srlv_epi32(sub, s);
  __m512i r = _mm512_mask_mov_epi32(sub, _mm512_cmpge_epu32_mask(a, k.normal_min), nrm);
  r = _mm512_or_si512(r, sign);
  return _mm512_mask_mov_epi32(r, _mm512_cmpgt_epu32_mask(a, k.inf), k.nan_code);
}

void EncodeAvx512(const float* src, uint8_t* dst, size_t n, float mul, const Fp8EncodeParams& p) {
  const EncodeConsts k(p);
  const __m512 vmul = _mm512_set1_ps(mul);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i r0 =
        EncodeLanes(_mm512_castps_si512(_mm512_mul_ps(_mm512_loadu_ps(src + i), vmul)), k);
    const __m512i r1 =
        EncodeLanes(_mm512_castps_si512(_mm512_mul_ps(_mm512_loadu_ps(src + i + 16), vmul)), k);
    const __m512i r2 =
        EncodeLanes(_mm512_castps_si512(_mm512_mul_ps(_mm512_loadu_ps(src + i + 32), vmul)), k);
    const __m512i r3 =
        EncodeLanes(_mm512_castps_si512(_mm512_mul_ps(_mm512_loadu_ps(src + i + 48), vmul)), k);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm512_cvtepi32_epi8(r0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 16), _mm512_cvtepi32_epi8(r1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 32), _mm512_cvtepi32_epi8(r2));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i + 48), _mm512_cvtepi32_epi8(r3));
  }
  for (; i < n; i += 16) {
    const size_t len = n - i < 16 ? n - i : 16;
    const __mmask16 m = TailMask(len);
    const __m512 x = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, src + i), vmul);
    _mm512_mask_cvtepi32_storeu_epi8(dst + i, m, EncodeLanes(_mm512_castps_si512(x), k));
  }
}

// Decoding works on 32 lanes of 16 bits: every FP8 value is a bf16 value, so
// the bf16 bits are computed directly and float32 bits are bf16 bits << 16.
struct DecodeConsts {
  explicit DecodeConsts(const Fp8DecodeParams& p)
      : shift(_mm_cvtsi32_si128(static_cast<int>(p.shift - 16))),
        rebias(_mm512_set1_epi16(static_cast<int16_t>(p.rebias >> 16))),
        sub_limit(_mm512_set1_epi16(static_cast<int16_t>(p.sub_limit))),
        max_code(_mm512_set1_epi16(static_cast<int16_t>(p.max_code))),
        inf_code(_mm512_set1_epi16(static_cast<int16_t>(p.inf_code))) {
    // bf16 of every subnormal code (at most 32 of them: m <= 5).
    alignas(64) uint16_t table[32];
    for (uint32_t c = 0; c < 32; ++c) {
      table[c] = c < p.sub_limit ? static_cast<uint16_t>(DecodeFp8Bits(c, p) >> 16) : 0;
    }
    sub_table = _mm512_load_si512(table);
  }
  __m128i shift;
  __m512i rebias, sub_limit, max_code, inf_code, sub_table;
};

// Lane-wise DecodeFp8Bits(...) >> 16 on 32 codes zero-extended to 16 bits.
inline __m512i DecodeBf16Lanes(__m512i c, const DecodeConsts& k) {
  const __m512i mag = _mm512_and_si512(c, _mm512_set1_epi16(0x7F));
  __m512i bits = _mm512_add_epi16(_mm512_sll_epi16(mag, k.shift), k.rebias);
  bits = _mm512_mask_mov_epi16(bits, _mm512_cmplt_epu16_mask(mag, k.sub_limit),
                               _mm512_permutexvar_epi16(mag, k.sub_table));
  const __m512i special =
      _mm512_mask_mov_epi16(_mm512_set1_epi16(0x7FC0), _mm512_cmpeq_epi16_mask(mag, k.inf_code),
                            _mm512_set1_epi16(0x7F80));
  bits = _mm512_mask_mov_epi16(bits, _mm512_cmpgt_epu16_mask(mag, k.max_code), special);
  const __m512i sign = _mm512_slli_epi16(_mm512_and_si512(c, _mm512_set1_epi16(0x80)), 8);
  return _mm512_or_si512(bits, sign);
}

inline __m512i LoadCodes32(const uint8_t* src) {
  return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
}

inline __mmask32 TailMask32(size_t n) {
  return n >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << n) - 1u);
}

// bf16 lanes [0,16) or [16,32) of `bf` as 16 floats times `mul`.
inline __m512 WidenBf16(__m512i bf, int half, __m512 mul) {
  const __m256i h = half == 0 ? _mm512_castsi512_si256(bf) : _mm512_extracti64x4_epi64(bf, 1);
  return _mm512_mul_ps(_mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)), mul);
}

void DecodeF32Avx512(const uint8_t* src, float* dst, size_t n, float mul,
                     const Fp8DecodeParams& p) {
  const DecodeConsts k(p);
  const __m512 vmul = _mm512_set1_ps(mul);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i bf = DecodeBf16Lanes(LoadCodes32(src + i), k);
    _mm512_storeu_ps(dst + i, WidenBf16(bf, 0, vmul));
    _mm512_storeu_ps(dst + i + 16, WidenBf16(bf, 1, vmul));
  }
  if (i < n) {
    const size_t len = n - i;
    const __m512i c = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(TailMask32(len), src + i));
    const __m512i bf = DecodeBf16Lanes(c, k);
    _mm512_mask_storeu_ps(dst + i, TailMask(len < 16 ? len : 16), WidenBf16(bf, 0, vmul));
    if (len > 16) _mm512_mask_storeu_ps(dst + i + 16, TailMask(len - 16), WidenBf16(bf, 1, vmul));
  }
}

void DecodeBf16Avx512(const uint8_t* src, uint16_t* dst, size_t n, const Fp8DecodeParams& p) {
  const DecodeConsts k(p);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    _mm512_storeu_si512(dst + i, DecodeBf16Lanes(LoadCodes32(src + i), k));
    _mm512_storeu_si512(dst + i + 32, DecodeBf16Lanes(LoadCodes32(src + i + 32), k));
  }
  for (; i < n; i += 32) {
    const __mmask32 m = TailMask32(n - i);
    const __m512i c = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, src + i));
    _mm512_mask_storeu_epi16(dst + i, m, DecodeBf16Lanes(c, k));
  }
}

// QuantizeBf16Bits without codes: the float's mantissa is rounded to the
// format's bits in place (normal range: round half to even on the bits, a
// carry moving into the exponent as it should; subnormal range: adding and
// subtracting 2^23 units of the smallest subnormal rounds to a multiple of
// it, in round-to-nearest-even whatever the MXCSR says), and the FP8 value
// is then a bf16 value: its top 16 bits. Overflow and NaN take the bf16 of
// the codes the encoder gives them.
struct QuantBf16Consts {
  QuantBf16Consts(const Fp8EncodeParams& e, const Fp8DecodeParams& d)
      : normal_min(_mm512_set1_epi32(static_cast<int>(e.normal_min))),
        half_m1(_mm512_set1_epi32(static_cast<int>(e.half_m1))),
        keep(_mm512_set1_epi32(static_cast<int>(~((1u << e.shift) - 1u)))),
        max_bits(_mm512_set1_epi32(static_cast<int>((e.max_code << e.shift) + e.rebias))),
        overflow16(_mm512_set1_epi32(static_cast<int>(DecodeFp8Bits(e.overflow_code, d) >> 16))),
        nan16(_mm512_set1_epi32(static_cast<int>(DecodeFp8Bits(e.nan_code, d) >> 16))),
        magic(_mm512_set1_ps(d.sub_unit * 8388608.0f)),
        shift(_mm_cvtsi32_si128(static_cast<int>(e.shift))) {}
  __m512i normal_min, half_m1, keep, max_bits, overflow16, nan16;
  __m512 magic;
  __m128i shift;
};

inline __m256i QuantizeBf16Lanes(__m512 x, const QuantBf16Consts& k) {
  const __m512i u = _mm512_castps_si512(x);
  const __m512i a = _mm512_and_si512(u, _mm512_set1_epi32(0x7FFFFFFF));
  const __m512i sign16 = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x8000));
  const __m512i lsb = _mm512_and_si512(_mm512_srl_epi32(a, k.shift), _mm512_set1_epi32(1));
  const __m512i t = _mm512_and_si512(_mm512_add_epi32(a, _mm512_add_epi32(k.half_m1, lsb)), k.keep);
  const __m512i nrm = _mm512_mask_mov_epi32(_mm512_srli_epi32(t, 16),
                                            _mm512_cmpgt_epu32_mask(t, k.max_bits), k.overflow16);
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m512 af = _mm512_castsi512_ps(a);
  const __m512 sub =
      _mm512_sub_round_ps(_mm512_add_round_ps(af, k.magic, kNearest), k.magic, kNearest);
  __m512i r = _mm512_mask_mov_epi32(_mm512_srli_epi32(_mm512_castps_si512(sub), 16),
                                    _mm512_cmpge_epu32_mask(a, k.normal_min), nrm);
  r = _mm512_or_si512(r, sign16);
  r = _mm512_mask_mov_epi32(r, _mm512_cmpgt_epu32_mask(a, _mm512_set1_epi32(0x7F800000)), k.nan16);
  return _mm512_cvtepi32_epi16(r);
}

void QuantizeBf16Avx512(const float* src, uint16_t* dst, size_t n, float mul,
                        const Fp8EncodeParams& e, const Fp8DecodeParams& d) {
  const QuantBf16Consts k(e, d);
  const __m512 vmul = _mm512_set1_ps(mul);
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256i r0 = QuantizeBf16Lanes(_mm512_mul_ps(_mm512_loadu_ps(src + i), vmul), k);
    const __m256i r1 = QuantizeBf16Lanes(_mm512_mul_ps(_mm512_loadu_ps(src + i + 16), vmul), k);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i), r0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i + 16), r1);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = TailMask(n - i < 16 ? n - i : 16);
    const __m256i r = QuantizeBf16Lanes(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, src + i), vmul), k);
    _mm256_mask_storeu_epi16(dst + i, m, r);
  }
}

float AbsMaxAvx512(const float* src, size_t n) {
  __m512 m0 = _mm512_setzero_ps(), m1 = _mm512_setzero_ps();
  __mmask16 nan = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 x0 = _mm512_abs_ps(_mm512_loadu_ps(src + i));
    const __m512 x1 = _mm512_abs_ps(_mm512_loadu_ps(src + i + 16));
    nan |= _mm512_cmp_ps_mask(x0, x1, _CMP_UNORD_Q);
    m0 = _mm512_max_ps(m0, x0);
    m1 = _mm512_max_ps(m1, x1);
  }
  for (; i < n; i += 16) {
    const size_t len = n - i < 16 ? n - i : 16;
    const __m512 x = _mm512_abs_ps(_mm512_maskz_loadu_ps(TailMask(len), src + i));
    nan |= _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    m0 = _mm512_max_ps(m0, x);
  }
  if (nan) return __builtin_nanf("");
  return _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
}

inline __m512i QuantizeInt8Lanes(__m512 y) {
  const __mmask16 ordered = _mm512_cmp_ps_mask(y, y, _CMP_ORD_Q);
  const __m512 c = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(-127.0f)), _mm512_set1_ps(127.0f));
  const __m512i q = _mm512_cvt_roundps_epi32(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  return _mm512_maskz_mov_epi32(ordered, q);
}

void QuantizeInt8Avx512(const float* src, int8_t* dst, size_t n, float mul) {
  const __m512 vmul = _mm512_set1_ps(mul);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i q = QuantizeInt8Lanes(_mm512_mul_ps(_mm512_loadu_ps(src + i), vmul));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm512_cvtepi32_epi8(q));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    const __m512i q = QuantizeInt8Lanes(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, src + i), vmul));
    _mm512_mask_cvtepi32_storeu_epi8(dst + i, m, q);
  }
}

void DequantizeInt8Avx512(const int8_t* src, float* dst, size_t n, float mul) {
  const __m512 vmul = _mm512_set1_ps(mul);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i q =
        _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    _mm512_storeu_ps(dst + i, _mm512_mul_ps(_mm512_cvtepi32_ps(q), vmul));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    const __m512i q = _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(m, src + i));
    _mm512_mask_storeu_ps(dst + i, m, _mm512_mul_ps(_mm512_cvtepi32_ps(q), vmul));
  }
}

}  // namespace

const ConvertKernels kAvx512Kernels = {
    "avx512",           EncodeAvx512, DecodeF32Avx512,    DecodeBf16Avx512,
    QuantizeBf16Avx512, AbsMaxAvx512, QuantizeInt8Avx512, DequantizeInt8Avx512,
};

}  // namespace internal
}  // namespace fp8sdk

#endif  // defined(__x86_64__)
