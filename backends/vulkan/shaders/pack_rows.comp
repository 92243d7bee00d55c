#version 450
// A LINEAR's input rows for gemm_direct.comp: quantized and decoded when the
// LINEAR quantizes its input (x * mul -> code -> table), copied otherwise,
// into rows of Kw * 4 floats padded with zeros (binding 3).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

// What the LINEAR does to its input, one build each (a branch on a push
// constant runs every side on CPU devices): 0: copy, 1: FP8, 2: INT8.
#ifndef MODE
#error "MODE: 0 (copy), 1 (FP8) or 2 (INT8)"
#endif

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 1) readonly buffer In0 { uint x0[]; };
layout(std430, set = 0, binding = 3) buffer Packed { uint a[]; };
layout(std430, set = 0, binding = 4) readonly buffer Consts { uint c[]; };

layout(push_constant) uniform Params {
  uint M, K, Kp;
  uint x_off;
  float mul;
  uint lut, enc;
} p;

void main() {
#if MODE == 1
  EncodeParams e;
  e.normal_min = c[p.enc];
  e.rebias = c[p.enc + 1u];
  e.shift = c[p.enc + 2u];
  e.half_m1 = c[p.enc + 3u];
  e.sub_base = c[p.enc + 4u];
  e.max_code = c[p.enc + 5u];
  e.overflow_code = c[p.enc + 6u];
  e.nan_code = c[p.enc + 7u];
#endif
  // Rows along y and k along x, each a grid-stride loop (no division by Kp).
  for (uint row = gl_WorkGroupID.y; row < p.M; row += gl_NumWorkGroups.y) {
    for (uint k = gl_GlobalInvocationID.x; k < p.Kp; k += gl_NumWorkGroups.x * 256u) {
      float v = 0.0;
      if (k < p.K) {
        v = uintBitsToFloat(x0[p.x_off + row * p.K + k]);
#if MODE == 1
        v = uintBitsToFloat(c[p.lut + EncodeFp8(v * p.mul, e)]);
#elif MODE == 2
        v = float(QuantizeInt8(v * p.mul));
#endif
      }
      a[row * p.Kp + k] = floatBitsToUint(v);
    }
  }
}
