#version 450
// LINEAR with FP8 or INT8 weights and quantized activations on devices with
// cooperative matrices (VK_NV_cooperative_matrix, 16 x NF x 16 half-precision
// products with fp32 accumulation: the tensor cores of NVIDIA GPUs; NF is 16,
// or 8 where the device lists 16 x 8 x 16 but not 16 x 16 x 16). The host
// takes this kernel only where every value of both operands' code tables is
// exact in half precision (E4M3, E5M2, INT8), so the products are exact; the
// sums are fp32 in the tensor cores' order and internal rounding, which
// differ from the reference's k-order sums as the other kernels' orders do.
// (E5M2's subnormal codes, below 2^-14, are half-precision subnormals: a
// device that flushes those in conversions drops terms 2^-30 of the format's
// largest value or less.)
//
// 128 x 128 output tiles, 256 invocations = 8 subgroups of 32 (the host
// checks the subgroup size), each subgroup 32 rows x 64 columns = 2 x 4
// accumulators; K in steps of 32 through shared memory in half precision.
// A (binding 3): the rows quantized and decoded by pack_rows.comp, Kp floats
// each (Kp a multiple of 32); B (Consts): codes k-major, word (kq, n) =
// column n's codes for k = 4kq..4kq+3, Np words per row (a multiple of 4),
// decoded by the format's table. The accumulators pass through shared memory
// on the way out, where each column's scale and bias are applied.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_NV_cooperative_matrix : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#include "common.glsl"

layout(local_size_x = 256) in;
// The matrices' N (specialization constant 0, from the device's shapes).
layout(constant_id = 0) const uint NF = 16u;
const uint kFragsN = 64u / NF;  // B fragments per subgroup and K step (4 or 8)

layout(std430, set = 0, binding = 0) buffer Out { uint y[]; };
layout(std430, set = 0, binding = 3) readonly buffer Packed { vec4 a4[]; };
layout(std430, set = 0, binding = 4) readonly buffer Consts { uint c[]; };
layout(std430, set = 0, binding = 4) readonly buffer Consts4 { uvec4 c4[]; };

// The same parameters as gemm_large.comp.
layout(push_constant) uniform Params {
  uint M, N, Kp, Np;
  uint w_off, y_off;  // words
  uint b_kind;        // 2 (codes): the only kind here
  uint lut;           // the codes' table in Consts (256 words)
  uint scale_off;     // per-column scales in Consts, or kNone
  float scale;        // the scale when scale_off == kNone
  uint bias_off;      // bias in Consts, or kNone
} p;

const uint kTile = 128u;
const uint kStep = 32u;
const uint kLdA = kStep + 8u;   // halves per row of As (80 bytes: 16-byte aligned, skewed banks)
const uint kLdB = kTile + 8u;   // halves per k row of Bs

shared float16_t As[kTile * kLdA];   // [m][k]
shared float16_t Bs[kStep * kLdB];   // [k][n]
shared float Cs[8u * 256u];          // one 16 x NF accumulator per subgroup, on the way out
shared float16_t lut[256];           // B's code table (exact in half precision)

#define A_MAT fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define B_MAT fcoopmatNV<16, gl_ScopeSubgroup, 16, NF>
#define ACC_MAT fcoopmatNV<32, gl_ScopeSubgroup, 16, NF>

// This invocation's share of one K step: 16 consecutive k of one row of A,
// and of B column n's 8 code words (32 k) the words kq0, kq0 + 2, +4, +6.
struct Loaded {
  vec4 a[4];
  uvec4 b;
};

Loaded Load(uint m0, uint n0, uint k0, uint tid) {
  Loaded l;
  const uint row = m0 + (tid >> 1u), kh = (tid & 1u) * 16u;
  [[unroll]] for (uint i = 0u; i < 4u; ++i) {
    l.a[i] = row < p.M ? a4[(row * p.Kp + k0 + kh) / 4u + i] : vec4(0.0);
  }
  const uint kq0 = tid >> 7u, n = n0 + (tid & 127u);
  l.b = uvec4(0u);
  if (n < p.Np) {
    [[unroll]] for (uint i = 0u; i < 4u; ++i) {
      l.b[i] = c[p.w_off + ((k0 >> 2u) + kq0 + 2u * i) * p.Np + n];
    }
  }
  return l;
}

