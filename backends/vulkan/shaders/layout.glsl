// The one descriptor set layout of every pipeline: 0 = output, 1..3 = inputs,
// 4 = the partition's constants (weights, tables, parameters), 5 = status
// words (errors found on the device); on CPU devices also 6 = the constants
// and 7 = the scratch buffer as uvec4 texels (uniform texel buffers, fetched
// as vector gathers there where storage buffer loads go lane by lane; shaders
// that read them declare them). Offsets in push constants are in words.
layout(std430, set = 0, binding = 0) buffer Out { uint y[]; };
layout(std430, set = 0, binding = 1) readonly buffer In0 { uint x0[]; };
layout(std430, set = 0, binding = 2) readonly buffer In1 { uint x1[]; };
layout(std430, set = 0, binding = 3) readonly buffer In2 { uint x2[]; };
layout(std430, set = 0, binding = 4) readonly buffer Consts { uint c[]; };
layout(std430, set = 0, binding = 5) buffer Status { uint status[]; };

float F(uint w) { return uintBitsToFloat(w); }
uint W(float f) { return floatBitsToUint(f); }
