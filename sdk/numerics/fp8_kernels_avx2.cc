// AVX2 kernels, 8 lanes, scalar tails. Compiled with -mavx2; only called
// after a CPUID check (fp8_convert.cc). All 32-bit compares are signed: every
// value compared is below 2^31.
#if defined(__x86_64__)  // empty on other architectures (the BUILD drops the -m flags there)
#include <immintrin.h>

#include "sdk/numerics/fp8_kernels.h"

namespace fp8sdk {
namespace internal {
namespace {

struct EncodeConsts {
  explicit EncodeConsts(const Fp8EncodeParams& p)
      : normal_min_m1(_mm256_set1_epi32(static_cast<int>(p.normal_min) - 1)),
        rebias(_mm256_set1_epi32(static_cast<int>(p.rebias))),
        shift(_mm_cvtsi32_si128(static_cast<int>(p.shift))),
        half_m1(_mm256_set1_epi32(static_cast<int>(p.half_m1))),
        sub_base(_mm256_set1_epi32(static_cast<int>(p.sub_base))),
        max_code(_mm256_set1_epi32(static_cast<int>(p.max_code))),
        overflow_code(_mm256_set1_epi32(static_cast<int>(p.overflow_code))),
        nan_code(_mm256_set1_epi32(static_cast<int>(p.nan_code))) {}
  __m256i normal_min_m1, rebias;
  __m128i shift;
  __m256i half_m1, sub_base, max_code, overflow_code, nan_code;
};

inline __m256i Select(__m256i mask, __m256i if_false, __m256i if_true) {
  return _mm256_blendv_epi8(if_false, if_true, mask);
}

// Lane-wise EncodeFp8Bits (fp8_kernels.h) on 8 float bit patterns.
inline __m256i EncodeLanes(__m256i u, const EncodeConsts& k) {
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i a = _mm256_and_si256(u, _mm256_set1_epi32(0x7FFFFFFF));
  const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(u, 24), _mm256_set1_epi32(0x80));
  const __m256i lsb = _mm256_and_si256(_mm256_srl_epi32(a, k.shift), one);
  __m256i nrm = _mm256_add_epi32(_mm256_sub_epi32(a, k.rebias), _mm256_add_epi32(k.half_m1, lsb));
  nrm = _mm256_srl_epi32(nrm, k.shift);
  nrm = Select(_mm256_cmpgt_epi32(nrm, k.max_code), nrm, k.overflow_code);
  // A float denormal is m x 2^-149: exponent 1, no implicit leading bit.
  const __m256i normal = _mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7FFFFF));
  __m256i s = _mm256_sub_epi32(k.sub_base, _mm256_max_epi32(_mm256_srli_epi32(a, 23), one));
  s = _mm256_min_epi32(_mm256_max_epi32(s, one), _mm256_set1_epi32(31));
  const __m256i m24 = _mm256_or_si256(_mm256_and_si256(a, _mm256_set1_epi32(0x7FFFFF)),
                                      _mm256_and_si256(normal, _mm256_set1_epi32(0x800000)));
  const __m256i half = _mm256_sllv_epi32(one, _mm256_sub_epi32(s, one));
  const __m256i sub_lsb = _mm256_and_si256(_mm256_srlv_epi32(m24, s), one);
  __m256i sub = _mm256_add_epi32(_mm256_add_epi32(m24, half), _mm256_sub_epi32(sub_lsb, one));
  sub = _mm256_srlv_epi32(sub, s);
  __m256i r = Select(_mm256_cmpgt_epi32(a, k.normal_min_m1), sub, nrm);
  r = _mm256_or_si256(r, sign);
  return Select(_mm256_cmpgt_epi32(a, _mm256_set1_epi32(0x7F800000)), r, k.nan_code);
}

// Low byte of each 32-bit lane -> 8 bytes.
inline uint64_t PackBytes(__m256i v) {
  const __m256i shuf =
      _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1,
                       -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i b = _mm256_shuffle_epi8(v, shuf);
  const __m256i packed = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(_mm256_castsi256_si128(packed)));
}

void EncodeAvx2(const float* src, uint8_t* dst, size_t n, float mul, const Fp8EncodeParams& p) {
  const EncodeConsts k(p);
  const __m256 vmul = _mm256_set1_ps(mul);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(src + i), vmul);
    const uint64_t bytes = PackBytes(EncodeLanes(_mm256_castps_si256(x), k));
    std::memcpy(dst + i, &bytes, 8);
  }
  for (; i < n; ++i) dst[i] = EncodeFp8Bits(FloatBits(src[i] * mul), p);
}

struct DecodeConsts {
  explicit DecodeConsts(const Fp8DecodeParams& p)
      : shift(_mm_cvtsi32_si128(static_cast<int>(p.shift))),
        rebias(_mm256_set1_epi32(static_cast<int>(p.rebias))),
        sub_limit(_mm256_set1_epi32(static_cast<int>(p.sub_limit))),
        sub_unit(_mm256_set1_ps(p.sub_unit)),
        max_code(_mm256_set1_epi32(static_cast<int>(p.max_code))),
        inf_code(_mm256_set1_epi32(static_cast<int>(p.inf_code))) {}
  __m128i shift;
  __m256i rebias, sub_limit;
  __m256 sub_unit;
  __m256i max_code, inf_code;
};

