#version 450
// Data movement (RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS, SLICE): output
// element i -> input element sum(coord_d * strides[d]) over the output's
// dimensions (rank <= 6); elements of 1 or 2 words (int64).
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
#include "layout.glsl"

// ROWS = 0: an invocation per output element (its source by a division per
// dimension). ROWS = 1 (CPU devices, rows of >= 16 elements): a workgroup per
// block of output rows of the last dimension, its invocations along each
// row, the rows' coordinates counted without division (CPU devices divide
// integers lane by lane).
// WORDS: words an element (1, or 2 for int64; a loop bounded by a push
// constant made the row kernel 60% slower on lavapipe).
layout(constant_id = 0) const uint ROWS = 0u;
layout(local_size_x_id = 1) in;  // 256; 64 with ROWS
layout(constant_id = 2) const uint WORDS = 1u;

layout(push_constant) uniform Params {
  uint n, rank;
  uint x_off, y_off;
  uint dims[6];
  uint strides[6];
} p;

void Copy(uint x_off, uint y_off, uint i, uint src) {
  [[unroll]] for (uint w = 0u; w < WORDS; ++w) y[y_off + i * WORDS + w] = x0[x_off + src * WORDS + w];
}

void main() {
  if (ROWS == 1u) {
    // A block of consecutive rows per workgroup: the coordinates of its
    // first row by division, then counted up row by row.
    const uint last = p.rank - 1u, inner = p.dims[last], rows = p.n / inner;
    const uint per = (rows + gl_NumWorkGroups.x - 1u) / gl_NumWorkGroups.x;
    const uint begin = gl_WorkGroupID.x * per, end = min(rows, begin + per);
    uint coord[6];
    uint rest = begin, src = 0u;
    for (int d = int(last) - 1; d >= 0; --d) {
      coord[d] = rest % p.dims[d];
      rest /= p.dims[d];
      src += coord[d] * p.strides[d];
    }
    const uint step = p.strides[last], x_off = p.x_off, y_off = p.y_off;
    for (uint o = begin; o < end; ++o) {
      for (uint x = gl_LocalInvocationID.x; x < inner; x += gl_WorkGroupSize.x) {
        Copy(x_off, y_off, o * inner + x, src + x * step);
      }
      for (int d = int(last) - 1; d >= 0; --d) {  // the next row
        src += p.strides[d];
        if (++coord[d] < p.dims[d]) break;
        src -= p.dims[d] * p.strides[d];
        coord[d] = 0u;
      }
    }
    return;
  }
  const uint x_off = p.x_off, y_off = p.y_off;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    uint rest = i, src = 0u;
    for (int d = int(p.rank) - 1; d >= 0; --d) {
      src += (rest % p.dims[d]) * p.strides[d];
      rest /= p.dims[d];
    }
    Copy(x_off, y_off, i, src);
  }
}
