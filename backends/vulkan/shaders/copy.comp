#version 450
// Data movement (RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS, SLICE): output
// element i -> input element sum(coord_d * strides[d]) over the output's
// dimensions (rank <= 6); elements of 1 or 2 words (int64).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

layout(push_constant) uniform Params {
  uint n, rank, words;
  uint x_off, y_off;
  uint dims[6];
  uint strides[6];
} p;

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    uint rest = i, src = 0u;
    for (int d = int(p.rank) - 1; d >= 0; --d) {
      src += (rest % p.dims[d]) * p.strides[d];
      rest /= p.dims[d];
    }
    for (uint w = 0u; w < p.words; ++w) y[p.y_off + i * p.words + w] = x0[p.x_off + src * p.words + w];
  }
}
