#include <array>
#include <cstring>

#include "formats/file_header.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace fp8sdk {
namespace format {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

struct Tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  Tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1u) ? kPoly : 0u);
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
  }
};

uint32_t Crc32cSoftware(const uint8_t* p, size_t n, uint32_t crc) {
  static const Tables tables;
  const auto& t = tables.t;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    v ^= crc;
    crc = t[7][v & 0xFF] ^ t[6][(v >> 8) & 0xFF] ^ t[5][(v >> 16) & 0xFF] ^ t[4][(v >> 24) & 0xFF] ^
          t[3][(v >> 32) & 0xFF] ^ t[2][(v >> 40) & 0xFF] ^ t[1][(v >> 48) & 0xFF] ^ t[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n--) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(const uint8_t* p, size_t n,
                                                          uint32_t crc) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}
#endif

}  // namespace

uint32_t Crc32c(const void* data, size_t size, uint32_t crc) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  static const bool hw = __builtin_cpu_supports("sse4.2");
  crc = hw ? Crc32cHardware(p, size, crc) : Crc32cSoftware(p, size, crc);
#else
  crc = Crc32cSoftware(p, size, crc);
#endif
  return ~crc;
}

void RefreshChecksums(uint8_t* bytes, size_t size) {
  if (size < kHeaderSize) return;
  FileHeader h;
  std::memcpy(&h, bytes, sizeof(h));
  if (h.flatbuffer_size <= size - kHeaderSize) {
    h.flatbuffer_crc32c = Crc32c(bytes + kHeaderSize, h.flatbuffer_size);
  }
  if (h.data_offset <= size && h.data_size <= size - h.data_offset) {
    h.data_crc32c = Crc32c(bytes + h.data_offset, h.data_size);
  }
  h.header_crc32c = Crc32c(&h, kHeaderCrcCoverage);
  std::memcpy(bytes, &h, sizeof(h));
}

}  // namespace format
}  // namespace fp8sdk
