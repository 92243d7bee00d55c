#version 450
// GELU (erf or tanh form) and TANH, element by element.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 256) in;

// The function, a pipeline each (a branch on a push constant runs every side
// on CPU devices): 0: GELU erf, 1: GELU tanh, 2: TANH.
layout(constant_id = 0) const uint OP = 0u;

layout(push_constant) uniform Params {
  uint n;
  uint x_off, y_off;
} p;

// erfc with fractional error < 1.2e-7 everywhere (Numerical Recipes' erfcc,
// a Chebyshev fit), so that GELU's tail keeps its relative accuracy.
float Erfc(float x) {
  const float z = abs(x);
  const float t = 1.0 / (1.0 + 0.5 * z);
  const float r =
      t * exp(-z * z - 1.26551223 +
              t * (1.00002368 +
                   t * (0.37409196 +
                        t * (0.09678418 +
                             t * (-0.18628806 +
                                  t * (0.27886807 +
                                       t * (-1.13520398 +
                                            t * (1.48851587 +
                                                 t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0.0 ? r : 2.0 - r;
}

// tanh without overflow for large |x|.
float Tanh(float x) {
  const float t = exp(-2.0 * abs(x));
  const float r = (1.0 - t) / (1.0 + t);
  return x < 0.0 ? -r : r;
}

void main() {
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    const float v = F(x0[p.x_off + i]);
    float r;
    if (OP == 0u) {
      r = 0.5 * v * Erfc(-v * 0.7071067811865476);  // 0.5 x (1 + erf(x / sqrt 2))
    } else if (OP == 1u) {
      r = 0.5 * v * (1.0 + Tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
    } else {
      r = Tanh(v);
    }
    y[p.y_off + i] = W(r);
  }
}
