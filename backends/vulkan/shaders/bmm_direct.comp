#version 450
// BATCH_MATMUL on devices that run shaders on CPU cores (lavapipe), the
// batched counterpart of gemm_direct.comp (no shared memory, no barriers):
// y[b, m, n] = (sum_k A[b, m, k] * B[b, k, n]) * scale. pack_rows.comp has
// written A's rows and B's columns, quantized and decoded where the operator
// quantizes them, as rows of K4 * 4 floats padded with zeros into the
// scratch buffer (A's batch-major from texel 0, B's from b_off), read here as
// vec4 texels. Each lane computes 2 output columns (64 apart) for 8 rows;
// lane l of a subgroup loads row m0 + l % 8 of A and subgroupShuffle hands
// it to the others (the host uses this kernel only where subgroups have >= 8
// lanes and can shuffle).
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_shuffle : require

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) buffer Out { uint y[]; };
layout(set = 0, binding = 7) uniform usamplerBuffer packed;

layout(push_constant) uniform Params {
  uint M, N, K4;  // K4: texels (4 values) per packed row
  uint b_off;     // B's first texel
  uint y_off;     // words
  float scale;
} p;

const uint kRows = 8u;
const uint kCols = 2u;

// Rows m0..m0+7 of this lane's columns in `batch`.
void Block(uint batch, uint n0, uint m0) {
  uint bt[kCols];  // each column's first texel (clamped: the store skips columns past N)
  [[unroll]] for (uint j = 0u; j < kCols; ++j) {
    bt[j] = p.b_off + (batch * p.N + min(n0 + 64u * j, p.N - 1u)) * p.K4;
  }
  const uint at = (batch * p.M + min(m0 + gl_SubgroupInvocationID % kRows, p.M - 1u)) * p.K4;
  float acc[kRows][kCols];
  [[unroll]] for (uint r = 0u; r < kRows; ++r) {
    [[unroll]] for (uint j = 0u; j < kCols; ++j) acc[r][j] = 0.0;
  }
  for (uint t = 0u; t < p.K4; ++t) {
    vec4 b[kCols];
    [[unroll]] for (uint j = 0u; j < kCols; ++j) b[j] = uintBitsToFloat(texelFetch(packed, int(bt[j] + t)));
    const vec4 mine = uintBitsToFloat(texelFetch(packed, int(at + t)));
#define ROW(r)                                                          \
  {                                                                     \
    const vec4 a = subgroupShuffle(mine, r);                            \
    [[unroll]] for (uint j = 0u; j < kCols; ++j) acc[r][j] += dot(a, b[j]); \
  }
    ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7)
#undef ROW
  }
  [[unroll]] for (uint j = 0u; j < kCols; ++j) {
    const uint n = n0 + 64u * j;
    if (n >= p.N) break;
    [[unroll]] for (uint r = 0u; r < kRows; ++r) {
      const uint row = m0 + r;
      if (row >= p.M) break;
      y[p.y_off + (batch * p.M + row) * p.N + n] = floatBitsToUint(acc[r][j] * p.scale);
    }
  }
}

void main() {
  const uint n0 = gl_WorkGroupID.x * 64u * kCols + gl_LocalInvocationID.x;
  for (uint m0 = gl_WorkGroupID.y * kRows; m0 < p.M; m0 += gl_NumWorkGroups.y * kRows) {
    Block(gl_WorkGroupID.z, n0, m0);
  }
}
