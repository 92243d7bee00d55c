#include "backends/common/device_ops.h"

#include <gtest/gtest.h>

namespace fp8sdk {
namespace backend {
namespace {

TEST(ExactInHalfTest, StandardFormatsAndInt8AreExactInHalfPrecision) {
  EXPECT_TRUE(ExactInHalf(CodeTable(DType::kFP8_E4M3, kE4M3)));
  EXPECT_TRUE(ExactInHalf(CodeTable(DType::kFP8_E5M2, kE5M2)));
  EXPECT_TRUE(ExactInHalf(CodeTable(DType::kINT8, kE4M3)));
}

TEST(ExactInHalfTest, FormatsOutsideHalfPrecisionAreNot) {
  // E5M2 with its specials as finite values reaches 2^16 * 1.75 > 65504.
  EXPECT_FALSE(ExactInHalf(CodeTable(DType::kFP8_CUSTOM, SimulatedFp8Format(5))));
  // A bias far from the standard one puts the small values below 2^-24.
  EXPECT_FALSE(ExactInHalf(CodeTable(DType::kFP8_CUSTOM, SimulatedFp8Format(4, 30))));
  EXPECT_FALSE(ExactInHalf({1.0f, 1.0f + 1.0f / 4096.0f}));  // 12 significant bits
  EXPECT_TRUE(ExactInHalf({0.0f, -0.0f, 65504.0f, 5.9604645e-8f}));
}

}  // namespace
}  // namespace backend
}  // namespace fp8sdk
