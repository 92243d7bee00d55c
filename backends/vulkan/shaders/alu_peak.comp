#version 450
// The shader ALUs' rate on arithmetic alone (vk_alu_peak.cc): eight
// independent vec4 chains per invocation, no memory traffic but one store.
// Built twice: y = y * a + b as written (the driver may fuse it) and, with
// USE_FMA, as fma(y, a, b).
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) buffer Out { float y[]; };
layout(push_constant) uniform Params {
  uint iterations;
  float a, b;
} p;

#ifdef USE_FMA
#define STEP(c) c = fma(c, a, b)
#else
#define STEP(c) c = c * a + b
#endif

void main() {
  const vec4 a = vec4(p.a), b = vec4(p.b);
  vec4 c0 = vec4(float(gl_GlobalInvocationID.x)), c1 = c0 + 1.0, c2 = c0 + 2.0, c3 = c0 + 3.0;
  vec4 c4 = c0 + 4.0, c5 = c0 + 5.0, c6 = c0 + 6.0, c7 = c0 + 7.0;
  for (uint i = 0u; i < p.iterations; ++i) {
    STEP(c0); STEP(c1); STEP(c2); STEP(c3);
    STEP(c4); STEP(c5); STEP(c6); STEP(c7);
  }
  const vec4 s = ((c0 + c1) + (c2 + c3)) + ((c4 + c5) + (c6 + c7));
  y[gl_GlobalInvocationID.x] = s.x + s.y + s.z + s.w;  // keeps the chains live
}
