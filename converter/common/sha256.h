// SHA-256 (FIPS 180-4) of files and buffers, for model provenance.
#ifndef FP8SDK_CONVERTER_COMMON_SHA256_H_
#define FP8SDK_CONVERTER_COMMON_SHA256_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "sdk/runtime/status.h"

namespace fp8sdk {
namespace convert {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t size);
  std::string HexDigest();  // finishes; call once

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string Sha256Hex(const void* data, size_t size);
Result<std::string> Sha256File(const std::string& path);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_COMMON_SHA256_H_
