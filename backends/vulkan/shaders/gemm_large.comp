#version 450
// LINEAR on GPUs at M >= 128: y[m, n] = (sum_k A[m, k] * B[k, n]) * s + bias[n]
// with 128 x 128 output tiles, 256 invocations of 8 x 8 outputs each, K in
// steps of 8 through double-buffered shared memory (one barrier per step).
// Per step an invocation reads 4 vec4 (two of A, two of B) from shared memory
// for 64 multiply-adds; the 64x64 kernel (gemm.comp) reads 8 scalars for 16,
// which bounds it by shared-memory bandwidth on GPUs.
//
// A (binding 3): the rows already quantized and decoded by pack_rows.comp,
// Kp floats each (Kp a multiple of 8, zero padded). B (Consts) k-major:
// b_kind 2: 8-bit codes, word (kq, n) = column n's codes for k = 4kq..4kq+3,
// Kp / 4 rows of Np words, decoded by a 256-entry table (FP8 or INT8, exact);
// b_kind 0: f32 [Kp, Np]. Np is a multiple of 4 and w_off of 4 words, so B
// loads are 16-byte vectors along n, coalesced across the workgroup. fp32
// accumulation; s per column (scale_off) or one value.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef HALF_A
// Built a second time with HALF_A (gemm_large16): A's rows as IEEE halves
// (pack_rows16; exact values), half the bytes of its loads and of the
// scratch, on devices with 16-bit storage. Read as 16-bit integers and
// widened in integer arithmetic (see pack_rows.comp on half conversions;
// unpackHalf2x16 of the value is compiled to the same failing conversion).
#extension GL_EXT_shader_16bit_storage : require
#endif
#include "common.glsl"

layout(local_size_x = 256) in;

layout(std430, set = 0, binding = 0) buffer Out { uint y[]; };
#ifdef HALF_A
layout(std430, set = 0, binding = 3) readonly buffer Packed { uint16_t a[]; };
// The half h as a float: zero, NaN or a normal half (pack_rows16 writes no
// other), so the exponent rebiased and the mantissa shifted are exact.
float HalfValue(uint h) {
  const uint sign = (h & 0x8000u) << 16;
  const uint mag = h & 0x7FFFu;
  if (mag == 0u) return uintBitsToFloat(sign);
  if (mag >= 0x7C00u) return uintBitsToFloat(sign | 0x7FC00000u);  // NaN
  return uintBitsToFloat(sign | ((mag << 13) + ((127u - 15u) << 23)));
}
#define A_VALUE(i) HalfValue(uint(a[i]))
#else
layout(std430, set = 0, binding = 3) readonly buffer Packed { float a[]; };
#define A_VALUE(i) a[i]
#endif
layout(std430, set = 0, binding = 4) readonly buffer Consts { uint c[]; };
layout(std430, set = 0, binding = 4) readonly buffer Consts4 { uvec4 c4[]; };

layout(push_constant) uniform Params {
  uint M, N, Kp, Np;
  uint w_off, y_off;  // words
  uint b_kind;        // 0: f32, 2: codes
  uint lut;           // the codes' table in Consts (256 words)
  uint scale_off;     // per-column scales in Consts, or kNone
  float scale;        // the scale when scale_off == kNone
  uint bias_off;      // bias in Consts, or kNone
} p;

const uint kTile = 128u;
const uint kStep = 8u;

// [buffer][k][group of 4 rows or columns]: 16 KiB, the least any Vulkan
// device offers (the code table is read from Consts, where it stays cached).
// A's groups are stored swizzled, group g of row k at g ^ k: the 8 k of one
// group, written by 8 neighbouring invocations, then fall in different banks.
shared vec4 As[2][kStep][kTile / 4u];
shared vec4 Bs[2][kStep][kTile / 4u];

float Lut(uint code) { return uintBitsToFloat(c[p.lut + code]); }

// This invocation's share of one K step: A rows 4g..4g+3 at k; B: one word
// of codes (column n, 4 k; b.x) or 4 columns of one k row (f32).
struct Loaded {
  vec4 a;
  uvec4 b;
};

