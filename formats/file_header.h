// The fixed 64-byte header of a model file and the checksum it uses.
//
//   [0, 64)                      FileHeader (little-endian)
//   [64, 64 + flatbuffer_size)   the FlatBuffer (schema fp8model.fbs, id "FP8M")
//   [data_offset, + data_size)   constant data; data_offset and every buffer
//                                offset in it are multiples of 64
//
// See formats/README.md for the compatibility rules.
#ifndef FP8SDK_FORMATS_FILE_HEADER_H_
#define FP8SDK_FORMATS_FILE_HEADER_H_

#include <cstddef>
#include <cstdint>

namespace fp8sdk {
namespace format {

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fp8sdk model files are little-endian; big-endian hosts are not supported"
#endif

constexpr char kFileMagic[8] = {'F', 'P', '8', 'M', 'O', 'D', 'E', 'L'};
constexpr uint32_t kFormatMajor = 1;
constexpr uint32_t kFormatMinor = 0;
constexpr uint64_t kHeaderSize = 64;
constexpr uint64_t kDataAlignment = 64;

struct FileHeader {
  char magic[8];
  uint32_t header_size;        // 64
  uint32_t format_major;       // readers refuse another major
  uint32_t format_minor;       // additive changes
  uint32_t data_crc32c;        // of the data segment; checked on request
  uint64_t flatbuffer_offset;  // 64
  uint64_t flatbuffer_size;
  uint64_t data_offset;  // multiple of 64, >= flatbuffer end
  uint64_t data_size;
  uint32_t flatbuffer_crc32c;  // of the FlatBuffer bytes; always checked
  uint32_t header_crc32c;      // of bytes [0, 60) of this header
};
static_assert(sizeof(FileHeader) == kHeaderSize, "header layout");
constexpr size_t kHeaderCrcCoverage = 60;

// CRC-32C (Castagnoli), hardware-accelerated where the CPU has SSE4.2.
// `crc` continues a previous value (0 to start).
uint32_t Crc32c(const void* data, size_t size, uint32_t crc = 0);

// Recomputes the checksums of a model file in memory after it was edited in
// place: the FlatBuffer's and the data segment's where the header's ranges
// lie inside `size`, then the header's own. Files shorter than a header are
// left as they are. (Fuzzing uses it so that mutations reach the checks
// behind the checksums.)
void RefreshChecksums(uint8_t* bytes, size_t size);

inline uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace format
}  // namespace fp8sdk

#endif  // FP8SDK_FORMATS_FILE_HEADER_H_
