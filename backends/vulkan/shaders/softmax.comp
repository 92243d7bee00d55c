#version 450
// SOFTMAX over the last axis, one workgroup per row: z = x * scale, plus an
// additive mask (broadcast through strides) or -inf where a key-padding mask
// is 0; y = exp(z - max z) / sum; a row with every key masked gives zeros.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

#include "softmax_common.glsl"

shared float part[256];

void main() {
  const uint t = gl_LocalInvocationIndex;
  const float neg_inf = uintBitsToFloat(0xFF800000u);
  for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
    float m = neg_inf;
    for (uint i = t; i < p.C; i += 256u) m = max(m, Z(r, i));
    part[t] = m;
    barrier();
    for (uint s = 128u; s > 0u; s >>= 1u) {
      if (t < s) part[t] = max(part[t], part[t + s]);
      barrier();
    }
    const float mx = part[0];
    barrier();
    const uint row_out = p.y_off + r * p.C;
    if (mx == neg_inf) {
      for (uint i = t; i < p.C; i += 256u) y[row_out + i] = 0u;
      continue;
    }
    float s = 0.0;
    for (uint i = t; i < p.C; i += 256u) {
      const float e = exp(Z(r, i) - mx);
      y[row_out + i] = W(e);
      s += e;
    }
    part[t] = s;
    barrier();
    for (uint k = 128u; k > 0u; k >>= 1u) {
      if (t < k) part[t] += part[t + k];
      barrier();
    }
    const float inv = 1.0 / part[0];
    barrier();
    for (uint i = t; i < p.C; i += 256u) y[row_out + i] = W(F(y[row_out + i]) * inv);
  }
}