Loaded Load(uint m0, uint n0, uint k0, uint tid) {
  Loaded l;
  const uint k = tid & 7u, g = tid >> 3u;
  [[unroll]] for (uint i = 0u; i < 4u; ++i) {
    const uint row = m0 + 4u * g + i;
    l.a[i] = row < p.M ? A_VALUE(row * p.Kp + k0 + k) : 0.0;
  }
  l.b = uvec4(0u);
  if (p.b_kind == 2u) {
    const uint kq = tid >> 7u, n = n0 + (tid & 127u);  // 2 word rows x 128 columns
    if (n < p.Np) l.b.x = c[p.w_off + ((k0 >> 2u) + kq) * p.Np + n];
  } else {
    const uint kr = tid >> 5u, n4 = (n0 >> 2u) + (tid & 31u);  // 8 k rows x 32 vec4
    if (n4 < (p.Np >> 2u)) l.b = c4[(p.w_off + (k0 + kr) * p.Np) / 4u + n4];
  }
  return l;
}

void Store(uint buf, Loaded l, uint tid) {
  const uint k = tid & 7u;
  As[buf][k][(tid >> 3u) ^ k] = l.a;
  if (p.b_kind == 2u) {
    const uint kq = tid >> 7u, n = tid & 127u;
    [[unroll]] for (uint i = 0u; i < 4u; ++i) Bs[buf][4u * kq + i][n >> 2u][n & 3u] = Lut(ByteOf(l.b.x, i));
  } else {
    Bs[buf][tid >> 5u][tid & 31u] = uintBitsToFloat(l.b);
  }
}

void main() {
  const uint tid = gl_LocalInvocationIndex;
  const uint tx = tid & 15u, ty = tid >> 4u;
  const uint m0 = gl_WorkGroupID.y * kTile, n0 = gl_WorkGroupID.x * kTile;
  // Rows 4ty..4ty+3 and 64+4ty..; columns 4tx..4tx+3 and 64+4tx..
  vec4 acc[8][2];
  [[unroll]] for (uint i = 0u; i < 8u; ++i) {
    acc[i][0] = vec4(0.0);
    acc[i][1] = vec4(0.0);
  }
  Store(0u, Load(m0, n0, 0u, tid), tid);
  barrier();
  for (uint k0 = 0u; k0 < p.Kp; k0 += kStep) {
    const uint buf = (k0 / kStep) & 1u;
    const bool more = k0 + kStep < p.Kp;
    Loaded next;
    if (more) next = Load(m0, n0, k0 + kStep, tid);  // in flight during the products
    [[unroll]] for (uint kk = 0u; kk < kStep; ++kk) {
      const vec4 a0 = As[buf][kk][ty ^ kk], a1 = As[buf][kk][(ty + 16u) ^ kk];
      const vec4 b0 = Bs[buf][kk][tx], b1 = Bs[buf][kk][tx + 16u];
      [[unroll]] for (uint i = 0u; i < 4u; ++i) {
        acc[i][0] += a0[i] * b0;
        acc[i][1] += a0[i] * b1;
        acc[i + 4u][0] += a1[i] * b0;
        acc[i + 4u][1] += a1[i] * b1;
      }
    }
    if (more) Store(buf ^ 1u, next, tid);
    barrier();
  }
  [[unroll]] for (uint i = 0u; i < 8u; ++i) {
    const uint row = m0 + (i < 4u ? 4u * ty + i : 64u + 4u * ty + i - 4u);
    if (row >= p.M) continue;
    [[unroll]] for (uint h = 0u; h < 2u; ++h) {
      [[unroll]] for (uint j = 0u; j < 4u; ++j) {
        const uint col = n0 + 64u * h + 4u * tx + j;
        if (col >= p.N) continue;
        const float s = p.scale_off == kNone ? p.scale : uintBitsToFloat(c[p.scale_off + col]);
        float v = acc[i][h][j] * s;
        if (p.bias_off != kNone) v += uintBitsToFloat(c[p.bias_off + col]);
        y[p.y_off + row * p.N + col] = floatBitsToUint(v);
      }
    }
  }
}
