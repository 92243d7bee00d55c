// What the Vulkan backend's kernel files share (vk_kernels.cc: the
// operators; vk_gemm_kernels.cc: LINEAR and BATCH_MATMUL). Internal to the
// backend.
#ifndef FP8SDK_BACKENDS_VULKAN_VK_KERNEL_COMMON_H_
#define FP8SDK_BACKENDS_VULKAN_VK_KERNEL_COMMON_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "backends/common/graph_access.h"
#include "backends/vulkan/vk_kernels.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace vulkan {

// "Absent" for an optional word offset in push constants.
constexpr uint32_t kNone = 0xFFFFFFFFu;

inline uint32_t FloatWord(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// The FP8 encoding parameters the shaders quantize with (common.glsl).
std::vector<uint32_t> EncodeWords(const Fp8Format& f);

// Activation quantization of a matmul operand: mode (0 none, 1 FP8, 2 INT8),
// multiplier, and in the pool the code table and encoding parameters (codes:
// EncodeFp8 in common.glsl) and the FP8 grid (values directly:
// QuantizeDequantizeFp8; four words: mantissa bits, the smallest normal
// exponent, the largest finite value, what NaN becomes).
struct QuantOperand {
  uint32_t mode = 0;
  float mul = 1.0f;
  float scale = 1.0f;
  uint32_t lut = 0, enc = 0, grid = 0;
};

QuantOperand AddActQuant(const backend::ActQuantView& q, ConstantPool* pool);

// Writes a dispatch's push constants in order, as 32-bit words.
class PushWriter {
 public:
  explicit PushWriter(Dispatch* d) : d_(d) {}
  PushWriter& U(uint64_t v) {
    d_->push[i_++] = static_cast<uint32_t>(v);
    return *this;
  }
  PushWriter& F(float v) {
    d_->push[i_++] = FloatWord(v);
    return *this;
  }

 private:
  Dispatch* d_;
  size_t i_ = 0;
};

// The GEMM kernels (vk_gemm_kernels.cc).
std::unique_ptr<Kernel> MakeLinearKernel(const backend::GraphAccess& g, size_t node,
                                         ConstantPool* pool, const DeviceTraits& traits);
std::unique_ptr<Kernel> MakeBatchMatMulKernel(const backend::GraphAccess& g, size_t node,
                                              ConstantPool* pool, const DeviceTraits& traits);

}  // namespace vulkan
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_VULKAN_VK_KERNEL_COMMON_H_
