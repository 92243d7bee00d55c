// Buffer functions of the plugin ABI for backends whose device memory is
// host memory (fp8_device_info_t.host_memory = 1): 64-byte-aligned malloc,
// memcpy copies. Shared by the CPU backends' vtables.
#ifndef FP8SDK_BACKENDS_COMMON_HOST_MEMORY_H_
#define FP8SDK_BACKENDS_COMMON_HOST_MEMORY_H_

#include <cstdlib>
#include <cstring>

#include "backends/common/graph_access.h"

namespace fp8sdk {
namespace backend {

inline fp8_status_code_t HostBufferAlloc(void*, uint32_t, uint64_t size, void** out,
                                         fp8_error_t* err) {
  const size_t bytes = static_cast<size_t>((size + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes ? bytes : 64);
  if (!p) {
    return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "cannot allocate %llu bytes",
                static_cast<unsigned long long>(size));
  }
  *out = p;
  return FP8_STATUS_OK;
}

inline void HostBufferFree(void*, uint32_t, void* buffer) { std::free(buffer); }

inline fp8_status_code_t HostCopyToDevice(void*, uint32_t, void* dst, uint64_t off, const void* src,
                                          uint64_t size, fp8_error_t*) {
  std::memcpy(static_cast<uint8_t*>(dst) + off, src, size);
  return FP8_STATUS_OK;
}

inline fp8_status_code_t HostCopyToHost(void*, uint32_t, void* dst, const void* src, uint64_t off,
                                        uint64_t size, fp8_error_t*) {
  std::memcpy(dst, static_cast<const uint8_t*>(src) + off, size);
  return FP8_STATUS_OK;
}

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_HOST_MEMORY_H_
