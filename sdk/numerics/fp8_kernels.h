// Internal: the precomputed constants and kernel tables behind the batch
// conversions of fp8_convert.h. One table per instruction set; each table
// gives bit-identical results (tested over all 2^32 float inputs).
//
// The helpers here have internal linkage on purpose: this header is included
// by translation units compiled with different -m flags, and an inline
// function with external linkage could be merged across them by the linker,
// running AVX-512 code on a CPU without it.
#ifndef FP8SDK_SDK_NUMERICS_FP8_KERNELS_H_
#define FP8SDK_SDK_NUMERICS_FP8_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fp8sdk {
namespace internal {

// Constants for float -> FP8 in integer arithmetic on the float's bits.
// For |x| >= min normal:  code = (a - rebias + half_m1 + lsb) >> shift
// below it (subnormal):   code = rne(m24 >> s), s = sub_base - exponent(a)
// where a = |x| bits, m24 the significand with its implicit bit.
struct Fp8EncodeParams {
  uint32_t normal_min;     // float bits of the smallest normal of the format
  uint32_t rebias;         // (127 - bias) << 23
  uint32_t shift;          // 23 - m
  uint32_t half_m1;        // (1 << (shift - 1)) - 1
  uint32_t sub_base;       // 151 - bias - m
  uint32_t max_code;       // largest finite magnitude code
  uint32_t overflow_code;  // code for overflow (saturation-dependent)
  uint32_t nan_code;       // code for NaN input (no sign)
};

// Constants for FP8 -> float.
struct Fp8DecodeParams {
  uint32_t shift;      // 23 - m
  uint32_t rebias;     // (127 - bias) << 23
  uint32_t sub_limit;  // magnitudes below this are subnormal: 1 << m
  float sub_unit;      // value of the smallest subnormal, 2^(1 - bias - m)
  uint32_t max_code;   // largest finite magnitude code
  uint32_t inf_code;   // magnitude code of infinity, or 0x100 if none
};

static inline uint32_t FloatBits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  return u;
}

static inline float BitsFloat(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof(x));
  return x;
}

// The scalar definition every vector kernel reproduces lane by lane.
static inline uint8_t EncodeFp8Bits(uint32_t u, const Fp8EncodeParams& p) {
  const uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<uint8_t>(p.nan_code);
  const uint32_t sign = (u >> 24) & 0x80u;
  uint32_t r;
  if (a >= p.normal_min) {
    r = (a - p.rebias + p.half_m1 + ((a >> p.shift) & 1u)) >> p.shift;
    if (r > p.max_code) r = p.overflow_code;
  } else {
    // A float denormal (exponent field 0) is m x 2^-149: exponent 1, no
    // implicit leading bit.
    const int32_t e = a >= 0x800000u ? static_cast<int32_t>(a >> 23) : 1;
    int32_t s = static_cast<int32_t>(p.sub_base) - e;
    s = s < 1 ? 1 : (s > 31 ? 31 : s);
    const uint32_t m24 = (a & 0x7FFFFFu) | (a >= 0x800000u ? 0x800000u : 0u);
    r = (m24 + (1u << (s - 1)) - 1u + ((m24 >> s) & 1u)) >> s;
  }
  return static_cast<uint8_t>(r | sign);
}

static inline uint32_t DecodeFp8Bits(uint32_t code, const Fp8DecodeParams& p) {
  const uint32_t mag = code & 0x7Fu;
  uint32_t bits;
  if (mag > p.max_code) {
    bits = mag == p.inf_code ? 0x7F800000u : 0x7FC00000u;
  } else if (mag < p.sub_limit) {
    bits = FloatBits(static_cast<float>(mag) * p.sub_unit);
  } else {
    bits = (mag << p.shift) + p.rebias;
  }
  return bits | ((code & 0x80u) << 24);
}

// bf16 bits of the FP8 value that u encodes to (not rescaled): what
// quantizing to FP8 and decoding to bf16 give, in one step.
static inline uint16_t QuantizeBf16Bits(uint32_t u, const Fp8EncodeParams& e,
                                        const Fp8DecodeParams& d) {
  return static_cast<uint16_t>(DecodeFp8Bits(EncodeFp8Bits(u, e), d) >> 16);
}

// Round half to even to an integer in [-127, 127]; NaN -> 0. Independent of
// the floating-point environment's rounding mode.
static inline int8_t QuantizeInt8Value(float y) {
  if (!(y == y)) return 0;
  if (y >= 127.0f) return 127;
  if (y <= -127.0f) return -127;
  int t = static_cast<int>(y);                   // toward zero
  if (static_cast<float>(t) > y) --t;            // floor
  const float frac = y - static_cast<float>(t);  // exact for |y| < 128
  if (frac > 0.5f || (frac == 0.5f && (t & 1))) ++t;
  return static_cast<int8_t>(t);
}

// One instruction set's kernels. `mul` multiplies every input (encode) or
// output (decode) in float32 first: 1.0f for plain conversion, the reciprocal
// scale to quantize, the scale to dequantize.
struct ConvertKernels {
  const char* name;
  void (*encode)(const float* src, uint8_t* dst, size_t n, float mul, const Fp8EncodeParams& p);
  void (*decode_f32)(const uint8_t* src, float* dst, size_t n, float mul, const Fp8DecodeParams& p);
  void (*decode_bf16)(const uint8_t* src, uint16_t* dst, size_t n, const Fp8DecodeParams& p);
  // dst[i] = QuantizeBf16Bits(bits of src[i] * mul): encode + decode_bf16 in one pass.
  void (*quantize_bf16)(const float* src, uint16_t* dst, size_t n, float mul,
                        const Fp8EncodeParams& e, const Fp8DecodeParams& d);
  // max |x|; NaN if any input is NaN; 0 for n == 0.
  float (*abs_max)(const float* src, size_t n);
  void (*quantize_int8)(const float* src, int8_t* dst, size_t n, float mul);
  void (*dequantize_int8)(const int8_t* src, float* dst, size_t n, float mul);
};

extern const ConvertKernels kScalarKernels;
extern const ConvertKernels kAvx2Kernels;
extern const ConvertKernels kAvx512Kernels;

}  // namespace internal
}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_FP8_KERNELS_H_
