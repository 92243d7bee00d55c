// Internal: maps an instruction set to its kernel table.
#ifndef FP8SDK_SDK_NUMERICS_FP8_DISPATCH_H_
#define FP8SDK_SDK_NUMERICS_FP8_DISPATCH_H_

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/fp8_kernels.h"

namespace fp8sdk {
namespace internal {

// The kernels of `isa`, or of the best supported set below it.
const ConvertKernels& KernelsFor(CpuIsa isa);

}  // namespace internal
}  // namespace fp8sdk

#endif  // FP8SDK_SDK_NUMERICS_FP8_DISPATCH_H_
