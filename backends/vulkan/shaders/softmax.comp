#version 450
// SOFTMAX over the last axis, one workgroup per row: z = x * scale, plus an
// additive mask (broadcast through strides) or -inf where a key-padding mask
// is 0; y = exp(z - max z) / sum; a row with every key masked gives zeros.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint rows, C;
  uint x_off, m_off, y_off;
  uint mode;       // 0: none, 1: key padding, 2: additive
  uint mask_kind;  // key padding: 0 f32, 1 int32, 2 int64, 3 uint8
  uint rows_per_batch;
  float scale;
  uint rank;       // additive: the scores' shape and the mask's strides
  uint dims[6];
  uint strides[6];
} p;

shared float part[256];

bool Keep(uint i) {
  if (p.mask_kind == 2u) return (x1[p.m_off + 2u * i] | x1[p.m_off + 2u * i + 1u]) != 0u;
  if (p.mask_kind == 1u) return x1[p.m_off + i] != 0u;
  if (p.mask_kind == 3u) return ByteOf(x1[p.m_off + (i >> 2u)], i & 3u) != 0u;
  return F(x1[p.m_off + i]) != 0.0;
}

float Additive(uint pos) {
  uint rest = pos, idx = 0u;
  for (int d = int(p.rank) - 1; d >= 0; --d) {
    idx += (rest % p.dims[d]) * p.strides[d];
    rest /= p.dims[d];
  }
  return F(x1[p.m_off + idx]);
}

float Z(uint r, uint i) {
  float z = F(x0[p.x_off + r * p.C + i]) * p.scale;
  if (p.mode == 2u) {
    z += Additive(r * p.C + i);
  } else if (p.mode == 1u && !Keep((r / p.rows_per_batch) * p.C + i)) {
    z = uintBitsToFloat(0xFF800000u);  // -inf
  }
  return z;
}

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
