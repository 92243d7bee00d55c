#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/file_header.h"

namespace fp8sdk {
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 (iSCSI) test vectors.
  std::vector<uint8_t> zeros(32, 0), ones(32, 0xFF), inc(32);
  for (int i = 0; i < 32; ++i) inc[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  EXPECT_EQ(format::Crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(format::Crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(format::Crc32c(inc.data(), inc.size()), 0x46DD794Eu);
  const std::string s = "123456789";
  EXPECT_EQ(format::Crc32c(s.data(), s.size()), 0xE3069283u);
}

TEST(Crc32c, Continues) {
  const std::string s = "the quick brown fox jumps over the lazy dog";
  const uint32_t whole = format::Crc32c(s.data(), s.size());
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    EXPECT_EQ(format::Crc32c(s.data() + cut, s.size() - cut, format::Crc32c(s.data(), cut)), whole);
  }
}

}  // namespace
}  // namespace fp8sdk
