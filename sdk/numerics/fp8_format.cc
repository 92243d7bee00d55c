#include "sdk/numerics/fp8_format.h"

#include <cmath>
#include <cstdio>

#include "sdk/numerics/fp8_params.h"

namespace fp8sdk {

using internal::BitsFloat;
using internal::FloatBits;

uint8_t Fp8Format::MaxFiniteCode() const {
  switch (specials) {
    case Fp8Specials::kFiniteOnly:
      return 0x7F;
    case Fp8Specials::kNanOnly:
      return 0x7E;
    case Fp8Specials::kIeee:
      return static_cast<uint8_t>((((1 << exp_bits) - 2) << man_bits) | ((1 << man_bits) - 1));
  }
  return 0x7E;
}

float Fp8Format::MaxFinite() const { return Fp8ToFloat(MaxFiniteCode(), *this); }
float Fp8Format::MinNormal() const { return std::ldexp(1.0f, 1 - bias); }
float Fp8Format::MinSubnormal() const { return std::ldexp(1.0f, 1 - bias - man_bits); }

std::string Fp8Format::Name() const {
  if (*this == kE4M3) return "E4M3";
  if (*this == kE5M2) return "E5M2";
  char buf[64];
  const char* kind = specials == Fp8Specials::kFiniteOnly ? "finite"
                     : specials == Fp8Specials::kNanOnly  ? "nan"
                                                          : "ieee";
  std::snprintf(buf, sizeof(buf), "E%dM%d(bias=%d,%s)", exp_bits, man_bits, bias, kind);
  return buf;
}

Fp8Format SimulatedFp8Format(int exp_bits) {
  return SimulatedFp8Format(exp_bits, (1 << (exp_bits - 1)) - 1);
}

Fp8Format SimulatedFp8Format(int exp_bits, int bias) {
  return Fp8Format{exp_bits, 7 - exp_bits, bias, Fp8Specials::kFiniteOnly};
}

bool ValidateFp8Format(const Fp8Format& f, std::string* why) {
  auto fail = [why](const std::string& msg) {
    if (why) *why = msg;
    return false;
  };
  if (f.exp_bits < 2 || f.exp_bits > 5) {
    return fail("exponent bits must be 2..5, got " + std::to_string(f.exp_bits));
  }
  if (f.man_bits != 7 - f.exp_bits) {
    return fail("mantissa bits must be 7 - exponent bits = " + std::to_string(7 - f.exp_bits) +
                ", got " + std::to_string(f.man_bits));
  }
  // Every value must be a normal float32: smallest subnormal >= 2^-126 and
  // largest exponent <= 127.
  const int max_bias = 127 - f.man_bits;
  const int min_bias = (1 << f.exp_bits) - 128;
  if (f.bias < min_bias || f.bias > max_bias) {
    return fail("bias " + std::to_string(f.bias) + " out of range [" + std::to_string(min_bias) +
                ", " + std::to_string(max_bias) + "] for " + std::to_string(f.exp_bits) +
                " exponent bits");
  }
  if (f.specials != Fp8Specials::kFiniteOnly && f.specials != Fp8Specials::kNanOnly &&
      f.specials != Fp8Specials::kIeee) {
    return fail("unknown special-value kind " + std::to_string(static_cast<int>(f.specials)));
  }
  return true;
}

namespace internal {

Fp8EncodeParams MakeEncodeParams(const Fp8Format& f, Fp8Saturation saturation) {
  Fp8EncodeParams p;
  const uint32_t m = static_cast<uint32_t>(f.man_bits);
  p.normal_min = static_cast<uint32_t>(128 - f.bias) << 23;
  p.rebias = static_cast<uint32_t>(127 - f.bias) << 23;
  p.shift = 23 - m;
  p.half_m1 = (1u << (p.shift - 1)) - 1u;
  p.sub_base = static_cast<uint32_t>(151 - f.bias - f.man_bits);
  p.max_code = f.MaxFiniteCode();
  p.nan_code = 0x7F;
  if (saturation == Fp8Saturation::kSatFinite || f.specials == Fp8Specials::kFiniteOnly) {
    p.overflow_code = p.max_code;
  } else if (f.specials == Fp8Specials::kIeee) {
    p.overflow_code = ((1u << f.exp_bits) - 1u) << m;  // infinity
  } else {
    p.overflow_code = 0x7F;  // NaN
  }
  return p;
}

Fp8DecodeParams MakeDecodeParams(const Fp8Format& f) {
  Fp8DecodeParams p;
  p.shift = 23 - static_cast<uint32_t>(f.man_bits);
  p.rebias = static_cast<uint32_t>(127 - f.bias) << 23;
  p.sub_limit = 1u << f.man_bits;
  p.sub_unit = std::ldexp(1.0f, 1 - f.bias - f.man_bits);
  p.max_code = f.MaxFiniteCode();
  p.inf_code = f.specials == Fp8Specials::kIeee
                   ? ((1u << f.exp_bits) - 1u) << static_cast<uint32_t>(f.man_bits)
                   : 0x100u;
  return p;
}

}  // namespace internal

uint8_t FloatToFp8(float x, const Fp8Format& format, Fp8Saturation saturation) {
  return internal::EncodeFp8Bits(FloatBits(x), internal::MakeEncodeParams(format, saturation));
}

float Fp8ToFloat(uint8_t code, const Fp8Format& format) {
  return BitsFloat(internal::DecodeFp8Bits(code, internal::MakeDecodeParams(format)));
}

uint16_t Fp8ToBf16(uint8_t code, const Fp8Format& format) {
  return static_cast<uint16_t>(internal::DecodeFp8Bits(code, internal::MakeDecodeParams(format)) >>
                               16);
}

namespace {
// Built once; the constants are the same for every call.
const internal::Fp8EncodeParams kE4M3Sat =
    internal::MakeEncodeParams(kE4M3, Fp8Saturation::kSatFinite);
const internal::Fp8EncodeParams kE4M3NoSat =
    internal::MakeEncodeParams(kE4M3, Fp8Saturation::kNoSat);
const internal::Fp8EncodeParams kE5M2Sat =
    internal::MakeEncodeParams(kE5M2, Fp8Saturation::kSatFinite);
const internal::Fp8EncodeParams kE5M2NoSat =
    internal::MakeEncodeParams(kE5M2, Fp8Saturation::kNoSat);
const internal::Fp8DecodeParams kE4M3Decode = internal::MakeDecodeParams(kE4M3);
const internal::Fp8DecodeParams kE5M2Decode = internal::MakeDecodeParams(kE5M2);
}  // namespace

uint8_t FloatToE4M3(float x, Fp8Saturation s) {
  return internal::EncodeFp8Bits(FloatBits(x),
                                 s == Fp8Saturation::kSatFinite ? kE4M3Sat : kE4M3NoSat);
}

uint8_t FloatToE5M2(float x, Fp8Saturation s) {
  return internal::EncodeFp8Bits(FloatBits(x),
                                 s == Fp8Saturation::kSatFinite ? kE5M2Sat : kE5M2NoSat);
}

float E4M3ToFloat(uint8_t code) { return BitsFloat(internal::DecodeFp8Bits(code, kE4M3Decode)); }
float E5M2ToFloat(uint8_t code) { return BitsFloat(internal::DecodeFp8Bits(code, kE5M2Decode)); }

float Bf16ToFloat(uint16_t bits) { return BitsFloat(static_cast<uint32_t>(bits) << 16); }

uint16_t FloatToBf16(float x) {
  uint32_t u = FloatBits(x);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float F16ToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0x1F) return BitsFloat(sign | 0x7F800000u | (m << 13) | (m ? 0x400000u : 0u));
  if (e == 0) {
    const float v = static_cast<float>(m) * std::ldexp(1.0f, -24);
    return sign ? -v : v;
  }
  return BitsFloat(sign | ((e + 112u) << 23) | (m << 13));
}

uint16_t FloatToF16(float x) {
  const uint32_t u = FloatBits(x);
  const uint32_t sign = (u >> 16) & 0x8000u;
  const uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);
  if (a >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65520: infinity
  if (a >= 0x38800000u) {                                              // normal: >= 2^-14
    return static_cast<uint16_t>(sign | ((a - (112u << 23) + 0xFFFu + ((a >> 13) & 1u)) >> 13));
  }
  int32_t s = 126 - static_cast<int32_t>(a >> 23);  // subnormal step 2^-24
  s = s > 31 ? 31 : s;
  const uint32_t m24 = (a & 0x7FFFFFu) | 0x800000u;
  return static_cast<uint16_t>(sign | ((m24 + (1u << (s - 1)) - 1u + ((m24 >> s) & 1u)) >> s));
}

}  // namespace fp8sdk