void Store(Loaded l, uint tid) {
  const uint r = tid >> 1u, kh = (tid & 1u) * 16u;
  [[unroll]] for (uint i = 0u; i < 4u; ++i) {
    [[unroll]] for (uint j = 0u; j < 4u; ++j) As[r * kLdA + kh + 4u * i + j] = float16_t(l.a[i][j]);
  }
  const uint kq0 = tid >> 7u, n = tid & 127u;
  [[unroll]] for (uint i = 0u; i < 4u; ++i) {
    const uint kq = kq0 + 2u * i;
    [[unroll]] for (uint j = 0u; j < 4u; ++j) Bs[(4u * kq + j) * kLdB + n] = lut[ByteOf(l.b[i], j)];
  }
}

void main() {
  const uint tid = gl_LocalInvocationIndex;
  // 8 subgroups of 32 (the host checks the size); the matrices' operands are
  // uniform in each.
  const uint sg = gl_SubgroupID, lane = gl_SubgroupInvocationID;
  const uint wm = sg & 3u, wn = sg >> 2u;  // rows 32wm.., columns 64wn..
  const uint m0 = gl_WorkGroupID.y * kTile, n0 = gl_WorkGroupID.x * kTile;
  lut[tid] = float16_t(uintBitsToFloat(c[p.lut + tid]));
  ACC_MAT acc[2][8];  // [2][kFragsN] used
  [[unroll]] for (uint i = 0u; i < 2u; ++i) {
    [[unroll]] for (uint j = 0u; j < kFragsN; ++j) acc[i][j] = ACC_MAT(0.0);
  }
  Loaded next = Load(m0, n0, 0u, tid);
  barrier();  // the table
  for (uint k0 = 0u; k0 < p.Kp; k0 += kStep) {
    Store(next, tid);
    barrier();
    if (k0 + kStep < p.Kp) next = Load(m0, n0, k0 + kStep, tid);  // in flight during the products
    [[unroll]] for (uint kk = 0u; kk < kStep; kk += 16u) {
      A_MAT fa[2];
      B_MAT fb[8];  // [kFragsN] used
      [[unroll]] for (uint i = 0u; i < 2u; ++i) {
        coopMatLoadNV(fa[i], As, (32u * wm + 16u * i) * kLdA + kk, kLdA, false);
      }
      [[unroll]] for (uint j = 0u; j < kFragsN; ++j) {
        coopMatLoadNV(fb[j], Bs, kk * kLdB + 64u * wn + NF * j, kLdB, false);
      }
      [[unroll]] for (uint i = 0u; i < 2u; ++i) {
        [[unroll]] for (uint j = 0u; j < kFragsN; ++j) acc[i][j] = coopMatMulAddNV(fa[i], fb[j], acc[i][j]);
      }
    }
    barrier();
  }
  // y = acc * s + bias, one accumulator at a time through this subgroup's Cs.
  [[unroll]] for (uint i = 0u; i < 2u; ++i) {
    [[unroll]] for (uint j = 0u; j < kFragsN; ++j) {
      coopMatStoreNV(acc[i][j], Cs, sg * 256u, NF, false);
      barrier();
      for (uint e = lane; e < 16u * NF; e += 32u) {
        const uint row = m0 + 32u * wm + 16u * i + e / NF;
        const uint col = n0 + 64u * wn + NF * j + e % NF;
        if (row >= p.M || col >= p.N) continue;
        const float s = p.scale_off == kNone ? p.scale : uintBitsToFloat(c[p.scale_off + col]);
        float v = Cs[sg * 256u + e] * s;
        if (p.bias_off != kNone) v += uintBitsToFloat(c[p.bias_off + col]);
        y[p.y_off + row * p.N + col] = floatBitsToUint(v);
      }
      barrier();
    }
  }
}
