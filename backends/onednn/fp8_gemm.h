// An FP8-weight GEMM of our own for LINEAR: the weight stays one byte per
// element, packed once into panels of kFp8Panel output columns; at run each
// thread decodes a panel (exactly) into its scratch and multiplies it with the
// activation rows on a register tile, K in blocks whose part of the panel
// stays in L1. M = 1 takes a GEMV that decodes the bytes in registers instead
// (no scratch round trip).
//
// Numerics: the inputs are FP8 values (exact in bf16 and f32) and their
// products are exact in f32, so at most the summation order differs from the
// reference; the store applies y = acc * scale[n] + bias[n] (a multiply, then
// an add: the reference's two roundings).
//
// Four products (Fp8GemmPath), each with its packed layout:
// - kBf16Dot (AVX-512 BF16): bf16 pairs with vdpbf16ps (sums in pairs);
// - kF32Fma (AVX-512 VBMI): the panel decoded to f32 and FMAs in k order, one
//   product at a time: the reference's sum bit for bit (an exact product
//   plus one rounding is what the reference's multiply then add gives);
// - kAvx2Fma (AVX2, FMA, F16C; E4M3 and E5M2): the same sums as kF32Fma on
//   8-lane vectors; codes decode through f16 (vcvtph2ps), so CPUs without
//   AVX-512 keep one byte per weight too;
// - kNeonFma (AArch64 Advanced SIMD; E4M3 and E5M2): kAvx2Fma's scheme and
//   layout on 4-lane vectors, so 64-bit ARM CPUs keep one byte per weight.
// Which AVX-512 product is faster depends on the core: AMD Zen 4 runs
// vdpbf16ps at twice its f32 FMA rate; on the Intel Xeons measured (README)
// oneDNN's own bf16 matmul ran at 0.62x its f32 one and kBf16Dot at about half
// of oneDNN f32, so Intel cores take kF32Fma.
//
// This header has no intrinsics: fp8_gemm_avx512.cc and fp8_gemm_avx2.cc are
// the only files built with ISA flags (fp8_gemm_neon.cc needs none on
// AArch64), and a path's code runs only where Fp8GemmPathRuns says so
// (Fp8Gemm checks).
#ifndef FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_H_
#define FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace onednn {

constexpr int64_t kFp8Panel = 64;  // output columns per panel

enum class Fp8GemmPath {
  kAuto,     // PreferredFp8GemmPath()
  kBf16Dot,  // AVX-512: vdpbf16ps on bf16 pairs
  kF32Fma,   // AVX-512: f32 FMAs in k order (the reference's sums)
  kAvx2Fma,  // AVX2: f32 FMAs in k order (the reference's sums)
  kNeonFma,  // AArch64 Advanced SIMD: f32 FMAs in k order (the reference's sums)
};

// "bf16", "f32", "avx2", "neon" (what FP8SDK_ONEDNN_FP8_GEMM takes); "auto".
const char* Fp8GemmPathName(Fp8GemmPath path);

// True when this CPU runs `path` on weights of `format`: kF32Fma needs
// AVX512F/BW/VL and AVX512_VBMI, kBf16Dot also AVX512_BF16 (both for formats
// whose negative codes decode to the positive ones with the sign bit set,
// true of E4M3 and E5M2), kAvx2Fma AVX2, FMA and F16C and E4M3 or E5M2,
// kNeonFma an AArch64 CPU (any) and E4M3 or E5M2.
// FP8SDK_CPU_ISA=avx2 (or scalar) caps the AVX-512 (and AVX2) products as it
// caps the numerics' kernels (fp8_convert.h).
bool Fp8GemmPathRuns(Fp8GemmPath path, const Fp8Format& format);

// The product for `format` on this CPU: kF32Fma on Intel CPUs and AVX-512
// CPUs without AVX512_BF16, kBf16Dot on other AVX512_BF16 CPUs, kAvx2Fma on
// CPUs with AVX2 only, kNeonFma on AArch64; kAuto when none runs.
// FP8SDK_ONEDNN_FP8_GEMM=bf16, f32, avx2 or neon chooses among those that
// run.
Fp8GemmPath PreferredFp8GemmPath(const Fp8Format& format);

