// Quantization to FP8 and INT8 with per-tensor and per-channel scales.
//
// Convention (the same in every backend): real ~= code_value * scale.
//   FP8:  scale = amax / max_finite(format)     INT8: scale = amax / 127
// Quantizing multiplies by the float32 reciprocal of the scale, computed once
// as 1.0f / scale; it never divides. Every backend reproduces that product
// bit for bit (a single correctly rounded float32 multiply), whereas division
// in shading languages is not correctly rounded. Dequantizing multiplies the
// decoded value by the scale in float32.
//
// INT8 is symmetric: codes -127..127, round half to even, NaN -> 0.
//
// All functions are thread-safe; source and destination must not overlap.
#ifndef FP8SDK_SDK_NUMERICS_QUANTIZE_H_
#define FP8SDK_SDK_NUMERICS_QUANTIZE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {

// Scale that maps `amax` onto the largest finite code. An amax that is zero,
// negative, NaN or infinite yields 1.0f (the tensor has no usable range).
float Fp8ScaleForAmax(float amax, const Fp8Format& format);
float Int8ScaleForAmax(float amax);

// The float32 multiplier used to quantize with `scale`: 1.0f / scale.
inline float QuantizeMultiplier(float scale) { return 1.0f / scale; }

// ---- Per tensor. ----
void QuantizeFp8(const float* src, uint8_t* dst, size_t n, float scale, const Fp8Format& format,
                 Fp8Saturation saturation = Fp8Saturation::kSatFinite, CpuIsa isa = ActiveCpuIsa());
void DequantizeFp8(const uint8_t* src, float* dst, size_t n, float scale, const Fp8Format& format,
                   CpuIsa isa = ActiveCpuIsa());
// The bf16 bits of the FP8 value (not multiplied back by the scale) that
// src / scale quantizes to: ConvertFp8ToBf16 of QuantizeFp8's codes, bit for
// bit, in one pass (what a GEMM that multiplies FP8 values in bf16 consumes).
void QuantizeFp8ToBf16(const float* src, uint16_t* dst, size_t n, float scale,
                       const Fp8Format& format,
                       Fp8Saturation saturation = Fp8Saturation::kSatFinite,
                       CpuIsa isa = ActiveCpuIsa());
void QuantizeInt8(const float* src, int8_t* dst, size_t n, float scale,
                  CpuIsa isa = ActiveCpuIsa());
void DequantizeInt8(const int8_t* src, float* dst, size_t n, float scale,
                    CpuIsa isa = ActiveCpuIsa());

// ---- Per channel. ----
// A tensor seen as [outer, channels, inner] in row-major order: channel c of
// the quantization axis covers the `inner` contiguous elements at
// (o * channels + c) * inner for every o.
struct ChannelLayout {
  size_t outer = 1;
  size_t channels = 1;
  size_t inner = 1;
  size_t NumElements() const { return outer * channels * inner; }
};

// The layout of a row-major tensor of shape `dims` quantized along `axis`
// (negative counts from the end). Returns false if axis is out of range.
bool MakeChannelLayout(const std::vector<int64_t>& dims, int axis, ChannelLayout* out);
bool MakeChannelLayout(const int64_t* dims, int rank, int axis, ChannelLayout* out);

// out_amax[c] = max |x| over channel c (NaN if the channel holds a NaN).
void AbsMaxPerChannel(const float* src, const ChannelLayout& layout, float* out_amax,
                      CpuIsa isa = ActiveCpuIsa());
void QuantizeFp8PerChannel(const float* src, uint8_t* dst, const ChannelLayout& layout,
                           const float* scales, const Fp8Format& format,
                           Fp8Saturation saturation = Fp8Saturation::kSatFinite,
                           CpuIsa isa = ActiveCpuIsa());
void DequantizeFp8PerChannel(const uint8_t* src, float* dst, const ChannelLayout& layout,
                             const float* scales, const Fp8Format& format,
                             CpuIsa isa = ActiveCpuIsa());
void QuantizeInt8PerChannel(const float* src, int8_t* dst, const ChannelLayout& layout,
                            const float* scales, CpuIsa isa = ActiveCpuIsa());
void DequantizeInt8PerChannel(const int8_t* src, float* dst, const ChannelLayout& layout,
                              const float* scales, CpuIsa isa = ActiveCpuIsa());

// Signal-to-quantization-noise ratio in dB: 10 log10(sum ref^2 / sum (ref -
// approx)^2), accumulated in double. +inf when the two are identical.
double SqnrDb(const float* ref, const float* approx, size_t n);

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_QUANTIZE_H_
