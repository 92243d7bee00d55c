#include "sdk/numerics/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "sdk/numerics/fp8_test_util.h"

namespace fp8sdk {
namespace {

const CpuIsa kAllIsas[] = {CpuIsa::kScalar, CpuIsa::kAvx2, CpuIsa::kAvx512};

TEST(Quantize, ScaleForAmax) {
  EXPECT_EQ(Fp8ScaleForAmax(448.0f, kE4M3), 1.0f);
  EXPECT_EQ(Fp8ScaleForAmax(896.0f, kE4M3), 2.0f);
  EXPECT_EQ(Fp8ScaleForAmax(57344.0f, kE5M2), 1.0f);
  EXPECT_EQ(Int8ScaleForAmax(127.0f), 1.0f);
  for (float bad : {0.0f, -1.0f, NAN, INFINITY}) {
    EXPECT_EQ(Fp8ScaleForAmax(bad, kE4M3), 1.0f) << bad;
    EXPECT_EQ(Int8ScaleForAmax(bad), 1.0f) << bad;
  }
  EXPECT_EQ(Fp8ScaleForAmax(std::numeric_limits<float>::denorm_min(), kE4M3), 1.0f);
}

TEST(Quantize, Fp8PerTensorIsEncodeOfProductWithReciprocal) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 2.5f);
  std::vector<float> x(5003);
  for (float& v : x) v = nd(rng);
  const float scale = Fp8ScaleForAmax(AbsMax(x.data(), x.size()), kE4M3);
  const float mul = 1.0f / scale;
  for (CpuIsa isa : kAllIsas) {
    std::vector<uint8_t> q(x.size());
    std::vector<float> dq(x.size());
    QuantizeFp8(x.data(), q.data(), x.size(), scale, kE4M3, Fp8Saturation::kSatFinite, isa);
    DequantizeFp8(q.data(), dq.data(), x.size(), scale, kE4M3, isa);
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(q[i], FloatToE4M3(x[i] * mul)) << i;
      ASSERT_EQ(dq[i], E4M3ToFloat(q[i]) * scale) << i;
      // Relative error of E4M3 is at most 2^-4 for normal values.
      if (std::fabs(x[i] * mul) >= kE4M3.MinNormal()) {
        ASSERT_LE(std::fabs(dq[i] - x[i]), std::fabs(x[i]) * 0.0625f + 1e-7f) << i;
      }
    }
  }
}

// QuantizeFp8ToBf16 is ConvertFp8ToBf16(QuantizeFp8(...)) bit for bit: on
// every 4099th float bit pattern, every code's value, its neighbouring floats
// and the midpoints between codes (the ties), specials, for every ISA (the
// machine's best at most), format (E4M3, E5M2, a finite-only format where
// NaN encodes to the largest code, other biases and splits), saturation mode
// and a tail that is not a multiple of the vector width.
TEST(Quantize, Fp8ToBf16IsQuantizeThenDecode) {
  const Fp8Format formats[] = {kE4M3, kE5M2, Fp8Format{4, 3, 8, Fp8Specials::kFiniteOnly},
                               Fp8Format{3, 4, 3, Fp8Specials::kIeee},
                               Fp8Format{5, 2, 16, Fp8Specials::kNanOnly}};
  for (const Fp8Format& f : formats) {
    ASSERT_TRUE(ValidateFp8Format(f, nullptr)) << f.Name();
    std::vector<float> x;
    for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 4099) {
      x.push_back(testing::BitsToFloat(static_cast<uint32_t>(u)));
    }
    for (int c = 0; c < 256; ++c) {
      const float v = Fp8ToFloat(static_cast<uint8_t>(c), f);
      const float w = Fp8ToFloat(static_cast<uint8_t>(c + 1), f);
      for (float y : {v, std::nextafter(v, INFINITY), std::nextafter(v, -INFINITY), (v + w) / 2,
                      std::nextafter((v + w) / 2, 0.0f), -v}) {
        x.push_back(y);
      }
    }
    for (float y : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, -NAN, 1e-45f, -1e-45f, 1e-38f, 3e38f}) {
      x.push_back(y);
    }
    x.resize(x.size() / 16 * 16 + 13);
    for (Fp8Saturation sat : {Fp8Saturation::kSatFinite, Fp8Saturation::kNoSat}) {
      for (float scale : {1.0f, 0.37f, 3.0f}) {
        std::vector<uint8_t> codes(x.size());
        std::vector<uint16_t> want(x.size()), got(x.size());
        QuantizeFp8(x.data(), codes.data(), x.size(), scale, f, sat, CpuIsa::kScalar);
        ConvertFp8ToBf16(codes.data(), want.data(), x.size(), f, CpuIsa::kScalar);
        for (CpuIsa isa : kAllIsas) {
          QuantizeFp8ToBf16(x.data(), got.data(), x.size(), scale, f, sat, isa);
          for (size_t i = 0; i < x.size(); ++i) {
            ASSERT_EQ(got[i], want[i]) << CpuIsaName(isa) << " " << f.Name() << " x=" << x[i]
                                       << " scale=" << scale << " i=" << i;
          }
        }
      }
    }
  }
}

