#version 450
// LAYER_NORM over the last axis: one workgroup per row.
// mean = sum(x) / C; var = sum((x - mean)^2) / C;
// y = (x - mean) * (1 / sqrt(var + eps)) * gamma + beta.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint rows, C;
  uint x_off, g_off, b_off, y_off;  // b_off == kNone: no beta
  float eps;
} p;

shared float part[256];

float RowSum(float v) {
  const uint t = gl_LocalInvocationIndex;
  part[t] = v;
  barrier();
  for (uint s = 128u; s > 0u; s >>= 1u) {
    if (t < s) part[t] += part[t + s];
    barrier();
  }
  const float total = part[0];
  barrier();
  return total;
}

void main() {
  const uint t = gl_LocalInvocationIndex;
  for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
    const uint base = p.x_off + r * p.C;
    float s = 0.0;
    for (uint i = t; i < p.C; i += 256u) s += F(x0[base + i]);
    const float mean = RowSum(s) / float(p.C);
    float q = 0.0;
    for (uint i = t; i < p.C; i += 256u) {
      const float d = F(x0[base + i]) - mean;
      q += d * d;
    }
    const float inv = 1.0 / sqrt(RowSum(q) / float(p.C) + p.eps);
    for (uint i = t; i < p.C; i += 256u) {
      float v = (F(x0[base + i]) - mean) * inv * F(x1[p.g_off + i]);
      if (p.b_off != kNone) v += F(x2[p.b_off + i]);
      y[p.y_off + r * p.C + i] = W(v);
    }
  }
}
