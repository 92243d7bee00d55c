#version 450
// LINEAR and BATCH_MATMUL: y[b, m, n] = (sum_k A[b, m, k] * B[b, k, n]) * s + bias[n].
// A: f32 [M, K] rows (in0). B (in1): f32 [K, N], f32 [N, K], or 8-bit codes
// k-major, word (kq, n) at kq * ldb + n holding column n's codes for k =
// 4kq..4kq+3, decoded by a 256-entry table (FP8 or INT8 weights). A quantized operand is replaced by its decoded codes
// (x * mul -> code -> table), as the reference defines. 64 x 64 output tiles,
// K in steps of 16 through shared memory, 4 x 4 outputs per invocation (one
// vec4 of A and one of B from shared memory per k), fp32 accumulation; s is
// per column (scale_off) or one value.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
#include "layout.glsl"

layout(local_size_x = 16, local_size_y = 16) in;

layout(push_constant) uniform Params {
  uint M, N, K;
  uint a_off, b_off, y_off;
  uint batch_rank;                 // batch dimensions (<= 3) of the output
  uint bdims[3];
  uint a_bstride[3], b_bstride[3];  // word strides per batch dimension (0: broadcast)
  uint ldb;                        // B's row stride in words
  uint b_kind;                     // 0: f32 [K, N]; 1: f32 [N, K]; 2: codes [K / 4, ldb]
  uint quant_a, quant_b;           // 0: none, 1: FP8, 2: INT8
  float mul_a, mul_b;              // 1 / scale of a quantized operand
  uint lut_a, lut_b;               // tables in Consts (256 words each)
  uint enc_a, enc_b;               // EncodeParams in Consts (8 words each)
  uint scale_off;                  // per-column scales in Consts, or kNone
  float scale;                     // the scale when scale_off == kNone
  uint bias_off;                   // bias in Consts, or kNone
} p;

// [k][group of 4 rows / columns]: an invocation reads one vec4 of each per
// k for its 4 x 4 outputs.
shared vec4 As[16][16];
shared vec4 Bs[16][16];
shared float lut[512];  // [0, 256): A's format, [256, 512): B's

EncodeParams LoadEncode(uint off) {
  EncodeParams e;
  e.normal_min = c[off];
  e.rebias = c[off + 1u];
  e.shift = c[off + 2u];
  e.half_m1 = c[off + 3u];
  e.sub_base = c[off + 4u];
  e.max_code = c[off + 5u];
  e.overflow_code = c[off + 6u];
  e.nan_code = c[off + 7u];
  return e;
}

float Quant(float x, uint mode, float mul, EncodeParams e, uint table) {
  if (mode == 1u) return lut[table + EncodeFp8(x * mul, e)];
  if (mode == 2u) return float(QuantizeInt8(x * mul));
  return x;
}

void main() {
  const uint tid = gl_LocalInvocationIndex;
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint bz = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * 64u, n0 = gl_WorkGroupID.x * 64u;
  uint aoff = p.a_off, boff = p.b_off, rest = bz;
  for (int d = int(p.batch_rank) - 1; d >= 0; --d) {
    const uint coord = rest % p.bdims[d];
    rest /= p.bdims[d];
    aoff += coord * p.a_bstride[d];
    boff += coord * p.b_bstride[d];
  }
  const uint yoff = p.y_off + bz * p.M * p.N;
  EncodeParams ea, eb;
  if (p.quant_a == 1u) {
    lut[tid] = F(c[p.lut_a + tid]);
    ea = LoadEncode(p.enc_a);
  }
  if (p.b_kind == 2u || p.quant_b == 1u) lut[256u + tid] = F(c[p.lut_b + tid]);
  if (p.quant_b == 1u) eb = LoadEncode(p.enc_b);
  vec4 acc[4];  // rows 4ty..4ty+3, columns 4tx..4tx+3
  for (uint i = 0u; i < 4u; ++i) acc[i] = vec4(0.0);
  barrier();
  for (uint k0 = 0u; k0 < p.K; k0 += 16u) {
    {  // A: row tid / 4, four consecutive k
      const uint r = tid >> 2u, kk = (tid & 3u) * 4u, row = m0 + r;
      for (uint i = 0u; i < 4u; ++i) {
        const uint k = k0 + kk + i;
        float v = 0.0;
        if (row < p.M && k < p.K) v = Quant(F(x0[aoff + row * p.K + k]), p.quant_a, p.mul_a, ea, 0u);
        As[kk + i][r >> 2u][r & 3u] = v;
      }
    }
    if (p.b_kind == 2u) {  // one word = four codes of column n (k-major words)
      const uint n = tid >> 2u, kw = tid & 3u, col = n0 + n;
      uint word = 0u;  // code 0 decodes to +0
      if (col < p.N && k0 + kw * 4u < p.K) word = x1[boff + ((k0 >> 2u) + kw) * p.ldb + col];
      for (uint i = 0u; i < 4u; ++i) Bs[kw * 4u + i][n >> 2u][n & 3u] = lut[256u + ByteOf(word, i)];
    } else if (p.b_kind == 1u) {
      const uint n = tid >> 2u, kk = (tid & 3u) * 4u, col = n0 + n;
      for (uint i = 0u; i < 4u; ++i) {
        const uint k = k0 + kk + i;
        float v = 0.0;
        if (col < p.N && k < p.K) v = Quant(F(x1[boff + col * p.ldb + k]), p.quant_b, p.mul_b, eb, 256u);
        Bs[kk + i][n >> 2u][n & 3u] = v;
      }
    } else {
      const uint kr = tid >> 4u, nn = (tid & 15u) * 4u, k = k0 + kr;
      vec4 v = vec4(0.0);
      for (uint i = 0u; i < 4u; ++i) {
        const uint col = n0 + nn + i;
        if (col < p.N && k < p.K) v[i] = Quant(F(x1[boff + k * p.ldb + col]), p.quant_b, p.mul_b, eb, 256u);
      }
      Bs[kr][tid & 15u] = v;
    }
    barrier();
    for (uint kk = 0u; kk < 16u; ++kk) {
      const vec4 a = As[kk][ty], b = Bs[kk][tx];
      for (uint i = 0u; i < 4u; ++i) acc[i] += a[i] * b;
    }
    barrier();
  }
  for (uint i = 0u; i < 4u; ++i) {
    const uint row = m0 + 4u * ty + i;
    if (row >= p.M) continue;
    for (uint j = 0u; j < 4u; ++j) {
      const uint col = n0 + 4u * tx + j;
      if (col >= p.N) continue;
      const float s = p.scale_off == kNone ? p.scale : F(c[p.scale_off + col]);
      float v = acc[i][j] * s;
      if (p.bias_off != kNone) v += F(c[p.bias_off + col]);
      y[yoff + row * p.N + col] = W(v);
    }
  }
}
