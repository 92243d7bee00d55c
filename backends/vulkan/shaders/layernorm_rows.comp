#version 450
// LAYER_NORM for devices that run shaders on CPU cores (lavapipe): one
// subgroup of 8 lanes per row, the row's sums by subgroup reductions (vector
// operations there) instead of shared memory and barriers (coroutine
// switches there). Same parameters and arithmetic as layernorm.comp:
// mean = sum(x) / C; var = sum((x - mean)^2) / C;
// y = (x - mean) * (1 / sqrt(var + eps)) * gamma + beta.
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 8) in;  // the host uses this where subgroups have >= 8 lanes

layout(push_constant) uniform Params {
  uint rows, C;
  uint x_off, g_off, b_off, y_off;  // b_off == kNone: no beta
  float eps;
} p;

void main() {
  const uint t = gl_LocalInvocationIndex;
  for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
    const uint base = p.x_off + r * p.C;
    float s = 0.0;
    for (uint i = t; i < p.C; i += 8u) s += F(x0[base + i]);
    const float mean = subgroupAdd(s) / float(p.C);
    float q = 0.0;
    for (uint i = t; i < p.C; i += 8u) {
      const float d = F(x0[base + i]) - mean;
      q += d * d;
    }
    const float inv = 1.0 / sqrt(subgroupAdd(q) / float(p.C) + p.eps);
    for (uint i = t; i < p.C; i += 8u) {
      float v = (F(x0[base + i]) - mean) * inv * F(x1[p.g_off + i]);
      if (p.b_off != kNone) v += F(x2[p.b_off + i]);
      y[p.y_off + r * p.C + i] = W(v);
    }
  }
}
