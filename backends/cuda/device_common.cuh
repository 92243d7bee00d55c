// Device helpers shared by the kernels_*.cu files.
#ifndef FP8SDK_BACKENDS_CUDA_DEVICE_COMMON_CUH_
#define FP8SDK_BACKENDS_CUDA_DEVICE_COMMON_CUH_

#include <cstdint>

#include "backends/cuda/cuda_kernels.h"

namespace fp8sdk {
namespace cuda {

constexpr int kThreads = 256;

inline unsigned GridFor(int64_t n) {
  const int64_t g = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(g < 1 ? 1 : (g > 65535 * 32 ? 65535 * 32 : g));
}

// sdk/numerics/fp8_kernels.h EncodeFp8Bits, on the device.
__device__ __forceinline__ uint32_t EncodeFp8(float x, const Fp8Encode& p) {
  const uint32_t u = __float_as_uint(x);
  const uint32_t a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return p.nan_code;
  const uint32_t sign = (u >> 24) & 0x80u;
  uint32_t r;
  if (a >= p.normal_min) {
    r = (a - p.rebias + p.half_m1 + ((a >> p.shift) & 1u)) >> p.shift;
    if (r > p.max_code) r = p.overflow_code;
  } else {
    // A float denormal is m x 2^-149: exponent 1, no implicit leading bit.
    int s = static_cast<int>(p.sub_base) - (a >= 0x800000u ? static_cast<int>(a >> 23) : 1);
    s = s < 1 ? 1 : (s > 31 ? 31 : s);
    const uint32_t m24 = (a & 0x7FFFFFu) | (a >= 0x800000u ? 0x800000u : 0u);
    r = (m24 + (1u << (s - 1)) - 1u + ((m24 >> s) & 1u)) >> s;
  }
  return r | sign;
}

// QuantizeInt8Value: round half to even into [-127, 127]; NaN -> 0.
__device__ __forceinline__ int QuantizeInt8(float y) {
  if (y != y) return 0;
  if (y >= 127.0f) return 127;
  if (y <= -127.0f) return -127;
  return static_cast<int>(rintf(y));  // rintf rounds half to even
}

__device__ __forceinline__ uint32_t QuantCode(float x, const QuantSpec& q) {
  return q.mode == 2 ? static_cast<uint32_t>(QuantizeInt8(x * q.mul)) & 0xFFu
                     : EncodeFp8(x * q.mul, q.enc);
}

__device__ __forceinline__ float QuantValue(float x, const QuantSpec& q) {
  if (q.mode == 1) return q.lut[EncodeFp8(x * q.mul, q.enc)];
  if (q.mode == 2) return static_cast<float>(QuantizeInt8(x * q.mul));
  return x;
}

}  // namespace cuda
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_CUDA_DEVICE_COMMON_CUH_
