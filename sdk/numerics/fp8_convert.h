// Batch conversions between float32, bf16 and the FP8 family, vectorized.
//
// The implementation is chosen once per process from the CPU (AVX-512, then
// AVX2, then portable scalar code); every path gives bit-identical results.
// The environment variable FP8SDK_CPU_ISA=scalar|avx2|avx512 caps the choice
// (for testing and for measuring one path against another).
//
// All functions are thread-safe; source and destination must not overlap.
// Formats must be valid (ValidateFp8Format): an invalid one gives wrong codes,
// never a memory error.
#ifndef FP8SDK_SDK_NUMERICS_FP8_CONVERT_H_
#define FP8SDK_SDK_NUMERICS_FP8_CONVERT_H_

#include <cstddef>
#include <cstdint>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {

enum class CpuIsa : uint8_t { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

// "scalar", "avx2", "avx512".
const char* CpuIsaName(CpuIsa isa);
// True when this CPU (and OS) can run the kernels of `isa`.
bool CpuSupports(CpuIsa isa);
// The instruction set the functions below use when none is given: the best
// supported one, capped by FP8SDK_CPU_ISA when that is set.
CpuIsa ActiveCpuIsa();

// Each function takes an optional instruction set; an unsupported one falls
// back to the best supported set below it.

// dst[i] = FP8(src[i]), round to nearest even.
void ConvertFloatToFp8(const float* src, uint8_t* dst, size_t n, const Fp8Format& format,
                       Fp8Saturation saturation, CpuIsa isa = ActiveCpuIsa());
// dst[i] = float(src[i]), exact.
void ConvertFp8ToFloat(const uint8_t* src, float* dst, size_t n, const Fp8Format& format,
                       CpuIsa isa = ActiveCpuIsa());
// dst[i] = bf16 bits of src[i], exact.
void ConvertFp8ToBf16(const uint8_t* src, uint16_t* dst, size_t n, const Fp8Format& format,
                      CpuIsa isa = ActiveCpuIsa());
// max |src[i]| (0 for n == 0); NaN if any element is NaN; +inf if any is
// infinite and none is NaN.
float AbsMax(const float* src, size_t n, CpuIsa isa = ActiveCpuIsa());

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_FP8_CONVERT_H_
