// Test-only: an independent, obviously correct model of the FP8 family.
// Values come from the textbook formula; rounding is a search over the sorted
// grid of finite values with ties going to the even code. Nothing here shares
// code with the implementation under test.
#ifndef FP8SDK_SDK_NUMERICS_FP8_TEST_UTIL_H_
#define FP8SDK_SDK_NUMERICS_FP8_TEST_UTIL_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace testing {

inline float BitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint32_t FloatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

enum class CodeKind { kFinite, kInf, kNan };

inline CodeKind KindOf(uint8_t code, const Fp8Format& f) {
  const int mag = code & 0x7F;
  const int e = mag >> f.man_bits;
  const int m = mag & ((1 << f.man_bits) - 1);
  const int e_max = (1 << f.exp_bits) - 1;
  switch (f.specials) {
    case Fp8Specials::kFiniteOnly:
      return CodeKind::kFinite;
    case Fp8Specials::kNanOnly:
      return mag == 0x7F ? CodeKind::kNan : CodeKind::kFinite;
    case Fp8Specials::kIeee:
      if (e == e_max) return m == 0 ? CodeKind::kInf : CodeKind::kNan;
      return CodeKind::kFinite;
  }
  return CodeKind::kFinite;
}

// (-1)^s * 2^(1 - bias) * (m / 2^man) for e == 0, else (-1)^s * 2^(e - bias) *
// (1 + m / 2^man).
inline double ReferenceValue(uint8_t code, const Fp8Format& f) {
  const CodeKind kind = KindOf(code, f);
  const double sign = (code & 0x80) ? -1.0 : 1.0;
  if (kind == CodeKind::kNan) return std::numeric_limits<double>::quiet_NaN();
  if (kind == CodeKind::kInf) return sign * std::numeric_limits<double>::infinity();
  const int mag = code & 0x7F;
  const int e = mag >> f.man_bits;
  const int m = mag & ((1 << f.man_bits) - 1);
  const double frac = static_cast<double>(m) / static_cast<double>(1 << f.man_bits);
  if (e == 0) return sign * std::ldexp(frac, 1 - f.bias);
  return sign * std::ldexp(1.0 + frac, e - f.bias);
}

// Round-to-nearest-even by grid search, with the saturation rules of
// fp8_format.h. Slow; for tests only.
class ReferenceEncoder {
 public:
  explicit ReferenceEncoder(const Fp8Format& f) : f_(f) {
    for (int c = 0; c < 128; ++c) {
      if (KindOf(static_cast<uint8_t>(c), f) == CodeKind::kFinite) {
        grid_.push_back(ReferenceValue(static_cast<uint8_t>(c), f));
        codes_.push_back(static_cast<uint8_t>(c));
      }
    }
  }

  uint8_t Encode(float x, Fp8Saturation sat) const {
    if (std::isnan(x)) return 0x7F;
    const uint8_t sign = std::signbit(x) ? 0x80 : 0x00;
    const double a = std::fabs(static_cast<double>(x));
    const double max = grid_.back();
    const uint8_t max_code = codes_.back();
    uint8_t overflow = max_code;
    if (sat == Fp8Saturation::kNoSat && f_.specials == Fp8Specials::kIeee) {
      overflow = static_cast<uint8_t>(((1 << f_.exp_bits) - 1) << f_.man_bits);
    } else if (sat == Fp8Saturation::kNoSat && f_.specials == Fp8Specials::kNanOnly) {
      overflow = 0x7F;
    }
    if (std::isinf(a)) return static_cast<uint8_t>(overflow | sign);
    // Above the largest value: would round past it unless within half an ulp
    // (with the tie going to the even neighbour).
    if (a > max) {
      const double ulp = max - grid_[grid_.size() - 2];
      const double mid = max + ulp / 2;
      const bool max_is_even = (max_code & 1) == 0;
      if (a < mid || (a == mid && max_is_even)) return static_cast<uint8_t>(max_code | sign);
      return static_cast<uint8_t>(overflow | sign);
    }
    size_t lo = 0, hi = grid_.size() - 1;
    while (hi - lo > 1) {
      const size_t mid = (lo + hi) / 2;
      if (grid_[mid] <= a)
        lo = mid;
      else
        hi = mid;
    }
    if (grid_[hi] <= a) lo = hi;
    if (grid_[lo] == a) return static_cast<uint8_t>(codes_[lo] | sign);
    const double d_lo = a - grid_[lo], d_hi = grid_[hi] - a;
    uint8_t c;
    if (d_lo < d_hi)
      c = codes_[lo];
    else if (d_hi < d_lo)
      c = codes_[hi];
    else
      c = (codes_[lo] & 1) ? codes_[hi] : codes_[lo];
    return static_cast<uint8_t>(c | sign);
  }

  const std::vector<double>& grid() const { return grid_; }

 private:
  Fp8Format f_;
  std::vector<double> grid_;
  std::vector<uint8_t> codes_;
};

// Every format the tests cover: the OCP pair and the simulated family at
// default and shifted biases.
inline std::vector<Fp8Format> AllTestFormats() {
  std::vector<Fp8Format> v = {kE4M3, kE5M2};
  for (int e = 2; e <= 5; ++e) {
    const int def = (1 << (e - 1)) - 1;
    v.push_back(SimulatedFp8Format(e));
    v.push_back(SimulatedFp8Format(e, def + 5));
    v.push_back(SimulatedFp8Format(e, def - 9));
    // The smallest subnormal 2^-126: float denormals round onto its grid.
    v.push_back(SimulatedFp8Format(e, 127 - (7 - e)));
  }
  return v;
}

}  // namespace testing
}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_FP8_TEST_UTIL_H_
