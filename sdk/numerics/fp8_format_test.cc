#include "sdk/numerics/fp8_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "sdk/numerics/fp8_test_util.h"

namespace fp8sdk {
namespace {

using testing::BitsToFloat;
using testing::FloatToBits;
using testing::ReferenceEncoder;
using testing::ReferenceValue;

constexpr Fp8Saturation kSat = Fp8Saturation::kSatFinite;
constexpr Fp8Saturation kNoSat = Fp8Saturation::kNoSat;

TEST(Fp8Format, OcpConstants) {
  EXPECT_EQ(kE4M3.MaxFinite(), 448.0f);
  EXPECT_EQ(kE4M3.MaxFiniteCode(), 0x7E);
  EXPECT_EQ(kE4M3.MinNormal(), std::ldexp(1.0f, -6));
  EXPECT_EQ(kE4M3.MinSubnormal(), std::ldexp(1.0f, -9));
  EXPECT_FALSE(kE4M3.HasInfinity());
  EXPECT_TRUE(kE4M3.HasNan());
  EXPECT_EQ(kE5M2.MaxFinite(), 57344.0f);
  EXPECT_EQ(kE5M2.MaxFiniteCode(), 0x7B);
  EXPECT_EQ(kE5M2.MinNormal(), std::ldexp(1.0f, -14));
  EXPECT_EQ(kE5M2.MinSubnormal(), std::ldexp(1.0f, -16));
  EXPECT_TRUE(kE5M2.HasInfinity());
  EXPECT_EQ(kE4M3.Name(), "E4M3");
  EXPECT_EQ(kE5M2.Name(), "E5M2");
  EXPECT_EQ(SimulatedFp8Format(3).Name(), "E3M4(bias=3,finite)");
}

TEST(Fp8Format, SimulatedFamilyRanges) {
  // Finite-only: the all-ones code is the largest value.
  EXPECT_EQ(SimulatedFp8Format(2).MaxFinite(), 1.96875f * 4.0f);   // E2M5, bias 1
  EXPECT_EQ(SimulatedFp8Format(3).MaxFinite(), 1.9375f * 16.0f);   // E3M4, bias 3
  EXPECT_EQ(SimulatedFp8Format(4).MaxFinite(), 480.0f);            // E4M3, bias 7
  EXPECT_EQ(SimulatedFp8Format(5).MaxFinite(), 1.75f * 65536.0f);  // E5M2, bias 15
  // A bias is a power-of-two scale.
  EXPECT_EQ(SimulatedFp8Format(3, 5).MaxFinite(), SimulatedFp8Format(3).MaxFinite() / 4.0f);
}

TEST(Fp8Format, Validation) {
  std::string why;
  for (const Fp8Format& f : testing::AllTestFormats()) {
    EXPECT_TRUE(ValidateFp8Format(f, &why)) << f.Name() << ": " << why;
  }
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{1, 6, 0, Fp8Specials::kFiniteOnly}, &why));
  EXPECT_NE(why.find("exponent bits"), std::string::npos) << why;
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{6, 1, 31, Fp8Specials::kFiniteOnly}, &why));
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{4, 4, 7, Fp8Specials::kNanOnly}, &why));
  EXPECT_NE(why.find("mantissa"), std::string::npos) << why;
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{4, 3, 125, Fp8Specials::kNanOnly}, &why));
  EXPECT_NE(why.find("bias 125"), std::string::npos) << why;
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{4, 3, -120, Fp8Specials::kNanOnly}, &why));
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{4, 3, 7, static_cast<Fp8Specials>(9)}, &why));
  EXPECT_TRUE(ValidateFp8Format(kE4M3, nullptr));
  EXPECT_FALSE(ValidateFp8Format(Fp8Format{1, 6, 0, Fp8Specials::kFiniteOnly}, nullptr));
}

// All 256 codes of every format decode to exactly the textbook value.
TEST(Fp8Format, AllCodesDecodeExactly) {
  for (const Fp8Format& f : testing::AllTestFormats()) {
    for (int c = 0; c < 256; ++c) {
      const uint8_t code = static_cast<uint8_t>(c);
      const double want = ReferenceValue(code, f);
      const float got = Fp8ToFloat(code, f);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << f.Name() << " code " << c;
        EXPECT_EQ(std::signbit(got), (c & 0x80) != 0) << f.Name() << " code " << c;
      } else {
        EXPECT_EQ(static_cast<double>(got), want) << f.Name() << " code " << c;
        EXPECT_EQ(std::signbit(got), (c & 0x80) != 0) << f.Name() << " code " << c;
      }
      // bf16 decoding is exact too: it is the same value.
      const float via_bf16 = Bf16ToFloat(Fp8ToBf16(code, f));
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(via_bf16));
      } else {
        EXPECT_EQ(FloatToBits(via_bf16), FloatToBits(got)) << f.Name() << " code " << c;
      }
    }
  }
}