struct Fp8PackedWeight {
  Fp8GemmPath path = Fp8GemmPath::kAuto;  // the product this layout is for
  int64_t n = 0, k = 0;
  int64_t kp = 0;  // k rounded up to a multiple of 4 (two pairs); pad code 0 (+0)
  int64_t np = 0;  // n rounded up to kFp8Panel; pad columns are code 0
  Fp8Format format;
  // kBf16Dot, kF32Fma: panel p holds kp / 4 "couples" of 4 x 64 bytes: group
  // g (columns 16g..16g+15), column j, k = 4c + i at byte
  // 64g + 16(w / 8) + 8(i / 2) + w % 8 of couple c, w = 2j + i % 2, so that a
  // 64-byte load, its bytes unpacked per 128-bit lane, gives pair 2c (low
  // half) and pair 2c + 1 (high half) as bf16 words in vdpbf16ps' order.
  // kAvx2Fma, kNeonFma: panel p holds kFp8Panel / 16 sub-panels of kp x 16 bytes,
  // k-major: sub-panel s, column j, k at byte (s * kp + k) * 16 + j.
  std::vector<uint8_t> panels;
  // bf16 bits of codes 0..127 (the AVX-512 in-register decode's table).
  std::vector<uint16_t> lut;
  // Some weight is a NaN code (kAvx2Fma and kNeonFma decode E4M3 NaNs only
  // then).
  bool has_nan = false;
};

// Packs a [n, k] row-major weight of FP8 codes for `path` (kAuto:
// PreferredFp8GemmPath(format)); out->path is kAuto when no product runs
// on this CPU for the format (then Fp8Gemm must not be called).
void PackFp8Weight(const uint8_t* w, int64_t n, int64_t k, const Fp8Format& format,
                   Fp8GemmPath path, Fp8PackedWeight* out);

// uint16_t elements of one thread's scratch (a decoded panel or a K block of
// it).
size_t Fp8GemmScratchPerThread(const Fp8PackedWeight& w);

// Work run inside Fp8Gemm's parallel region before the product, on every
// thread (thread, threads), followed by a barrier: what produces x (the
// activation quantization) without a parallel region of its own.
struct Fp8GemmPrologue {
  void (*fn)(void* ctx, int thread, int threads) = nullptr;
  void* ctx = nullptr;
};

// The activations each product reads: f32 values for the FMA products
// (broadcast straight into their FMAs; widening bf16 there cost a pass over x
// per panel), bf16 bits for kBf16Dot (vdpbf16ps' pairs).
inline bool Fp8GemmReadsF32(Fp8GemmPath path) {
  return path == Fp8GemmPath::kF32Fma || path == Fp8GemmPath::kAvx2Fma ||
         path == Fp8GemmPath::kNeonFma;
}

// y[m, n] = (sum_k x[m, k] * w[n, k]) * scale[n] + bias[n] for m < rows,
// with w's product (w.path must not be kAuto). x: rows of w.kp elements (pad
// zero), f32 or bf16 as Fp8GemmReadsF32(w.path) says; scale, bias: w.np
// floats (pad any finite value); y: rows x w.n floats; scratch: threads *
// Fp8GemmScratchPerThread(w) elements. Runs on `threads` OpenMP threads.
void Fp8Gemm(const void* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
             const float* bias, float* y, uint16_t* scratch, int threads,
             const Fp8GemmPrologue& prologue = {});

// The ISA files' entry points (Fp8Gemm and Fp8GemmScratchPerThread dispatch
// on w.path).
size_t Fp8GemmAvx512ScratchPerThread(const Fp8PackedWeight& w);
size_t Fp8GemmAvx2ScratchPerThread(const Fp8PackedWeight& w);
void Fp8GemmAvx512(const void* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
                   const float* bias, float* y, uint16_t* scratch, int threads,
                   const Fp8GemmPrologue& prologue);
void Fp8GemmAvx2(const float* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
                 const float* bias, float* y, uint16_t* scratch, int threads,
                 const Fp8GemmPrologue& prologue);
size_t Fp8GemmNeonScratchPerThread(const Fp8PackedWeight& w);
void Fp8GemmNeon(const float* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
                 const float* bias, float* y, uint16_t* scratch, int threads,
                 const Fp8GemmPrologue& prologue);

}  // namespace onednn
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_H_
