// The FP8 GEMM's choice of product, packing and dispatch (fp8_gemm.h). Built
// without ISA flags: everything here runs on any x86-64 or AArch64 CPU. On
// other CPUs no product runs (Fp8GemmPathRuns is false) and the backend's FP8
// LINEARs take oneDNN's matmul.
#include "backends/onednn/fp8_gemm.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <cstdlib>
#include <cstring>

#include "sdk/numerics/fp8_convert.h"

namespace fp8sdk {
namespace onednn {
namespace {

// What the products need beyond ActiveCpuIsa()'s sets (kAvx512: AVX512F/BW/VL;
// kAvx2: AVX2 and FMA), which also carry the FP8SDK_CPU_ISA cap.
struct CpuExtras {
  bool vbmi = false, bf16 = false, f16c = false;
  CpuExtras() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    vbmi = __builtin_cpu_supports("avx512vbmi");
    bf16 = __builtin_cpu_supports("avx512bf16");
    // F16C through CPUID (leaf 1, ECX bit 29): clang's __builtin_cpu_supports
    // does not know "f16c".
    unsigned a = 0, b = 0, c = 0, d = 0;
    f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
#endif
  }
};

const CpuExtras& Cpu() {
  static const CpuExtras cpu;
  return cpu;
}

// bf16 bits of every code of `f` (exact).
void Bf16Table(const Fp8Format& f, uint16_t (&bits)[256]) {
  uint8_t codes[256];
  for (int i = 0; i < 256; ++i) codes[i] = static_cast<uint8_t>(i);
  ConvertFp8ToBf16(codes, bits, 256, f);
}

// Code | 0x80 decodes to the same bits | 0x8000 (the AVX-512 decode takes
// the magnitude from a table and the sign apart).
bool SignMagnitude(const Fp8Format& f) {
  uint16_t bits[256];
  Bf16Table(f, bits);
  for (int i = 0; i < 128; ++i) {
    if (bits[i + 128] != (bits[i] | 0x8000u)) return false;
  }
  return true;
}

}  // namespace

const char* Fp8GemmPathName(Fp8GemmPath path) {
  switch (path) {
    case Fp8GemmPath::kBf16Dot:
      return "bf16";
    case Fp8GemmPath::kF32Fma:
      return "f32";
    case Fp8GemmPath::kAvx2Fma:
      return "avx2";
    case Fp8GemmPath::kNeonFma:
      return "neon";
    case Fp8GemmPath::kAuto:
      break;
  }
  return "auto";
}

bool Fp8GemmPathRuns(Fp8GemmPath path, const Fp8Format& format) {
  const CpuIsa cap = ActiveCpuIsa();  // FP8SDK_CPU_ISA caps this too
  switch (path) {
    case Fp8GemmPath::kF32Fma:
      return cap >= CpuIsa::kAvx512 && Cpu().vbmi && SignMagnitude(format);
    case Fp8GemmPath::kBf16Dot:
      return cap >= CpuIsa::kAvx512 && Cpu().vbmi && Cpu().bf16 && SignMagnitude(format);
    case Fp8GemmPath::kAvx2Fma:
      return cap >= CpuIsa::kAvx2 && Cpu().f16c && (format == kE4M3 || format == kE5M2);
    case Fp8GemmPath::kNeonFma:
#if defined(__aarch64__)
      return format == kE4M3 || format == kE5M2;  // Advanced SIMD: every AArch64 CPU
#else
      return false;
#endif
    case Fp8GemmPath::kAuto:
      break;
  }
  return false;
}

Fp8GemmPath PreferredFp8GemmPath(const Fp8Format& format) {
  if (const char* env = std::getenv("FP8SDK_ONEDNN_FP8_GEMM")) {
    for (Fp8GemmPath p : {Fp8GemmPath::kBf16Dot, Fp8GemmPath::kF32Fma, Fp8GemmPath::kAvx2Fma,
                          Fp8GemmPath::kNeonFma}) {
      if (std::strcmp(env, Fp8GemmPathName(p)) == 0 && Fp8GemmPathRuns(p, format)) return p;
    }
  }
#if defined(__x86_64__)
  if (Fp8GemmPathRuns(Fp8GemmPath::kBf16Dot, format) && !__builtin_cpu_is("intel")) {
    return Fp8GemmPath::kBf16Dot;
  }
#endif
  if (Fp8GemmPathRuns(Fp8GemmPath::kF32Fma, format)) return Fp8GemmPath::kF32Fma;
  if (Fp8GemmPathRuns(Fp8GemmPath::kAvx2Fma, format)) return Fp8GemmPath::kAvx2Fma;
  if (Fp8GemmPathRuns(Fp8GemmPath::kNeonFma, format)) return Fp8GemmPath::kNeonFma;
  return Fp8GemmPath::kAuto;
}

void PackFp8Weight(const uint8_t* w, int64_t n, int64_t k, const Fp8Format& format,
                   Fp8GemmPath path, Fp8PackedWeight* out) {
  if (path == Fp8GemmPath::kAuto) path = PreferredFp8GemmPath(format);
  out->path = Fp8GemmPathRuns(path, format) ? path : Fp8GemmPath::kAuto;
  out->n = n;
  out->k = k;
  out->kp = (k + 3) / 4 * 4;
  out->np = (n + kFp8Panel - 1) / kFp8Panel * kFp8Panel;
  out->format = format;
  uint16_t all[256];
  Bf16Table(format, all);
  out->lut.assign(all, all + 128);
  out->has_nan = false;  // a bf16 NaN: exponent all ones, mantissa not zero
  for (int64_t i = 0; i < n * k && !out->has_nan; ++i) out->has_nan = (all[w[i]] & 0x7FFF) > 0x7F80;

  const int64_t kp = out->kp;
  out->panels.assign(static_cast<size_t>(out->np * kp), 0);
  if (out->path == Fp8GemmPath::kAvx2Fma || out->path == Fp8GemmPath::kNeonFma) {
    // Panel p, sub-panel s (16 columns), column j, k at (s * kp + k) * 16 + j.
    for (int64_t col = 0; col < n; ++col) {
      uint8_t* dst = out->panels.data() + col / kFp8Panel * kp * kFp8Panel +
                     col % kFp8Panel / 16 * kp * 16 + col % 16;
      const uint8_t* src = w + col * k;
      for (int64_t i = 0; i < k; ++i) dst[i * 16] = src[i];
    }
    return;
  }
  // Panel p, couple c (4 K), group g (16 columns), column j in the group,
  // k = 4c + i: bf16 word w = 2j + i % 2 of pair 2c + i / 2 comes from byte
  // 16 (w / 8) + 8 (i / 2) + w % 8 of the group's 64 (the decoder's lane
  // unpacks).
  constexpr int64_t kCoupleBytes = 4 * kFp8Panel;
  for (int64_t col = 0; col < n; ++col) {
    const int64_t g = col % kFp8Panel / 16, j = col % 16;
    uint8_t* dst = out->panels.data() + col / kFp8Panel * kp * kFp8Panel + 64 * g;
    const uint8_t* src = w + col * k;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t word = 2 * j + i % 2;
      dst[i / 4 * kCoupleBytes + 16 * (word / 8) + 8 * (i % 4 / 2) + word % 8] = src[i];
    }
  }
}

