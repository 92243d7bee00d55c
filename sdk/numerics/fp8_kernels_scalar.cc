// Portable kernels: the definition the vector kernels are tested against, and
// the path on CPUs without AVX2.
#include <cmath>

#include "sdk/numerics/fp8_kernels.h"

namespace fp8sdk {
namespace internal {
namespace {

void EncodeScalar(const float* src, uint8_t* dst, size_t n, float mul, const Fp8EncodeParams& p) {
  for (size_t i = 0; i < n; ++i) dst[i] = EncodeFp8Bits(FloatBits(src[i] * mul), p);
}

void DecodeF32Scalar(const uint8_t* src, float* dst, size_t n, float mul,
                     const Fp8DecodeParams& p) {
  float table[256];
  for (uint32_t c = 0; c < 256; ++c) table[c] = BitsFloat(DecodeFp8Bits(c, p)) * mul;
  for (size_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

void DecodeBf16Scalar(const uint8_t* src, uint16_t* dst, size_t n, const Fp8DecodeParams& p) {
  uint16_t table[256];
  for (uint32_t c = 0; c < 256; ++c) table[c] = static_cast<uint16_t>(DecodeFp8Bits(c, p) >> 16);
  for (size_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

void QuantizeBf16Scalar(const float* src, uint16_t* dst, size_t n, float mul,
                        const Fp8EncodeParams& e, const Fp8DecodeParams& d) {
  uint16_t table[256];  // QuantizeBf16Bits = table[EncodeFp8Bits]
  for (uint32_t c = 0; c < 256; ++c) table[c] = static_cast<uint16_t>(DecodeFp8Bits(c, d) >> 16);
  for (size_t i = 0; i < n; ++i) dst[i] = table[EncodeFp8Bits(FloatBits(src[i] * mul), e)];
}

float AbsMaxScalar(const float* src, size_t n) {
  float m = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const float a = std::fabs(src[i]);
    if (a != a) return a;
    if (a > m) m = a;
  }
  return m;
}

void QuantizeInt8Scalar(const float* src, int8_t* dst, size_t n, float mul) {
  for (size_t i = 0; i < n; ++i) dst[i] = QuantizeInt8Value(src[i] * mul);
}

void DequantizeInt8Scalar(const int8_t* src, float* dst, size_t n, float mul) {
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) * mul;
}

}  // namespace

const ConvertKernels kScalarKernels = {
    "scalar",           EncodeScalar, DecodeF32Scalar,    DecodeBf16Scalar,
    QuantizeBf16Scalar, AbsMaxScalar, QuantizeInt8Scalar, DequantizeInt8Scalar,
};

}  // namespace internal
}  // namespace fp8sdk