TEST(Quantize, Int8RoundsHalfToEvenAndClamps) {
  const std::vector<float> x = {0.5f,  1.5f,     2.5f,      -0.5f,       -1.5f,
                                -2.5f, 126.5f,   127.49f,   300.0f,      -300.0f,
                                NAN,   INFINITY, -INFINITY, 0.49999997f, -3.7f};
  const std::vector<int8_t> want = {0, 2, 2, 0, -2, -2, 126, 127, 127, -127, 0, 127, -127, 0, -4};
  for (CpuIsa isa : kAllIsas) {
    // Repeat the pattern so that vector bodies, not only tails, see it.
    std::vector<float> in;
    for (int r = 0; r < 5; ++r) in.insert(in.end(), x.begin(), x.end());
    std::vector<int8_t> q(in.size());
    QuantizeInt8(in.data(), q.data(), in.size(), 1.0f, isa);
    for (size_t i = 0; i < in.size(); ++i) {
      ASSERT_EQ(q[i], want[i % want.size()]) << CpuIsaName(isa) << " x=" << in[i];
    }
    std::vector<float> dq(in.size());
    DequantizeInt8(q.data(), dq.data(), q.size(), 0.5f, isa);
    for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(dq[i], q[i] * 0.5f);
  }
}

TEST(Quantize, ChannelLayout) {
  ChannelLayout l;
  ASSERT_TRUE(MakeChannelLayout({4, 6, 5}, 1, &l));
  EXPECT_EQ(l.outer, 4u);
  EXPECT_EQ(l.channels, 6u);
  EXPECT_EQ(l.inner, 5u);
  ASSERT_TRUE(MakeChannelLayout({4, 6, 5}, -1, &l));
  EXPECT_EQ(l.outer, 24u);
  EXPECT_EQ(l.channels, 5u);
  EXPECT_EQ(l.inner, 1u);
  EXPECT_FALSE(MakeChannelLayout({4, 6}, 2, &l));
  EXPECT_FALSE(MakeChannelLayout({4, 6}, -3, &l));
  EXPECT_FALSE(MakeChannelLayout({}, 0, &l));
  EXPECT_FALSE(MakeChannelLayout({4, -1}, 0, &l));
}

