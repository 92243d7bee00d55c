#include "sdk/numerics/fp8_convert.h"

#include <cstdlib>
#include <cstring>

#include "sdk/numerics/fp8_dispatch.h"
#include "sdk/numerics/fp8_params.h"

namespace fp8sdk {

const char* CpuIsaName(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::kScalar:
      return "scalar";
    case CpuIsa::kAvx2:
      return "avx2";
    case CpuIsa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool CpuSupports(CpuIsa isa) {
#if defined(__x86_64__) && defined(__GNUC__)
  switch (isa) {
    case CpuIsa::kScalar:
      return true;
    case CpuIsa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case CpuIsa::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl");
  }
  return false;
#else
  return isa == CpuIsa::kScalar;
#endif
}

namespace {

CpuIsa BestSupportedAtMost(CpuIsa cap) {
  for (int i = static_cast<int>(cap); i > 0; --i) {
    if (CpuSupports(static_cast<CpuIsa>(i))) return static_cast<CpuIsa>(i);
  }
  return CpuIsa::kScalar;
}

CpuIsa DetectActiveIsa() {
  CpuIsa cap = CpuIsa::kAvx512;
  if (const char* env = std::getenv("FP8SDK_CPU_ISA")) {
    if (std::strcmp(env, "scalar") == 0) cap = CpuIsa::kScalar;
    if (std::strcmp(env, "avx2") == 0) cap = CpuIsa::kAvx2;
  }
  return BestSupportedAtMost(cap);
}

}  // namespace

CpuIsa ActiveCpuIsa() {
  static const CpuIsa active = DetectActiveIsa();
  return active;
}

namespace internal {

const ConvertKernels& KernelsFor(CpuIsa isa) {
  switch (BestSupportedAtMost(isa)) {
#if defined(__x86_64__)
    case CpuIsa::kAvx512:
      return kAvx512Kernels;
    case CpuIsa::kAvx2:
      return kAvx2Kernels;
#endif
    default:
      break;
  }
  return kScalarKernels;
}

}  // namespace internal

void ConvertFloatToFp8(const float* src, uint8_t* dst, size_t n, const Fp8Format& format,
                       Fp8Saturation saturation, CpuIsa isa) {
  internal::KernelsFor(isa).encode(src, dst, n, 1.0f,
                                   internal::MakeEncodeParams(format, saturation));
}

void ConvertFp8ToFloat(const uint8_t* src, float* dst, size_t n, const Fp8Format& format,
                       CpuIsa isa) {
  internal::KernelsFor(isa).decode_f32(src, dst, n, 1.0f, internal::MakeDecodeParams(format));
}

void ConvertFp8ToBf16(const uint8_t* src, uint16_t* dst, size_t n, const Fp8Format& format,
                      CpuIsa isa) {
  internal::KernelsFor(isa).decode_bf16(src, dst, n, internal::MakeDecodeParams(format));
}

float AbsMax(const float* src, size_t n, CpuIsa isa) {
  return internal::KernelsFor(isa).abs_max(src, n);
}

}  // namespace fp8sdk
