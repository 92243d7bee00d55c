// Every vectorized kernel equals the scalar definition bit for bit (the
// exhaustive test repeats this over all 2^32 floats for the OCP formats).
#include "sdk/numerics/fp8_convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "sdk/numerics/fp8_dispatch.h"
#include "sdk/numerics/fp8_params.h"
#include "sdk/numerics/fp8_test_util.h"

namespace fp8sdk {
namespace {

using testing::BitsToFloat;
using testing::FloatToBits;

std::vector<CpuIsa> SupportedVectorIsas() {
  std::vector<CpuIsa> v;
  for (CpuIsa isa : {CpuIsa::kAvx2, CpuIsa::kAvx512}) {
    if (CpuSupports(isa)) v.push_back(isa);
  }
  return v;
}

// Inputs that reach every branch: specials, each exponent with random
// mantissas, tie patterns, plus uniformly random bit patterns.
std::vector<float> TestInputs() {
  std::vector<float> v = {0.0f,
                          -0.0f,
                          INFINITY,
                          -INFINITY,
                          NAN,
                          -NAN,
                          std::numeric_limits<float>::max(),
                          std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::min()};
  std::mt19937 rng(42);
  for (uint32_t e = 0; e < 256; ++e) {
    for (int i = 0; i < 64; ++i) {
      const uint32_t mant = rng() & 0x7FFFFF;
      v.push_back(BitsToFloat((e << 23) | mant));
      v.push_back(BitsToFloat((e << 23) | (mant & 0x7C0000) | 0x40000));  // tie-ish patterns
      v.push_back(BitsToFloat(0x80000000u | (e << 23) | (mant & 0x780000) | 0x80000));
    }
  }
  for (int i = 0; i < 300000; ++i) v.push_back(BitsToFloat(rng()));
  return v;
}

TEST(Fp8Convert, ReportsIsa) {
  EXPECT_TRUE(CpuSupports(CpuIsa::kScalar));
  std::printf("active ISA: %s (avx2 %s, avx512 %s)\n", CpuIsaName(ActiveCpuIsa()),
              CpuSupports(CpuIsa::kAvx2) ? "yes" : "no",
              CpuSupports(CpuIsa::kAvx512) ? "yes" : "no");
  EXPECT_STREQ(internal::KernelsFor(CpuIsa::kScalar).name, "scalar");
}

TEST(Fp8Convert, VectorEncodeEqualsScalar) {
  const std::vector<float> in = TestInputs();
  std::vector<uint8_t> want(in.size()), got(in.size());
  for (const Fp8Format& f : testing::AllTestFormats()) {
    for (Fp8Saturation s : {Fp8Saturation::kSatFinite, Fp8Saturation::kNoSat}) {
      ConvertFloatToFp8(in.data(), want.data(), in.size(), f, s, CpuIsa::kScalar);
      // The scalar kernel is the scalar definition.
      for (size_t i = 0; i < in.size(); i += 97) ASSERT_EQ(want[i], FloatToFp8(in[i], f, s));
      for (CpuIsa isa : SupportedVectorIsas()) {
        // Odd lengths and offsets exercise the tails.
        for (size_t off : {size_t{0}, size_t{3}}) {
          const size_t n = in.size() - off - 5;
          std::fill(got.begin(), got.end(), 0xAA);
          ConvertFloatToFp8(in.data() + off, got.data() + off, n, f, s, isa);
          for (size_t i = 0; i < n; ++i) {
            ASSERT_EQ(got[off + i], want[off + i]) << CpuIsaName(isa) << " " << f.Name() << " x=0x"
                                                   << std::hex << FloatToBits(in[off + i]);
          }
          // Nothing written past the end.
          for (size_t i = off + n; i < got.size(); ++i) ASSERT_EQ(got[i], 0xAA);
          for (size_t i = 0; i < off; ++i) ASSERT_EQ(got[i], 0xAA);
        }
      }
    }
  }
}

TEST(Fp8Convert, VectorDecodeEqualsScalarAllLengths) {
  std::vector<uint8_t> codes;
  for (int rep = 0; rep < 3; ++rep) {
    for (int c = 0; c < 256; ++c) codes.push_back(static_cast<uint8_t>((c * 37 + rep) & 0xFF));
  }
  for (const Fp8Format& f : testing::AllTestFormats()) {
    std::vector<float> want_f(codes.size());
    std::vector<uint16_t> want_b(codes.size());
    ConvertFp8ToFloat(codes.data(), want_f.data(), codes.size(), f, CpuIsa::kScalar);
    ConvertFp8ToBf16(codes.data(), want_b.data(), codes.size(), f, CpuIsa::kScalar);
    for (size_t i = 0; i < codes.size(); ++i) {
      ASSERT_EQ(FloatToBits(want_f[i]), FloatToBits(Fp8ToFloat(codes[i], f)));
      ASSERT_EQ(want_b[i], Fp8ToBf16(codes[i], f));
    }
    for (CpuIsa isa : SupportedVectorIsas()) {
      for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{15}, size_t{16}, size_t{17},
                       size_t{63}, size_t{64}, size_t{65}, size_t{255}, codes.size()}) {
        std::vector<float> got_f(codes.size() + 1, -7.0f);
        std::vector<uint16_t> got_b(codes.size() + 1, 0xBEEF);
        ConvertFp8ToFloat(codes.data(), got_f.data(), n, f, isa);
        ConvertFp8ToBf16(codes.data(), got_b.data(), n, f, isa);
        for (size_t i = 0; i < n; ++i) {
          ASSERT_EQ(FloatToBits(got_f[i]), FloatToBits(want_f[i]))
              << CpuIsaName(isa) << " " << f.Name() << " code " << int{codes[i]};
          ASSERT_EQ(got_b[i], want_b[i]) << CpuIsaName(isa) << " " << f.Name();
        }
        ASSERT_EQ(got_f[n], -7.0f);
        ASSERT_EQ(got_b[n], 0xBEEF);
      }
    }
  }
}

TEST(Fp8Convert, AbsMaxAllPaths) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  for (size_t n : {size_t{0}, size_t{1}, size_t{9}, size_t{16}, size_t{1000}, size_t{4099}}) {
    std::vector<float> x(n);
    for (float& v : x) v = nd(rng);
    float want = 0.0f;
    for (float v : x) want = std::max(want, std::fabs(v));
    for (CpuIsa isa : {CpuIsa::kScalar, CpuIsa::kAvx2, CpuIsa::kAvx512}) {
      EXPECT_EQ(AbsMax(x.data(), n, isa), want) << CpuIsaName(isa) << " n=" << n;
      if (n > 0) {
        std::vector<float> y = x;
        y[n - 1] = -INFINITY;
        EXPECT_EQ(AbsMax(y.data(), n, isa), INFINITY) << CpuIsaName(isa);
        y[n / 2] = NAN;
        EXPECT_TRUE(std::isnan(AbsMax(y.data(), n, isa))) << CpuIsaName(isa) << " n=" << n;
      }
    }
  }
}

}  // namespace
}  // namespace fp8sdk