size_t Fp8GemmScratchPerThread(const Fp8PackedWeight& w) {
#if defined(__x86_64__)
  switch (w.path) {
    case Fp8GemmPath::kBf16Dot:
    case Fp8GemmPath::kF32Fma:
      return Fp8GemmAvx512ScratchPerThread(w);
    case Fp8GemmPath::kAvx2Fma:
      return Fp8GemmAvx2ScratchPerThread(w);
    case Fp8GemmPath::kNeonFma:
    case Fp8GemmPath::kAuto:
      break;
  }
#elif defined(__aarch64__)
  if (w.path == Fp8GemmPath::kNeonFma) return Fp8GemmNeonScratchPerThread(w);
#endif
  static_cast<void>(w);
  return 0;
}

void Fp8Gemm(const void* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
             const float* bias, float* y, uint16_t* scratch, int threads,
             const Fp8GemmPrologue& prologue) {
#if defined(__x86_64__)
  switch (w.path) {
    case Fp8GemmPath::kBf16Dot:
    case Fp8GemmPath::kF32Fma:
      Fp8GemmAvx512(x, rows, w, scale, bias, y, scratch, threads, prologue);
      return;
    case Fp8GemmPath::kAvx2Fma:
      Fp8GemmAvx2(static_cast<const float*>(x), rows, w, scale, bias, y, scratch, threads,
                  prologue);
      return;
    case Fp8GemmPath::kNeonFma:
    case Fp8GemmPath::kAuto:
      break;
  }
  std::abort();  // kAuto or an AArch64 product: never packed here
#elif defined(__aarch64__)
  if (w.path == Fp8GemmPath::kNeonFma) {
    Fp8GemmNeon(static_cast<const float*>(x), rows, w, scale, bias, y, scratch, threads, prologue);
    return;
  }
  if (w.path != Fp8GemmPath::kAuto) std::abort();  // an x86 product: never packed here
#else
  // No product runs here (Fp8GemmPathRuns), so PackFp8Weight chose none and
  // no kernel calls this (MakeFp8LinearKernel returns none).
  static_cast<void>(x), static_cast<void>(rows), static_cast<void>(scale);
  static_cast<void>(bias), static_cast<void>(y), static_cast<void>(scratch);
  static_cast<void>(threads), static_cast<void>(prologue);
  if (w.path != Fp8GemmPath::kAuto) std::abort();
#endif
}

}  // namespace onednn
}  // namespace fp8sdk