inline __m256i DecodeLanes(__m256i c, const DecodeConsts& k) {
  const __m256i mag = _mm256_and_si256(c, _mm256_set1_epi32(0x7F));
  __m256i bits = _mm256_add_epi32(_mm256_sll_epi32(mag, k.shift), k.rebias);
  const __m256i sub = _mm256_castps_si256(_mm256_mul_ps(_mm256_cvtepi32_ps(mag), k.sub_unit));
  bits = Select(_mm256_cmpgt_epi32(k.sub_limit, mag), bits, sub);
  const __m256i special = Select(_mm256_cmpeq_epi32(mag, k.inf_code), _mm256_set1_epi32(0x7FC00000),
                                 _mm256_set1_epi32(0x7F800000));
  bits = Select(_mm256_cmpgt_epi32(mag, k.max_code), bits, special);
  const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(c, _mm256_set1_epi32(0x80)), 24);
  return _mm256_or_si256(bits, sign);
}

inline __m256i LoadCodes(const uint8_t* src) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src)));
}

void DecodeF32Avx2(const uint8_t* src, float* dst, size_t n, float mul, const Fp8DecodeParams& p) {
  const DecodeConsts k(p);
  const __m256 vmul = _mm256_set1_ps(mul);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 f = _mm256_castsi256_ps(DecodeLanes(LoadCodes(src + i), k));
    _mm256_storeu_ps(dst + i, _mm256_mul_ps(f, vmul));
  }
  for (; i < n; ++i) dst[i] = BitsFloat(DecodeFp8Bits(src[i], p)) * mul;
}

void DecodeBf16Avx2(const uint8_t* src, uint16_t* dst, size_t n, const Fp8DecodeParams& p) {
  const DecodeConsts k(p);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i bf = _mm256_srli_epi32(DecodeLanes(LoadCodes(src + i), k), 16);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(bf, bf), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i), _mm256_castsi256_si128(packed));
  }
  for (; i < n; ++i) dst[i] = static_cast<uint16_t>(DecodeFp8Bits(src[i], p) >> 16);
}

float AbsMaxAvx2(const float* src, size_t n) {
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
  __m256 m = _mm256_setzero_ps();
  __m256 nan = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_and_ps(_mm256_loadu_ps(src + i), abs_mask);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    m = _mm256_max_ps(m, x);
  }
  if (_mm256_movemask_ps(nan)) return __builtin_nanf("");
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float r = 0.0f;
  for (float v : lanes) r = v > r ? v : r;
  for (; i < n; ++i) {
    const float a = src[i] < 0 ? -src[i] : src[i];
    if (a != a) return a;
    if (a > r) r = a;
  }
  return r;
}

// Encode and decode through a buffer that stays in L1.
void QuantizeBf16Avx2(const float* src, uint16_t* dst, size_t n, float mul,
                      const Fp8EncodeParams& e, const Fp8DecodeParams& d) {
  uint8_t codes[512];
  for (size_t i = 0; i < n; i += sizeof(codes)) {
    const size_t len = n - i < sizeof(codes) ? n - i : sizeof(codes);
    EncodeAvx2(src + i, codes, len, mul, e);
    DecodeBf16Avx2(codes, dst + i, len, d);
  }
}

void QuantizeInt8Avx2(const float* src, int8_t* dst, size_t n, float mul) {
  const __m256 vmul = _mm256_set1_ps(mul);
  const __m256 lo = _mm256_set1_ps(-127.0f), hi = _mm256_set1_ps(127.0f);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 y = _mm256_mul_ps(_mm256_loadu_ps(src + i), vmul);
    const __m256 ordered = _mm256_cmp_ps(y, y, _CMP_ORD_Q);
    __m256 c = _mm256_min_ps(_mm256_max_ps(y, lo), hi);
    c = _mm256_round_ps(c, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256i q = _mm256_and_si256(_mm256_cvttps_epi32(c), _mm256_castps_si256(ordered));
    const uint64_t bytes = PackBytes(q);
    std::memcpy(dst + i, &bytes, 8);
  }
  for (; i < n; ++i) dst[i] = QuantizeInt8Value(src[i] * mul);
}

void DequantizeInt8Avx2(const int8_t* src, float* dst, size_t n, float mul) {
  const __m256 vmul = _mm256_set1_ps(mul);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i q =
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + i)));
    _mm256_storeu_ps(dst + i, _mm256_mul_ps(_mm256_cvtepi32_ps(q), vmul));
  }
  for (; i < n; ++i) dst[i] = static_cast<float>(src[i]) * mul;
}

}  // namespace

const ConvertKernels kAvx2Kernels = {
    "avx2",           EncodeAvx2, DecodeF32Avx2,    DecodeBf16Avx2,
    QuantizeBf16Avx2, AbsMaxAvx2, QuantizeInt8Avx2, DequantizeInt8Avx2,
};

}  // namespace internal
}  // namespace fp8sdk

#endif  // defined(__x86_64__)
