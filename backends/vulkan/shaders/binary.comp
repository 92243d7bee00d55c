#version 450
// ADD and MUL with numpy broadcasting: out index -> input indices through
// per-dimension strides (0 on broadcast dimensions), rank <= 6.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint n, rank, op;  // op 0: add, 1: mul
  uint a_off, b_off, y_off;
  uint dims[6];      // output shape
  uint sa[6], sb[6]; // input strides per output dimension
} p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    uint rest = i, ia = 0u, ib = 0u;
    for (int d = int(p.rank) - 1; d >= 0; --d) {
      const uint coord = rest % p.dims[d];
      rest /= p.dims[d];
      ia += coord * p.sa[d];
      ib += coord * p.sb[d];
    }
    const float a = F(x0[p.a_off + ia]), b = F(x1[p.b_off + ib]);
    y[p.y_off + i] = W(p.op == 1u ? a * b : a + b);
  }
}
