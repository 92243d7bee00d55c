#version 450
// SOFTMAX for devices that run shaders on CPU cores (lavapipe): one
// subgroup of 8 lanes per row, the row's max and sum by subgroup reductions
// (vector operations there) instead of shared memory and barriers (coroutine
// switches there). Same parameters and results as softmax.comp.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 8) in;  // the host uses this where subgroups have >= 8 lanes

#define SOFTMAX_SPECIALIZED
#include "softmax_common.glsl"

void main() {
  const uint t = gl_LocalInvocationIndex;
  const float neg_inf = uintBitsToFloat(0xFF800000u);
  for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
    float m = neg_inf;
    for (uint i = t; i < p.C; i += 8u) m = max(m, Z(r, i));
    const float mx = subgroupMax(m);
    const uint row_out = p.y_off + r * p.C;
    if (mx == neg_inf) {
      for (uint i = t; i < p.C; i += 8u) y[row_out + i] = 0u;
      continue;
    }
    float s = 0.0;
    for (uint i = t; i < p.C; i += 8u) {
      const float e = exp(Z(r, i) - mx);
      y[row_out + i] = W(e);
      s += e;
    }
    const float inv = 1.0 / subgroupAdd(s);
    for (uint i = t; i < p.C; i += 8u) y[row_out + i] = W(F(y[row_out + i]) * inv);
  }
}
