#version 450
// Rows of an operand for the CPU-type GEMMs (gemm_direct.comp,
// bmm_direct.comp) and the large GPU GEMMs: quantized and decoded when the
// operator quantizes it (x * mul -> code -> table), copied otherwise, into
// rows of Kp floats padded with zeros (binding 3, from word out_off): FP8
// values rounded on the format's grid (QuantizeDequantizeFp8: no code, no
// table load, which CPU devices run lane by lane). Row r
// of batch b reads x0[x_off + b * batch_stride + r * row_stride + k *
// k_stride]: a LINEAR's input or a BATCH_MATMUL's A are rows of K values; a
// BATCH_MATMUL's B is read by columns (k_stride = N), so that its rows here
// are B's columns.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#ifdef HALF_OUT
// Built a second time with HALF_OUT (pack_rows16): the rows as IEEE halves,
// Kp to a row from half out_off * 2, for gemm_large16.comp on devices with
// 16-bit storage (storageBuffer16BitAccess). Only for quantizing modes whose
// every value the host has checked is zero, NaN or a normal half (E4M3,
// INT8): the GEMM then multiplies the same values. The halves are 16-bit
// integers made here in integer arithmetic (HalfBits), not half-precision
// conversions: lavapipe on 64-bit ARM (Mesa 22.3, LLVM 15) aborts the
// process compiling a conversion of a 16-bit buffer value to float.
#extension GL_EXT_shader_16bit_storage : require
#endif
#include "common.glsl"

// What the operator does to this operand, a pipeline each (a branch on a
// push constant runs every side on CPU devices): 0: copy, 1: FP8, 2: INT8;
// and which operand: 0 (binding 1) or 1 (binding 2).
layout(constant_id = 0) const uint MODE = 0u;
layout(constant_id = 1) const uint INPUT = 0u;
// VEC = 1: four consecutive k per invocation, loaded and stored as uvec4
// (the host takes it where rows are contiguous and every row start and
// length is a multiple of 4 words). CPU devices run each load or store as a
// loop over the lanes: four words in one costs about what one word does.
layout(constant_id = 2) const uint VEC = 0u;

// 64 invocations along k: a BATCH_MATMUL's rows are short (64 values per
// attention head), and CPU devices run idle invocations too.
layout(local_size_x = 64) in;

layout(std430, set = 0, binding = 1) readonly buffer In0 { uint x0[]; };
layout(std430, set = 0, binding = 2) readonly buffer In1 { uint x1[]; };
layout(std430, set = 0, binding = 1) readonly buffer In0v { uvec4 x0v[]; };
layout(std430, set = 0, binding = 2) readonly buffer In1v { uvec4 x1v[]; };
#ifdef HALF_OUT
layout(std430, set = 0, binding = 3) buffer Packed { uint16_t a[]; };
layout(std430, set = 0, binding = 3) buffer Packed4 { u16vec4 a4[]; };
#else
layout(std430, set = 0, binding = 3) buffer Packed { uint a[]; };
layout(std430, set = 0, binding = 3) buffer Packed4 { uvec4 a4[]; };
#endif
layout(std430, set = 0, binding = 4) readonly buffer Consts { uint c[]; };

layout(push_constant) uniform Params {
  uint M, K, Kp;  // rows per batch, values per row, the padded row length
  uint x_off;
  float mul;
  uint grid;     // words in Consts: mantissa bits, min normal exponent, max finite, NaN's value
  uint out_off;  // words into binding 3
  uint row_stride, k_stride, batch_stride;  // the input's, in words
  uint batches;
} p;

float Quantized(float v, Fp8Grid g) {
  if (MODE == 1u) return QuantizeDequantizeFp8(v * p.mul, g);
  if (MODE == 2u) return float(QuantizeInt8(v * p.mul));
  return v;
}

// A value (vector) as binding 3 stores it. Written in place: 16-bit values
// outside a buffer (a function's result) would need the Int16 capability.
#ifdef HALF_OUT
// The half with v's value: zero, NaN or a normal half (the host's check), so
// the float's exponent rebiased and its mantissa's top 10 bits are exact.
uint HalfBits(float v) {
  const uint u = floatBitsToUint(v);
  const uint sign = (u >> 16) & 0x8000u;
  const uint a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return sign | 0x7E00u;  // NaN
  if (a == 0u) return sign;
  return sign | ((a - ((127u - 15u) << 23)) >> 13);
}
#define STORED(v) uint16_t(HalfBits(v))
#define STORED4(v) u16vec4(uvec4(HalfBits(v.x), HalfBits(v.y), HalfBits(v.z), HalfBits(v.w)))
#else
#define STORED(v) floatBitsToUint(v)
#define STORED4(v) floatBitsToUint(v)
#endif

void main() {
  Fp8Grid g;
  if (MODE == 1u) {
    g.man_bits = int(c[p.grid]);
    g.emin = int(c[p.grid + 1u]);
    g.max_finite = uintBitsToFloat(c[p.grid + 2u]);
    g.nan_value = uintBitsToFloat(c[p.grid + 3u]);
  }
  // Batches along z, rows along y, k along x, each a grid-stride loop (no
  // division per value).
  for (uint b = gl_WorkGroupID.z; b < p.batches; b += gl_NumWorkGroups.z) {
    for (uint row = gl_WorkGroupID.y; row < p.M; row += gl_NumWorkGroups.y) {
      const uint in_row = p.x_off + b * p.batch_stride + row * p.row_stride;
#ifdef HALF_OUT
      const uint out_row = 2u * p.out_off + (b * p.M + row) * p.Kp;  // in halves
#else
      const uint out_row = p.out_off + (b * p.M + row) * p.Kp;
#endif
      if (VEC == 1u) {
        for (uint k4 = gl_GlobalInvocationID.x; k4 < p.Kp / 4u; k4 += gl_NumWorkGroups.x * 64u) {
          vec4 v = vec4(0.0);
          if (4u * k4 < p.K) {
            const uint i = in_row / 4u + k4;
            v = uintBitsToFloat(INPUT == 1u ? x1v[i] : x0v[i]);
            [[unroll]] for (uint j = 0u; j < 4u; ++j) v[j] = Quantized(v[j], g);
          }
          a4[out_row / 4u + k4] = STORED4(v);
        }
        continue;
      }
      for (uint k = gl_GlobalInvocationID.x; k < p.Kp; k += gl_NumWorkGroups.x * 64u) {
        float v = 0.0;
        if (k < p.K) {
          const uint i = in_row + k * p.k_stride;
          if (INPUT == 1u) {
            v = uintBitsToFloat(x1[i]);
          } else {
            v = uintBitsToFloat(x0[i]);
          }
          v = Quantized(v, g);
        }
        a[out_row + k] = STORED(v);
      }
    }
  }
}
