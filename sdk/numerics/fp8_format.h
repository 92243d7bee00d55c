// FP8 number formats: the OCP formats E4M3 (E4M3FN) and E5M2, and the wider
// family of 8-bit floating-point formats studied by Kuzmin et al. (2022):
// 1 sign bit, e exponent bits (2..5), m = 7 - e mantissa bits, any bias.
//
// Conversions round to nearest, ties to even, and agree bit for bit with the
// host-side conversions in CUDA's cuda_fp8.hpp for E4M3 and E5M2 (tested over
// all 2^32 float inputs). Decoding (FP8 -> float, FP8 -> bf16) is exact.
//
// Everything here is a pure function of its arguments and thread-safe.
#ifndef FP8SDK_SDK_NUMERICS_FP8_FORMAT_H_
#define FP8SDK_SDK_NUMERICS_FP8_FORMAT_H_

#include <cstdint>
#include <string>

namespace fp8sdk {

// Which codes of a format are not finite numbers.
enum class Fp8Specials : uint8_t {
  // Every one of the 256 codes is a finite number: the simulated formats of
  // Kuzmin et al. A NaN input has no code: it encodes as +max finite.
  kFiniteOnly = 0,
  // S.1111.111 is NaN and there is no infinity (OCP E4M3FN).
  kNanOnly = 1,
  // IEEE-754 style: exponent all ones is infinity (mantissa 0) or NaN (E5M2).
  kIeee = 2,
};

// What float -> FP8 does with magnitudes past the largest finite value.
enum class Fp8Saturation : uint8_t {
  // Overflow and +-infinity become +-max finite; NaN stays NaN. The default
  // for quantization (CUDA's __NV_SATFINITE).
  kSatFinite = 0,
  // Overflow becomes infinity where the format has one (E5M2), else NaN
  // (E4M3). CUDA's __NV_NOSAT. Finite-only formats always saturate.
  kNoSat = 1,
};

// A member of the 8-bit floating-point family. A value type: cheap to copy.
struct Fp8Format {
  int exp_bits = 4;  // e, 2..5
  int man_bits = 3;  // m = 7 - e
  int bias = 7;      // exponent bias; a free bias is equivalent to a scale
  Fp8Specials specials = Fp8Specials::kNanOnly;

  // The largest finite code with the sign bit clear (0x7E for E4M3, 0x7B for
  // E5M2, 0x7F for finite-only formats).
  uint8_t MaxFiniteCode() const;
  // The value of MaxFiniteCode(): 448 for E4M3, 57344 for E5M2.
  float MaxFinite() const;
  // Smallest positive normal and subnormal values.
  float MinNormal() const;
  float MinSubnormal() const;
  bool HasInfinity() const { return specials == Fp8Specials::kIeee; }
  bool HasNan() const { return specials != Fp8Specials::kFiniteOnly; }
  // "E4M3", "E5M2", or "E3M4(bias=3,finite)" style names for others.
  std::string Name() const;

  friend bool operator==(const Fp8Format& a, const Fp8Format& b) {
    return a.exp_bits == b.exp_bits && a.man_bits == b.man_bits && a.bias == b.bias &&
           a.specials == b.specials;
  }
  friend bool operator!=(const Fp8Format& a, const Fp8Format& b) { return !(a == b); }
};

// OCP 8-bit floating point (E4M3FN): bias 7, max 448, NaN only S.1111.111.
inline constexpr Fp8Format kE4M3{4, 3, 7, Fp8Specials::kNanOnly};
// OCP / IEEE-style E5M2: bias 15, max 57344, infinities and NaNs.
inline constexpr Fp8Format kE5M2{5, 2, 15, Fp8Specials::kIeee};

// A simulated finite-only format with `exp_bits` exponent bits (2..5) and the
// default bias 2^(e-1) - 1 (E2M5, E3M4, E4M3, E5M2 of Kuzmin et al.).
Fp8Format SimulatedFp8Format(int exp_bits);
// Same with an explicit bias.
Fp8Format SimulatedFp8Format(int exp_bits, int bias);

// Checks that a format is supported: e in 2..5, m = 7 - e, and a bias that
// keeps every value a normal float32 (so that decoding stays exact). On
// failure returns false and, if `why` is non-null, says why.
bool ValidateFp8Format(const Fp8Format& format, std::string* why);

// ---- Scalar conversions. The format must be valid. ----

// float -> FP8, round to nearest even. NaN -> 0x7F (CUDA's canonical NaN).
uint8_t FloatToFp8(float x, const Fp8Format& format,
                   Fp8Saturation saturation = Fp8Saturation::kSatFinite);
// FP8 -> float, exact. NaN codes decode to a quiet NaN with the code's sign.
float Fp8ToFloat(uint8_t code, const Fp8Format& format);
// FP8 -> bf16 bits, exact (every FP8 value is a bf16 value).
uint16_t Fp8ToBf16(uint8_t code, const Fp8Format& format);

// Fast paths for the two OCP formats (same results as the generic ones).
uint8_t FloatToE4M3(float x, Fp8Saturation saturation = Fp8Saturation::kSatFinite);
uint8_t FloatToE5M2(float x, Fp8Saturation saturation = Fp8Saturation::kSatFinite);
float E4M3ToFloat(uint8_t code);
float E5M2ToFloat(uint8_t code);

// bf16 <-> float. bf16 -> float is exact; float -> bf16 rounds to nearest even
// (NaN stays a quiet NaN).
float Bf16ToFloat(uint16_t bits);
uint16_t FloatToBf16(float x);

// IEEE binary16 <-> float, same rules (overflow rounds to infinity).
float F16ToFloat(uint16_t bits);
uint16_t FloatToF16(float x);

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_FP8_FORMAT_H_
