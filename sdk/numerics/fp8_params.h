// Internal: builds the kernel constants of fp8_kernels.h for a format.
#ifndef FP8SDK_SDK_NUMERICS_FP8_PARAMS_H_
#define FP8SDK_SDK_NUMERICS_FP8_PARAMS_H_

#include "sdk/numerics/fp8_format.h"
#include "sdk/numerics/fp8_kernels.h"

namespace fp8sdk {
namespace internal {

// The format must be valid (ValidateFp8Format).
Fp8EncodeParams MakeEncodeParams(const Fp8Format& format, Fp8Saturation saturation);
Fp8DecodeParams MakeDecodeParams(const Fp8Format& format);

}  // namespace internal
}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_FP8_PARAMS_H_
