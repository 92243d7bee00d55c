// An FP8-weight GEMM of our own for LINEAR on CPUs with AVX-512 VBMI: the
// weight stays one byte per element, packed once into panels of kFp8Panel
// output columns with K pairs interleaved (what vdpbf16ps consumes); at run
// each thread decodes a panel to bf16 (exact) into its scratch and multiplies
// it with the bf16 activation rows on a 6 x 64 register tile, K in blocks
// whose part of the panel stays in L1. M = 1 takes a GEMV that decodes the
// bytes in registers instead (no scratch round trip).
//
// Numerics: the inputs are exact in bf16 (FP8 codes) and their products are
// exact in f32, so only the summation order differs from the reference; the
// store applies y = acc * scale[n] + bias[n] (a multiply, then an add: the
// reference's two roundings).
//
// Two products share the packed weight (M > 1; M = 1 always takes the GEMV):
// kBf16Dot multiplies bf16 pairs with vdpbf16ps; kF32Fma decodes the panel
// to f32 and accumulates with FMAs in k order, one product at a time, which
// is the reference's sum bit for bit (an exact product plus one rounding is
// what the reference's multiply then add gives). Which is faster depends on
// the core: AMD Zen 4 runs vdpbf16ps at twice its f32 FMA rate; on the Intel
// Xeons measured (README) oneDNN's own bf16 matmul ran at 0.62x its f32 one
// and kBf16Dot at about half of oneDNN f32, so Intel cores take kF32Fma.
//
// This header has no intrinsics: fp8_gemm_avx512.cc is the only file built
// with AVX-512 flags, and its functions may only be called when
// Fp8GemmSupported() is true.
#ifndef FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_H_
#define FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace onednn {

constexpr int64_t kFp8Panel = 64;  // output columns per panel (4 zmm of f32)

// True when the CPU has AVX512F/BW/VL and AVX512_VBMI (byte lookups): the
// kF32Fma product runs.
bool Fp8GemmSupported();
// ... and AVX512_BF16: kBf16Dot runs too.
bool Fp8GemmBf16Supported();

struct Fp8PackedWeight {
  int64_t n = 0, k = 0;
  int64_t kp = 0;  // k rounded up to a multiple of 4 (two pairs); pad code 0 (+0)
  int64_t np = 0;  // n rounded up to kFp8Panel; pad columns are code 0
  Fp8Format format;
  // Panel p holds kp / 4 "couples" of 3 x 64 bytes: group g (columns
  // 16g..16g+15), column j, k = 4c + i at byte 64g + 4j + 2(i % 2) + i / 2 of
  // couple c, so that a 64-byte load read as 32 words has pair 2c in its low
  // bytes and pair 2c + 1 in its high bytes, each in vdpbf16ps' order.
  std::vector<uint8_t> panels;
  // bf16 bits of codes 0..127 (the in-register decode's table).
  std::vector<uint16_t> lut;
  // Code | 0x80 decodes to the same bits | 0x8000 (true of E4M3 and E5M2);
  // Fp8Gemm requires it.
  bool sign_magnitude = false;
};

// Packs a [n, k] row-major weight of FP8 codes.
void PackFp8Weight(const uint8_t* w, int64_t n, int64_t k, const Fp8Format& format,
                   Fp8PackedWeight* out);

enum class Fp8GemmPath {
  kAuto,     // PreferredFp8GemmPath()
  kBf16Dot,  // vdpbf16ps on bf16 pairs
  kF32Fma,   // f32 FMAs in k order (the reference's sums)
};

// kF32Fma on Intel CPUs and CPUs without AVX512_BF16, kBf16Dot elsewhere;
// FP8SDK_ONEDNN_FP8_GEMM=bf16 or =f32 chooses (read on every call; bf16 only
// where it runs).
Fp8GemmPath PreferredFp8GemmPath();

// bf16 elements of one thread's scratch (one decoded panel, in bf16 or f32,
// and a block of activation rows in f32).
size_t Fp8GemmScratchPerThread(const Fp8PackedWeight& w);

// y[m, n] = (sum_k x[m, k] * w[n, k]) * scale[n] + bias[n] for m < rows.
// Requires w.sign_magnitude. x: bf16 rows of w.kp elements (pad zero); scale, bias: w.np floats
// (pad any finite value); y: rows x w.n floats; scratch: threads * Fp8GemmScratchPerThread(w)
// elements. Runs on `threads` OpenMP threads.
// Work run inside Fp8Gemm's parallel region before the product, on every
// thread (thread, threads), followed by a barrier: what produces x (the
// activation quantization) without a parallel region of its own.
struct Fp8GemmPrologue {
  void (*fn)(void* ctx, int thread, int threads) = nullptr;
  void* ctx = nullptr;
};

void Fp8Gemm(const uint16_t* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
             const float* bias, float* y, uint16_t* scratch, int threads,
             const Fp8GemmPrologue& prologue = {}, Fp8GemmPath path = Fp8GemmPath::kAuto);

}  // namespace onednn
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_H_
