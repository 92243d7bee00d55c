#version 450
// The shader ALUs' rate on arithmetic alone (vk_alu_peak.cc), no memory
// traffic but one store per invocation. Built three times:
// - by default, gemm_direct.comp's register tile as an outer product: 8 rows
//   x 4 columns of scalar acc = fma(a_r, b_j, acc), four k per step, a new
//   a_r each step (the most a GEMM tile of this size can reach);
// - with DOT, the same tile as 8 x 4 dot products of vec4 operands (the
//   shape gemm_direct.comp's inner loop is written in);
// - with CHAINS, eight independent vec4 chains y = y * a + b.
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) buffer Out { float y[]; };
layout(push_constant) uniform Params {
  uint iterations;
  float a, b;
} p;

void main() {
  const float seed = float(gl_GlobalInvocationID.x);
#ifdef CHAINS
  const vec4 a = vec4(p.a), b = vec4(p.b);
  vec4 c[8];
  [[unroll]] for (uint i = 0u; i < 8u; ++i) c[i] = vec4(seed + float(i));
  for (uint it = 0u; it < p.iterations; ++it) {
    [[unroll]] for (uint i = 0u; i < 8u; ++i) c[i] = c[i] * a + b;
  }
  vec4 s = ((c[0] + c[1]) + (c[2] + c[3])) + ((c[4] + c[5]) + (c[6] + c[7]));
  y[gl_GlobalInvocationID.x] = s.x + s.y + s.z + s.w;  // keeps the chains live
#elif defined(DOT)
  float acc[8][4];
  vec4 bv[4];
  [[unroll]] for (uint j = 0u; j < 4u; ++j) bv[j] = vec4(p.a + float(j));
  [[unroll]] for (uint r = 0u; r < 8u; ++r) {
    [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[r][j] = 0.0;
  }
  vec4 row = vec4(seed * p.b);
  for (uint it = 0u; it < p.iterations; ++it) {
    [[unroll]] for (uint r = 0u; r < 8u; ++r) {
      const vec4 ar = row + float(r);
      [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[r][j] += dot(ar, bv[j]);
    }
    row = row * p.a;
  }
  float s = 0.0;
  [[unroll]] for (uint r = 0u; r < 8u; ++r) {
    [[unroll]] for (uint j = 0u; j < 4u; ++j) s += acc[r][j];
  }
  y[gl_GlobalInvocationID.x] = s;
#else
  float acc[8][4];
  float bv[4];
  [[unroll]] for (uint j = 0u; j < 4u; ++j) bv[j] = p.a + float(j);
  [[unroll]] for (uint r = 0u; r < 8u; ++r) {
    [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[r][j] = 0.0;
  }
  float row = seed * p.b;
  for (uint it = 0u; it < p.iterations; ++it) {
    [[unroll]] for (uint k = 0u; k < 4u; ++k) {
      [[unroll]] for (uint r = 0u; r < 8u; ++r) {
        const float ar = row + float(r);
        [[unroll]] for (uint j = 0u; j < 4u; ++j) acc[r][j] = fma(ar, bv[j], acc[r][j]);
      }
      row = row * p.a;
    }
  }
  float s = 0.0;
  [[unroll]] for (uint r = 0u; r < 8u; ++r) {
    [[unroll]] for (uint j = 0u; j < 4u; ++j) s += acc[r][j];
  }
  y[gl_GlobalInvocationID.x] = s;
#endif
}
