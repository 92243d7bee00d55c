#version 450
// QUANTIZE (f32 -> FP8 / INT8 codes, four to a word) and DEQUANTIZE (codes ->
// f32): per tensor or per channel (channel = (i / inner) % channels).
// Quantize: code = encode(x * mul[channel]) with mul = 1 / scale; dequantize:
// value = table[code] * scale[channel]; both as sdk/numerics defines them.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint n, mode;  // 0: quantize FP8, 1: quantize INT8, 2: dequantize (table)
  uint x_off, y_off;
  uint inner, channels;
  uint scale_off;  // multipliers (quantize) or scales (dequantize) in Consts
  uint enc_off, lut_off;
} p;

void main() {
  if (p.mode == 2u) {
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
      const uint code = ByteOf(x0[p.x_off + (i >> 2u)], i & 3u);
      const float s = F(c[p.scale_off + (i / p.inner) % p.channels]);
      y[p.y_off + i] = W(F(c[p.lut_off + code]) * s);
    }
    return;
  }
  EncodeParams e;
  e.normal_min = c[p.enc_off];
  e.rebias = c[p.enc_off + 1u];
  e.shift = c[p.enc_off + 2u];
  e.half_m1 = c[p.enc_off + 3u];
  e.sub_base = c[p.enc_off + 4u];
  e.max_code = c[p.enc_off + 5u];
  e.overflow_code = c[p.enc_off + 6u];
  e.nan_code = c[p.enc_off + 7u];
  const uint words = (p.n + 3u) / 4u;
  for (uint w = gl_GlobalInvocationID.x; w < words; w += gl_NumWorkGroups.x * 256u) {
    uint packed = 0u;
    for (uint b = 0u; b < 4u; ++b) {
      const uint i = 4u * w + b;
      if (i >= p.n) break;
      const float x = F(x0[p.x_off + i]) * F(c[p.scale_off + (i / p.inner) % p.channels]);
      const uint code = p.mode == 0u ? EncodeFp8(x, e) : uint(QuantizeInt8(x)) & 0xFFu;
      packed |= code << (8u * b);
    }
    y[p.y_off + w] = packed;
  }
}
