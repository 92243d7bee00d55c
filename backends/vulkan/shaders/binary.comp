#version 450
// ADD and MUL with numpy broadcasting: out index -> input indices through
// per-dimension strides (0 on broadcast dimensions), rank <= 6.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

// ROWS = 0: an invocation per output element (its coordinates by a division
// per dimension). ROWS = 1 (CPU devices, rows of >= 16 elements): a workgroup
// per block of output rows of the last dimension, its invocations along each
// row, the rows' coordinates counted without division (CPU devices divide
// integers lane by lane).
layout(constant_id = 0) const uint ROWS = 0u;
layout(local_size_x_id = 1) in;  // 256; 64 with ROWS

layout(push_constant) uniform Params {
  uint n, rank, op;  // op 0: add, 1: mul
  uint a_off, b_off, y_off;
  uint dims[6];      // output shape
  uint sa[6], sb[6]; // input strides per output dimension
} p;

void Store(uint a_off, uint b_off, uint y_off, bool mul, uint i, uint ia, uint ib) {
  const float a = F(x0[a_off + ia]), b = F(x1[b_off + ib]);
  y[y_off + i] = W(mul ? a * b : a + b);
}

void main() {
  const uint a_off = p.a_off, b_off = p.b_off, y_off = p.y_off;
  const bool mul = p.op == 1u;
  if (ROWS == 1u) {
    // A block of consecutive rows per workgroup: the coordinates of its
    // first row by division, then counted up row by row.
    const uint last = p.rank - 1u, inner = p.dims[last], rows = p.n / inner;
    const uint per = (rows + gl_NumWorkGroups.x - 1u) / gl_NumWorkGroups.x;
    const uint begin = gl_WorkGroupID.x * per, end = min(rows, begin + per);
    uint coord[6];
    uint rest = begin, ia = 0u, ib = 0u;
    for (int d = int(last) - 1; d >= 0; --d) {
      coord[d] = rest % p.dims[d];
      rest /= p.dims[d];
      ia += coord[d] * p.sa[d];
      ib += coord[d] * p.sb[d];
    }
    const uint sa = p.sa[last], sb = p.sb[last];
    for (uint o = begin; o < end; ++o) {
      for (uint x = gl_LocalInvocationID.x; x < inner; x += gl_WorkGroupSize.x) {
        Store(a_off, b_off, y_off, mul, o * inner + x, ia + x * sa, ib + x * sb);
      }
      for (int d = int(last) - 1; d >= 0; --d) {  // the next row
        ia += p.sa[d];
        ib += p.sb[d];
        if (++coord[d] < p.dims[d]) break;
        ia -= p.dims[d] * p.sa[d];
        ib -= p.dims[d] * p.sb[d];
        coord[d] = 0u;
      }
    }
    return;
  }
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    uint rest = i, ia = 0u, ib = 0u;
    for (int d = int(p.rank) - 1; d >= 0; --d) {
      const uint coord = rest % p.dims[d];
      rest /= p.dims[d];
      ia += coord * p.sa[d];
      ib += coord * p.sb[d];
    }
    Store(a_off, b_off, y_off, mul, i, ia, ib);
  }
}
