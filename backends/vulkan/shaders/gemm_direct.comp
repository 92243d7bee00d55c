#version 450
// LINEAR on devices that run shaders on CPU cores (lavapipe): no shared
// memory and no barriers (emulated slowly there), and few, wide loads (on
// such devices a load is a lane-by-lane loop, even one that is the same for
// every lane, and loads of A were what cost: one column per lane ran at a
// sixth of the speed of the same kernel without A loads). Each lane computes
// 4 output columns (64 apart) for 8 rows; lane l of a subgroup loads row
// m0 + l % 8 of A and subgroupShuffle hands it to the others (the host
// uses this kernel only where subgroups have >= 8 lanes and can shuffle),
// so one load of A feeds 128 multiply-adds per lane. Measured on lavapipe
// (M = 128, BERT shapes): 1 column per lane 5-6 GFLOP/s, 4 columns 16-19,
// with the broadcast 18-21. subgroupShuffle, not subgroupBroadcast: with
// the same constant lane, llvmpipe runs the shuffle at the speed of no
// exchange at all and the broadcast at a fifth of it (a shader of this
// kernel's arithmetic alone: 64-70 against 14-16 GFLOP/s). The weight is stored in 16-code
// groups: uvec4 (kq, n) holds column n's codes for k = 16kq..16kq+15 (f32
// weights: uvec4 (4kq + q, n) holds its values for k = 16kq + 4q + 0..3). A
// (the scratch buffer) is already quantized and decoded, rows padded with
// zeros to a multiple of 16 (pack_rows.comp).
// FP8 codes decode by moving bits into IEEE half precision and converting
// (unpackHalf2x16, exact): E5M2 is the top byte of a half; E4M3's magnitude
// << 7 is a half of value x 2^-8, the 2^8 being folded into the scales.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "common.glsl"

// The weights' format, a pipeline each (a branch on a push constant would
// run every side on CPU devices): 0: E4M3, 1: E5M2, 2: INT8, 3: f32.
layout(constant_id = 0) const uint FORMAT = 0u;

layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 0) buffer Out { uint y[]; };
// The constants (weights, scales, bias) and A as uvec4 texels: lavapipe
// fetches texels as vector gathers but runs storage buffer loads lane by lane
// with a branch each; this loop ran at half the speed on storage buffers.
layout(set = 0, binding = 6) uniform usamplerBuffer consts;
layout(set = 0, binding = 7) uniform usamplerBuffer packed;

layout(push_constant) uniform Params {
  uint M, N, Kq;   // Kq: K / 16 rounded up
  uint w_off, y_off;  // w_off in uvec4s
  uint scale_off;  // per-column scales in Consts (words), or kNone
  float scale;
  uint bias_off;   // words; kNone: no bias
} p;

float Word(uint i) { return uintBitsToFloat(texelFetch(consts, int(i >> 2u))[i & 3u]); }

// The four codes of a word as floats (k order).
vec4 Decode(uint w) {
  if (FORMAT == 2u) {
    return vec4(float(bitfieldExtract(int(w), 0, 8)), float(bitfieldExtract(int(w), 8, 8)),
                float(bitfieldExtract(int(w), 16, 8)), float(bitfieldExtract(int(w), 24, 8)));
  }
  // Bytes 0, 1 (and 2, 3) into the two 16-bit halves.
  const uint lo = (w & 0xFFu) | ((w & 0xFF00u) << 8);
  const uint hi = ((w >> 16) & 0xFFu) | ((w >> 8) & 0xFF0000u);
  if (FORMAT == 1u) return vec4(unpackHalf2x16(lo << 8), unpackHalf2x16(hi << 8));
  const uint l = ((lo & 0x007F007Fu) << 7) | ((lo & 0x00800080u) << 8);
  const uint h = ((hi & 0x007F007Fu) << 7) | ((hi & 0x00800080u) << 8);
  return vec4(unpackHalf2x16(l), unpackHalf2x16(h));
}

const uint kRows = 8u;
const uint kCols = 4u;

// Rows m0..m0+7 of this lane's columns.
void Block(uint n0, uint m0) {
  uint nc[kCols];  // clamped: the store skips columns past N
  [[unroll]] for (uint j = 0u; j < kCols; ++j) nc[j] = min(n0 + 64u * j, p.N - 1u);
  float acc[kRows][kCols];
  [[unroll]] for (uint r = 0u; r < kRows; ++r) {
    [[unroll]] for (uint j = 0u; j < kCols; ++j) acc[r][j] = 0.0;
  }
  for (uint kq = 0u; kq < p.Kq; ++kq) {
    uvec4 w[kCols];
    if (FORMAT != 3u) {
      [[unroll]] for (uint j = 0u; j < kCols; ++j) w[j] = texelFetch(consts, int(p.w_off + kq * p.N + nc[j]));
    }
    // Four values (a word of codes) of each column at a time, against 8 rows of A.
    [[unroll]] for (uint q = 0u; q < 4u; ++q) {
      vec4 b[kCols];
      [[unroll]] for (uint j = 0u; j < kCols; ++j) {
        if (FORMAT == 3u) {
          b[j] = uintBitsToFloat(texelFetch(consts, int(p.w_off + (4u * kq + q) * p.N + nc[j])));
        } else {
          b[j] = Decode(w[j][q]);
        }
      }
      const uint lr = gl_SubgroupInvocationID % kRows;
      const vec4 mine =
          uintBitsToFloat(texelFetch(packed, int((min(m0 + lr, p.M - 1u) * p.Kq + kq) * 4u + q)));
#define ROW(r)                                                          \
  {                                                                     \
    const vec4 a = subgroupShuffle(mine, r);                            \
    [[unroll]] for (uint j = 0u; j < kCols; ++j) acc[r][j] += dot(a, b[j]); \
  }
      ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7)
#undef ROW
    }
  }
  [[unroll]] for (uint j = 0u; j < kCols; ++j) {
    const uint n = n0 + 64u * j;
    if (n >= p.N) break;
    const float s = p.scale_off == kNone ? p.scale : Word(p.scale_off + n);
    const float bias = p.bias_off == kNone ? 0.0 : Word(p.bias_off + n);
    [[unroll]] for (uint r = 0u; r < kRows; ++r) {
      const uint row = m0 + r;
      if (row >= p.M) break;
      float v = acc[r][j] * s;
      if (p.bias_off != kNone) v += bias;
      y[p.y_off + row * p.N + n] = floatBitsToUint(v);
    }
  }
}

void main() {
  const uint n0 = gl_WorkGroupID.x * 64u * kCols + gl_LocalInvocationID.x;
  for (uint m0 = gl_WorkGroupID.y * kRows; m0 < p.M; m0 += gl_NumWorkGroups.y * kRows) {
    Block(n0, m0);
  }
}
