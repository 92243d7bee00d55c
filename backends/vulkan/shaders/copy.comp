#version 450
// Data movement (RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS, SLICE): output
// element i -> input element sum(coord_d * strides[d]) over the output's
// dimensions (rank <= 6); elements of 1 or 2 words (int64).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

// ROWS = 0: an invocation per output element (its source by a division per
// dimension). ROWS = 1 (CPU devices, rows of >= 16 elements): a workgroup per
// block of output rows of the last dimension, its invocations along each
// row, the rows' coordinates counted without division (CPU devices divide
// integers lane by lane).
layout(constant_id = 0) const uint ROWS = 0u;
layout(local_size_x_id = 1) in;  // 256; 64 with ROWS

layout(push_constant) uniform Params {
  uint n, rank, words;
  uint x_off, y_off;
  uint dims[6];
  uint strides[6];
} p;

void Copy(uint i, uint src) {
  for (uint w = 0u; w < p.words; ++w) y[p.y_off + i * p.words + w] = x0[p.x_off + src * p.words + w];
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
    for (uint o = begin; o < end; ++o) {
      for (uint x = gl_LocalInvocationID.x; x < inner; x += gl_WorkGroupSize.x) {
        Copy(o * inner + x, src + x * p.strides[last]);
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
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * gl_WorkGroupSize.x) {
    uint rest = i, src = 0u;
    for (int d = int(p.rank) - 1; d >= 0; --d) {
      src += (rest % p.dims[d]) * p.strides[d];
      rest /= p.dims[d];
    }
    Copy(i, src);
  }
}