// Per-channel results equal per-tensor quantization of each channel alone,
// for the contiguous (axis 0) and strided (last axis) layouts.
TEST(Quantize, PerChannelMatchesPerTensorSlices) {
  std::mt19937 rng(11);
  const std::vector<int64_t> dims = {6, 37};
  std::vector<float> w(6 * 37);
  for (size_t i = 0; i < w.size(); ++i) {
    std::normal_distribution<float> nd(0.0f, 0.1f * static_cast<float>(1 + (i / 37) * (i % 7)));
    w[i] = nd(rng);
  }
  for (int axis : {0, 1}) {
    ChannelLayout l;
    ASSERT_TRUE(MakeChannelLayout(dims, axis, &l));
    std::vector<float> amax(l.channels), scales(l.channels);
    for (CpuIsa isa : kAllIsas) {
      AbsMaxPerChannel(w.data(), l, amax.data(), isa);
      for (size_t c = 0; c < l.channels; ++c) scales[c] = Fp8ScaleForAmax(amax[c], kE4M3);
      std::vector<uint8_t> q(w.size());
      std::vector<int8_t> q8(w.size());
      std::vector<float> dq(w.size()), dq8(w.size());
      QuantizeFp8PerChannel(w.data(), q.data(), l, scales.data(), kE4M3, Fp8Saturation::kSatFinite,
                            isa);
      DequantizeFp8PerChannel(q.data(), dq.data(), l, scales.data(), kE4M3, isa);
      std::vector<float> scales8(l.channels);
      for (size_t c = 0; c < l.channels; ++c) scales8[c] = Int8ScaleForAmax(amax[c]);
      QuantizeInt8PerChannel(w.data(), q8.data(), l, scales8.data(), isa);
      DequantizeInt8PerChannel(q8.data(), dq8.data(), l, scales8.data(), isa);
      for (size_t i = 0; i < w.size(); ++i) {
        const size_t c = axis == 0 ? i / 37 : i % 37;
        ASSERT_LE(std::fabs(w[i]), amax[c]);
        ASSERT_EQ(q[i], FloatToE4M3(w[i] * (1.0f / scales[c]))) << CpuIsaName(isa) << " " << i;
        ASSERT_EQ(dq[i], E4M3ToFloat(q[i]) * scales[c]);
        ASSERT_LE(std::abs(static_cast<int>(q8[i])), 127);
        ASSERT_LE(std::fabs(dq8[i] - w[i]), 0.5001f * scales8[c]) << i;
      }
      // The channel holding amax reaches the largest code.
      bool saw_max = false;
      for (uint8_t c : q) saw_max |= (c & 0x7F) == 0x7E;
      EXPECT_TRUE(saw_max);
    }
  }
}

TEST(Quantize, AbsMaxPerChannelPropagatesNan) {
  std::vector<float> x = {1, 2, 3, 4, -9, 6};
  ChannelLayout l;
  ASSERT_TRUE(MakeChannelLayout({2, 3}, 0, &l));
  float amax[2];
  AbsMaxPerChannel(x.data(), l, amax);
  EXPECT_EQ(amax[0], 3.0f);
  EXPECT_EQ(amax[1], 9.0f);
  x[1] = NAN;
  AbsMaxPerChannel(x.data(), l, amax);
  EXPECT_TRUE(std::isnan(amax[0]));
  EXPECT_EQ(amax[1], 9.0f);
  ASSERT_TRUE(MakeChannelLayout({2, 3}, 1, &l));
  float amax3[3];
  AbsMaxPerChannel(x.data(), l, amax3);
  EXPECT_EQ(amax3[0], 4.0f);
  EXPECT_TRUE(std::isnan(amax3[1]));
  EXPECT_EQ(amax3[2], 6.0f);
}

// The property the papers rest on: with heavy-tailed data, E4M3 keeps far
// more signal than INT8 at the same per-tensor min-max scale.
TEST(Quantize, Fp8BeatsInt8OnOutliers) {
  std::mt19937 rng(9);
  std::student_t_distribution<float> td(2.0f);
  std::vector<float> x(1 << 16);
  for (float& v : x) v = td(rng);
  const float amax = AbsMax(x.data(), x.size());
  std::vector<uint8_t> q(x.size());
  std::vector<int8_t> q8(x.size());
  std::vector<float> dq(x.size()), dq8(x.size());
  const float s = Fp8ScaleForAmax(amax, kE4M3), s8 = Int8ScaleForAmax(amax);
  QuantizeFp8(x.data(), q.data(), x.size(), s, kE4M3);
  DequantizeFp8(q.data(), dq.data(), x.size(), s, kE4M3);
  QuantizeInt8(x.data(), q8.data(), x.size(), s8);
  DequantizeInt8(q8.data(), dq8.data(), x.size(), s8);
  const double sqnr_fp8 = SqnrDb(x.data(), dq.data(), x.size());
  const double sqnr_int8 = SqnrDb(x.data(), dq8.data(), x.size());
  EXPECT_GT(sqnr_fp8, sqnr_int8 + 3.0) << sqnr_fp8 << " vs " << sqnr_int8;
}

TEST(Quantize, Sqnr) {
  const float a[] = {1, 2, 3};
  const float b[] = {1, 2, 3};
  const float c[] = {1.1f, 2, 3};
  EXPECT_TRUE(std::isinf(SqnrDb(a, b, 3)));
  EXPECT_NEAR(SqnrDb(a, c, 3), 10 * std::log10(14.0 / 0.01), 1e-3);
}

}  // namespace
}  // namespace fp8sdk
