#version 450
// A LINEAR's input rows for gemm_direct.comp: quantized and decoded when the
// LINEAR quantizes its input (x * mul -> code -> table), copied otherwise,
// into rows of Kw * 4 floats padded with zeros (binding 3).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 1) readonly buffer In0 { uint x0[]; };
layout(std430, set = 0, binding = 3) buffer Packed { uint a[]; };
layout(std430, set = 0, binding = 4) readonly buffer Consts { uint c[]; };

layout(push_constant) uniform Params {
  uint M, K, Kp;
  uint x_off;
  uint mode;  // 0: copy, 1: FP8, 2: INT8
  float mul;
  uint lut, enc;
} p;

void main() {
  EncodeParams e;
  if (p.mode == 1u) {
    e.normal_min = c[p.enc];
    e.rebias = c[p.enc + 1u];
    e.shift = c[p.enc + 2u];
    e.half_m1 = c[p.enc + 3u];
    e.sub_base = c[p.enc + 4u];
    e.max_code = c[p.enc + 5u];
    e.overflow_code = c[p.enc + 6u];
    e.nan_code = c[p.enc + 7u];
  }
  const uint total = p.M * p.Kp;
  for (uint i = gl_GlobalInvocationID.x; i < total; i += gl_NumWorkGroups.x * 256u) {
    const uint row = i / p.Kp, k = i % p.Kp;
    float v = 0.0;
    if (k < p.K) {
      v = uintBitsToFloat(x0[p.x_off + row * p.K + k]);
      if (p.mode == 1u) v = uintBitsToFloat(c[p.lut + EncodeFp8(v * p.mul, e)]);
      else if (p.mode == 2u) v = float(QuantizeInt8(v * p.mul));
    }
    a[i] = floatBitsToUint(v);
  }
}