TEST(Fp8Format, OcpFastPathsMatchGeneric) {
  for (int c = 0; c < 256; ++c) {
    const uint8_t code = static_cast<uint8_t>(c);
    EXPECT_EQ(FloatToBits(E4M3ToFloat(code)), FloatToBits(Fp8ToFloat(code, kE4M3)));
    EXPECT_EQ(FloatToBits(E5M2ToFloat(code)), FloatToBits(Fp8ToFloat(code, kE5M2)));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const float x = BitsToFloat(rng());
    for (Fp8Saturation s : {kSat, kNoSat}) {
      ASSERT_EQ(FloatToE4M3(x, s), FloatToFp8(x, kE4M3, s)) << x;
      ASSERT_EQ(FloatToE5M2(x, s), FloatToFp8(x, kE5M2, s)) << x;
    }
  }
}

TEST(Fp8Format, E4M3EdgeCases) {
  EXPECT_EQ(FloatToE4M3(0.0f), 0x00);
  EXPECT_EQ(FloatToE4M3(-0.0f), 0x80);
  EXPECT_EQ(FloatToE4M3(1.0f), 0x38);
  EXPECT_EQ(FloatToE4M3(-2.0f), 0xC0);
  EXPECT_EQ(FloatToE4M3(448.0f), 0x7E);
  EXPECT_EQ(FloatToE4M3(-448.0f), 0xFE);
  // 464 is the midpoint of 448 and (unrepresentable) 480: ties to the even 448.
  EXPECT_EQ(FloatToE4M3(464.0f, kNoSat), 0x7E);
  const float above_mid = std::nextafter(464.0f, 1e9f);
  EXPECT_EQ(FloatToE4M3(above_mid, kSat), 0x7E);
  EXPECT_EQ(FloatToE4M3(above_mid, kNoSat), 0x7F);
  EXPECT_EQ(FloatToE4M3(-1e30f, kSat), 0xFE);
  EXPECT_EQ(FloatToE4M3(-1e30f, kNoSat), 0xFF);
  EXPECT_EQ(FloatToE4M3(INFINITY, kSat), 0x7E);
  EXPECT_EQ(FloatToE4M3(-INFINITY, kSat), 0xFE);
  EXPECT_EQ(FloatToE4M3(INFINITY, kNoSat), 0x7F);
  EXPECT_EQ(FloatToE4M3(-INFINITY, kNoSat), 0xFF);
  EXPECT_EQ(FloatToE4M3(NAN), 0x7F);
  EXPECT_EQ(FloatToE4M3(-NAN), 0x7F);
  // Subnormals: 2^-9 is the smallest; half of it ties to zero.
  EXPECT_EQ(FloatToE4M3(std::ldexp(1.0f, -9)), 0x01);
  EXPECT_EQ(FloatToE4M3(std::ldexp(1.0f, -10)), 0x00);
  EXPECT_EQ(FloatToE4M3(-std::ldexp(1.0f, -10)), 0x80);
  EXPECT_EQ(FloatToE4M3(std::nextafter(std::ldexp(1.0f, -10), 1.0f)), 0x01);
  EXPECT_EQ(FloatToE4M3(3 * std::ldexp(1.0f, -10)), 0x02);  // 1.5 ties to 2
  EXPECT_EQ(FloatToE4M3(5 * std::ldexp(1.0f, -10)), 0x02);  // 2.5 ties to 2
  EXPECT_EQ(FloatToE4M3(std::ldexp(1.0f, -6)), 0x08);       // min normal
  EXPECT_EQ(FloatToE4M3(std::ldexp(15.5f, -10)), 0x08);     // 7.75 * 2^-9 rounds up to normal
  EXPECT_EQ(FloatToE4M3(std::numeric_limits<float>::denorm_min()), 0x00);
  EXPECT_EQ(FloatToE4M3(1.0625f), 0x38);  // tie to even mantissa 000
  EXPECT_EQ(FloatToE4M3(1.1875f), 0x3A);  // tie to even mantissa 010
  EXPECT_EQ(E4M3ToFloat(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(E4M3ToFloat(0x7E), 448.0f);
  EXPECT_TRUE(std::isnan(E4M3ToFloat(0x7F)));
  EXPECT_TRUE(std::isnan(E4M3ToFloat(0xFF)));
}

TEST(Fp8Format, E5M2EdgeCases) {
  EXPECT_EQ(FloatToE5M2(57344.0f), 0x7B);
  EXPECT_EQ(FloatToE5M2(61440.0f, kSat), 0x7B);  // the tie would round to inf
  EXPECT_EQ(FloatToE5M2(61440.0f, kNoSat), 0x7C);
  EXPECT_EQ(FloatToE5M2(std::nextafter(61440.0f, 0.0f), kNoSat), 0x7B);
  EXPECT_EQ(FloatToE5M2(INFINITY, kNoSat), 0x7C);
  EXPECT_EQ(FloatToE5M2(-INFINITY, kNoSat), 0xFC);
  EXPECT_EQ(FloatToE5M2(INFINITY, kSat), 0x7B);
  EXPECT_EQ(FloatToE5M2(-INFINITY, kSat), 0xFB);
  EXPECT_EQ(FloatToE5M2(NAN), 0x7F);
  EXPECT_EQ(FloatToE5M2(std::ldexp(1.0f, -16)), 0x01);
  EXPECT_EQ(FloatToE5M2(std::ldexp(1.0f, -17)), 0x00);
  EXPECT_EQ(FloatToE5M2(std::ldexp(1.0f, -14)), 0x04);
  EXPECT_EQ(E5M2ToFloat(0x7C), INFINITY);
  EXPECT_EQ(E5M2ToFloat(0xFC), -INFINITY);
  for (uint8_t c : {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}) EXPECT_TRUE(std::isnan(E5M2ToFloat(c)));
}

// Round-trip, ties, near-ties and random inputs against the grid-search model
// for every format of the family.
TEST(Fp8Format, EncodeMatchesGridSearchModel) {
  std::mt19937 rng(1234);
  for (const Fp8Format& f : testing::AllTestFormats()) {
    const ReferenceEncoder ref(f);
    std::vector<float> probes;
    const auto& g = ref.grid();
    for (size_t i = 0; i < g.size(); ++i) {
      const float v = static_cast<float>(g[i]);
      probes.push_back(v);
      if (i + 1 < g.size()) {
        const float mid = static_cast<float>((g[i] + g[i + 1]) / 2);  // exact
        probes.push_back(mid);
        probes.push_back(std::nextafter(mid, 0.0f));
        probes.push_back(std::nextafter(mid, INFINITY));
      }
    }
    const float top_mid = static_cast<float>(g.back() + (g.back() - g[g.size() - 2]) / 2);
    probes.push_back(top_mid);
    probes.push_back(std::nextafter(top_mid, 0.0f));
    probes.push_back(std::nextafter(top_mid, INFINITY));
    probes.push_back(static_cast<float>(g[1] / 2));
    probes.push_back(std::nextafter(static_cast<float>(g[1] / 2), INFINITY));
    probes.push_back(INFINITY);
    probes.push_back(std::numeric_limits<float>::max());
    probes.push_back(std::numeric_limits<float>::denorm_min());
    probes.push_back(std::numeric_limits<float>::min());
    for (int i = 0; i < 100000; ++i) probes.push_back(BitsToFloat(rng()));
    for (int i = 0; i < 100000; ++i) {
      // Random values concentrated on the format's range.
      std::uniform_real_distribution<float> u(-1.2f * static_cast<float>(g.back()),
                                              1.2f * static_cast<float>(g.back()));
      probes.push_back(u(rng) * std::ldexp(1.0f, -static_cast<int>(rng() % 12)));
    }
    for (float p : probes) {
      for (float x : {p, -p}) {
        for (Fp8Saturation s : {kSat, kNoSat}) {
          ASSERT_EQ(FloatToFp8(x, f, s), ref.Encode(x, s))
              << f.Name() << " x=" << x << " bits=0x" << std::hex << FloatToBits(x)
              << " sat=" << static_cast<int>(s);
        }
      }
    }
  }
}

TEST(Fp8Format, Bf16Conversions) {
  EXPECT_EQ(FloatToBf16(1.0f), 0x3F80);
  EXPECT_EQ(Bf16ToFloat(0x3F80), 1.0f);
  // 1 + 2^-8 is the midpoint of 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(FloatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3F80);
  EXPECT_EQ(FloatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3F82);
  EXPECT_TRUE(std::isnan(Bf16ToFloat(FloatToBf16(NAN))));
  EXPECT_EQ(FloatToBf16(INFINITY), 0x7F80);
  // Every bf16 round-trips.
  for (uint32_t b = 0; b < 0x10000; ++b) {
    const float f = Bf16ToFloat(static_cast<uint16_t>(b));
    if (!std::isnan(f)) {
      ASSERT_EQ(FloatToBf16(f), b);
    }
  }
}

}  // namespace
}  // namespace fp8sdk
