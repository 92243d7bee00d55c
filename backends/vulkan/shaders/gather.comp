#version 450
// GATHER: y[o, i, j] = table[o, idx[i], j] (outer, count, inner around the
// axis). The table is f32 words (in0) or 8-bit codes packed four to a word,
// decoded by a table and multiplied by a scale (per tensor, or per entry of
// the gathered axis). An index outside [0, dim) is not read: the lowest
// such position goes to status[status_off] (atomicMin; the host reports it).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint total, count, dim, inner;
  uint t_off, i_off, y_off;
  uint codes;      // 0: f32 table, 1: 8-bit codes
  uint idx64;      // indices are int64 (else int32)
  uint lut_off;    // codes: the decoding table in Consts
  uint scale_off;  // codes: per-entry scales in Consts, or kNone
  float scale;     // codes: the scale when scale_off == kNone
  uint status_off;
} p;

void main() {
  for (uint e = gl_GlobalInvocationID.x; e < p.total; e += gl_NumWorkGroups.x * 256u) {
    const uint j = e % p.inner;
    const uint i = (e / p.inner) % p.count;
    const uint o = e / (p.inner * p.count);
    uint id;
    bool ok;
    if (p.idx64 == 1u) {
      id = x1[p.i_off + 2u * i];
      ok = x1[p.i_off + 2u * i + 1u] == 0u && id < p.dim;
    } else {
      id = x1[p.i_off + i];
      ok = id < p.dim;  // negative int32 reads as >= 2^31
    }
    if (!ok) {
      atomicMin(status[p.status_off], i);
      y[p.y_off + e] = 0u;
      continue;
    }
    const uint src = (o * p.dim + id) * p.inner + j;
    if (p.codes == 0u) {
      y[p.y_off + e] = x0[p.t_off + src];
    } else {
      const uint code = ByteOf(x0[p.t_off + (src >> 2u)], src & 3u);
      const float s = p.scale_off == kNone ? p.scale : F(c[p.scale_off + id]);
      y[p.y_off + e] = W(F(c[p.lut_off + code]) * s);
    }
  }
}
