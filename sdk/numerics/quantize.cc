#include "sdk/numerics/quantize.h"

#include <cmath>
#include <limits>

#include "sdk/numerics/fp8_dispatch.h"
#include "sdk/numerics/fp8_params.h"

namespace fp8sdk {

namespace {

float ScaleFor(float amax, float max_code_value) {
  if (!(amax > 0.0f) || std::isinf(amax)) return 1.0f;
  const float scale = amax / max_code_value;
  // amax near FLT_MIN can underflow to zero: no usable scale then either.
  return scale > 0.0f ? scale : 1.0f;
}

// Calls fn(begin_offset, count, channel) for every contiguous run of one
// channel. With inner == 1 runs are single elements: callers handle that case
// without per-element kernel calls.
template <typename Fn>
void ForEachChannelRun(const ChannelLayout& l, Fn fn) {
  for (size_t o = 0; o < l.outer; ++o) {
    for (size_t c = 0; c < l.channels; ++c) fn((o * l.channels + c) * l.inner, l.inner, c);
  }
}

}  // namespace

float Fp8ScaleForAmax(float amax, const Fp8Format& format) {
  return ScaleFor(amax, format.MaxFinite());
}

float Int8ScaleForAmax(float amax) { return ScaleFor(amax, 127.0f); }

void QuantizeFp8(const float* src, uint8_t* dst, size_t n, float scale, const Fp8Format& format,
                 Fp8Saturation saturation, CpuIsa isa) {
  internal::KernelsFor(isa).encode(src, dst, n, QuantizeMultiplier(scale),
                                   internal::MakeEncodeParams(format, saturation));
}

void QuantizeFp8ToBf16(const float* src, uint16_t* dst, size_t n, float scale,
                       const Fp8Format& format, Fp8Saturation saturation, CpuIsa isa) {
  internal::KernelsFor(isa).quantize_bf16(src, dst, n, QuantizeMultiplier(scale),
                                          internal::MakeEncodeParams(format, saturation),
                                          internal::MakeDecodeParams(format));
}

void DequantizeFp8(const uint8_t* src, float* dst, size_t n, float scale, const Fp8Format& format,
                   CpuIsa isa) {
  internal::KernelsFor(isa).decode_f32(src, dst, n, scale, internal::MakeDecodeParams(format));
}

void QuantizeInt8(const float* src, int8_t* dst, size_t n, float scale, CpuIsa isa) {
  internal::KernelsFor(isa).quantize_int8(src, dst, n, QuantizeMultiplier(scale));
}

void DequantizeInt8(const int8_t* src, float* dst, size_t n, float scale, CpuIsa isa) {
  internal::KernelsFor(isa).dequantize_int8(src, dst, n, scale);
}

bool MakeChannelLayout(const std::vector<int64_t>& dims, int axis, ChannelLayout* out) {
  return MakeChannelLayout(dims.data(), static_cast<int>(dims.size()), axis, out);
}

bool MakeChannelLayout(const int64_t* dims, int rank, int axis, ChannelLayout* out) {
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return false;
  ChannelLayout l;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 0) return false;
    const size_t d = static_cast<size_t>(dims[i]);
    if (i < axis) l.outer *= d;
    if (i == axis) l.channels = d;
    if (i > axis) l.inner *= d;
  }
  *out = l;
  return true;
}

void AbsMaxPerChannel(const float* src, const ChannelLayout& l, float* out_amax, CpuIsa isa) {
  const internal::ConvertKernels& k = internal::KernelsFor(isa);
  for (size_t c = 0; c < l.channels; ++c) out_amax[c] = 0.0f;
  ForEachChannelRun(l, [&](size_t begin, size_t count, size_t c) {
    const float m = k.abs_max(src + begin, count);
    float& acc = out_amax[c];
    if (acc != acc) return;  // a NaN already seen in this channel sticks
    if (m != m || m > acc) acc = m;
  });
}

void QuantizeFp8PerChannel(const float* src, uint8_t* dst, const ChannelLayout& l,
                           const float* scales, const Fp8Format& format, Fp8Saturation saturation,
                           CpuIsa isa) {
  const internal::Fp8EncodeParams p = internal::MakeEncodeParams(format, saturation);
  if (l.inner == 1) {
    for (size_t i = 0, n = l.NumElements(); i < n; ++i) {
      const float mul = QuantizeMultiplier(scales[i % l.channels]);
      dst[i] = internal::EncodeFp8Bits(internal::FloatBits(src[i] * mul), p);
    }
    return;
  }
  const internal::ConvertKernels& k = internal::KernelsFor(isa);
  ForEachChannelRun(l, [&](size_t begin, size_t count, size_t c) {
    k.encode(src + begin, dst + begin, count, QuantizeMultiplier(scales[c]), p);
  });
}

void DequantizeFp8PerChannel(const uint8_t* src, float* dst, const ChannelLayout& l,
                             const float* scales, const Fp8Format& format, CpuIsa isa) {
  const internal::Fp8DecodeParams p = internal::MakeDecodeParams(format);
  if (l.inner == 1) {
    for (size_t i = 0, n = l.NumElements(); i < n; ++i) {
      dst[i] = internal::BitsFloat(internal::DecodeFp8Bits(src[i], p)) * scales[i % l.channels];
    }
    return;
  }
  const internal::ConvertKernels& k = internal::KernelsFor(isa);
  ForEachChannelRun(l, [&](size_t begin, size_t count, size_t c) {
    k.decode_f32(src + begin, dst + begin, count, scales[c], p);
  });
}

void QuantizeInt8PerChannel(const float* src, int8_t* dst, const ChannelLayout& l,
                            const float* scales, CpuIsa isa) {
  if (l.inner == 1) {
    for (size_t i = 0, n = l.NumElements(); i < n; ++i) {
      dst[i] = internal::QuantizeInt8Value(src[i] * QuantizeMultiplier(scales[i % l.channels]));
    }
    return;
  }
  const internal::ConvertKernels& k = internal::KernelsFor(isa);
  ForEachChannelRun(l, [&](size_t begin, size_t count, size_t c) {
    k.quantize_int8(src + begin, dst + begin, count, QuantizeMultiplier(scales[c]));
  });
}

void DequantizeInt8PerChannel(const int8_t* src, float* dst, const ChannelLayout& l,
                              const float* scales, CpuIsa isa) {
  if (l.inner == 1) {
    for (size_t i = 0, n = l.NumElements(); i < n; ++i) {
      dst[i] = static_cast<float>(src[i]) * scales[i % l.channels];
    }
    return;
  }
  const internal::ConvertKernels& k = internal::KernelsFor(isa);
  ForEachChannelRun(l, [&](size_t begin, size_t count, size_t c) {
    k.dequantize_int8(src + begin, dst + begin, count, scales[c]);
  });
}

double SqnrDb(const float* ref, const float* approx, size_t n) {
  double signal = 0.0, noise = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double r = ref[i];
    const double d = r - static_cast<double>(approx[i]);
    signal += r * r;
    noise += d * d;
  }
  if (noise == 0.0) return std::numeric_limits<double>::infinity();
  if (signal == 0.0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

}  // namespace fp8sdk
