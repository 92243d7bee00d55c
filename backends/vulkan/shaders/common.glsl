// Shared by the compute shaders: every buffer is an array of 32-bit words
// (floats through uintBitsToFloat), so no 8- or 16-bit storage feature is
// needed; FP8 and INT8 codes are packed four to a word, little-endian.

// FP8 encoding in integer arithmetic: the same steps as
// sdk/numerics/fp8_kernels.h EncodeFp8Bits (RNE, saturation by
// overflow_code), so codes equal the CPU's bit for bit. The eight
// parameters come from the host (internal::MakeEncodeParams).
struct EncodeParams {
  uint normal_min, rebias, shift, half_m1, sub_base, max_code, overflow_code, nan_code;
};

uint EncodeFp8(float x, EncodeParams p) {
  const uint u = floatBitsToUint(x);
  const uint a = u & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return p.nan_code;
  const uint sign = (u >> 24) & 0x80u;
  uint r;
  if (a >= p.normal_min) {
    r = (a - p.rebias + p.half_m1 + ((a >> p.shift) & 1u)) >> p.shift;
    if (r > p.max_code) r = p.overflow_code;
  } else {
    // A float denormal is m x 2^-149: exponent 1, no implicit leading bit.
    const int s = clamp(int(p.sub_base) - max(int(a >> 23), 1), 1, 31);
    const uint m24 = (a & 0x7FFFFFu) | (a >= 0x800000u ? 0x800000u : 0u);
    r = (m24 + (1u << uint(s - 1)) - 1u + ((m24 >> uint(s)) & 1u)) >> uint(s);
  }
  return r | sign;
}

// The value EncodeFp8 (saturating) then the code table give, computed on the
// format's grid: |x| rounded half to even to a multiple of 2^(e - m), e the
// larger of its exponent and the smallest normal one, after saturating at
// the largest finite value (which is on the grid); the sign kept (-0 too);
// NaN becomes what the NaN code decodes to (the largest finite value in
// formats without NaN). Every step is exact: powers of two scale, and the
// rounded multiple has at most m + 1 bits. The host's parameters
// (vk_kernels.cc AddActQuant) keep 2^(e - m) and 2^(m - e) normal floats.
struct Fp8Grid {
  int man_bits, emin;
  float max_finite, nan_value;
};

float QuantizeDequantizeFp8(float x, Fp8Grid g) {
  if (isnan(x)) return g.nan_value;
  const uint sign = floatBitsToUint(x) & 0x80000000u;
  const float a = min(abs(x), g.max_finite);
  const int qe = max(int(floatBitsToUint(a) >> 23) - 127, g.emin) - g.man_bits;
  const float r = roundEven(a * uintBitsToFloat(uint(127 - qe) << 23)) *
                  uintBitsToFloat(uint(127 + qe) << 23);
  return uintBitsToFloat(floatBitsToUint(r) | sign);
}

// Round half to even into [-127, 127]; NaN -> 0 (QuantizeInt8Value).
int QuantizeInt8(float y) {
  if (isnan(y)) return 0;
  if (y >= 127.0) return 127;
  if (y <= -127.0) return -127;
  return int(roundEven(y));
}

// Byte i (0..3) of a word.
uint ByteOf(uint word, uint i) { return (word >> (8u * i)) & 0xFFu; }

const uint kNone = 0xFFFFFFFFu;
