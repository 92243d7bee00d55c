// The CUDA backend's own kernels (kernels_*.cu, compiled by nvcc), launched
// on the caller's stream. Plain C++ declarations: the host code that calls
// them is compiled by the C++ compiler.
#ifndef FP8SDK_BACKENDS_CUDA_CUDA_KERNELS_H_
#define FP8SDK_BACKENDS_CUDA_CUDA_KERNELS_H_

#include <cuda_runtime_api.h>

#include <cstdint>

namespace fp8sdk {
namespace cuda {

constexpr int kMaxDims = 6;

// FP8 encoding constants (sdk/numerics/fp8_kernels.h Fp8EncodeParams): the
// device encoder repeats the CPU's integer steps, so codes are equal.
struct Fp8Encode {
  uint32_t normal_min, rebias, shift, half_m1, sub_base, max_code, overflow_code, nan_code;
};

// An operand's quantization: mode 0 none, 1 FP8 (encode, then `lut`
// decodes), 2 INT8; mul = 1 / scale.
struct QuantSpec {
  int mode = 0;
  float mul = 1.0f;
  Fp8Encode enc{};
  const float* lut = nullptr;  // device, 256 floats (mode 1)
};

// Output index -> input index through per-dimension strides (0 where an
// input is broadcast).
struct Strides {
  int rank = 1;
  int64_t dims[kMaxDims] = {1, 1, 1, 1, 1, 1};
  int64_t a[kMaxDims] = {0, 0, 0, 0, 0, 0};
  int64_t b[kMaxDims] = {0, 0, 0, 0, 0, 0};
};

// ---- kernels_elementwise.cu ----
void LaunchBinary(const float* a, const float* b, float* y, int64_t n, const Strides& s, bool mul,
                  cudaStream_t stream);
// op: 0 GELU (erf), 1 GELU (tanh), 2 TANH.
void LaunchUnary(const float* x, float* y, int64_t n, int op, cudaStream_t stream);
// y[m, n] = acc[m * ld + n] * (per_column ? scale[n] : scale[0]) + (bias ? bias[n] : 0).
void LaunchScaleBias(const float* acc, int64_t ld, const float* scale, bool per_column,
                     const float* bias, float* y, int64_t M, int64_t N, cudaStream_t stream);
// Rows of x [M, K] quantized to codes [M, ldq] (zero-padded past K):
// FP8 (mode 1) or INT8 (mode 2) codes.
void LaunchQuantizeRows(const float* x, uint8_t* codes, int64_t M, int64_t K, int64_t ldq,
                        const QuantSpec& q, cudaStream_t stream);
// x [M, K] -> its quantized values decoded, rows of ld (zero-padded), as f32
// (out_f32) or bf16 (out_bf16; exact for FP8/INT8 codes).
void LaunchFakeQuant(const float* x, float* out_f32, uint16_t* out_bf16, int64_t M, int64_t K,
                     int64_t ld, const QuantSpec& q, cudaStream_t stream);
// QUANTIZE / DEQUANTIZE, per tensor or per channel ((i / inner) % channels).
void LaunchQuantize(const float* x, uint8_t* y, int64_t n, int64_t inner, int64_t channels,
                    const float* muls, const QuantSpec& q, cudaStream_t stream);
void LaunchDequantize(const uint8_t* x, float* y, int64_t n, int64_t inner, int64_t channels,
                      const float* scales, const float* lut, cudaStream_t stream);
// max |x| into *amax (device; the caller zeroes it first).
void LaunchAbsMax(const float* x, int64_t n, float* amax, cudaStream_t stream);

// ---- kernels_norm.cu ----
// y = LayerNorm(x (+ residual)) * gamma + beta over rows of C. With a
// residual, the ADD before the LayerNorm is fused: sum_out (if not null)
// also receives x + residual.
void LaunchLayerNorm(const float* x, const float* residual, float* sum_out, const float* gamma,
                     const float* beta, float* y, int64_t rows, int64_t C, float eps,
                     cudaStream_t stream);
// mode 0 none, 1 key padding (mask_kind 0 f32, 1 int32, 2 int64, 3 uint8;
// row r uses mask row r / rows_per_batch), 2 additive (f32, `mask_strides`
// over the scores' shape).
void LaunchSoftmax(const float* x, const void* mask, int mode, int mask_kind,
                   const Strides& mask_strides, int64_t rows, int64_t C, int64_t rows_per_batch,
                   float scale, float* y, cudaStream_t stream);

// ---- kernels_layout.cu ----
// y[o, i, j] = table[o, idx[i], j]. codes: 8-bit table decoded by lut and
// multiplied by scales[idx] (or `scale`). An index outside [0, dim) writes
// zeros and lowers *bad_position (device; the caller sets it to ~0).
void LaunchGather(const void* table, bool codes, const float* lut, const float* scales, float scale,
                  const void* idx, bool idx64, int64_t outer, int64_t count, int64_t dim,
                  int64_t inner, int elem_bytes, void* y, unsigned long long* bad_position,
                  cudaStream_t stream);
// y[i] = x[sum(coord_d(i) * strides[d])] over `dims` (the output's shape).
void LaunchCopy(const void* x, void* y, int64_t n, const Strides& s, int elem_bytes,
                cudaStream_t stream);

}  // namespace cuda
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_CUDA_CUDA_KERNELS_H_
