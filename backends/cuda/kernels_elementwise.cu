// ADD/MUL with broadcasting, GELU/TANH, the LINEAR epilogue (per-column
// scale and bias), quantization of rows for the FP8 GEMM, fake quantization,
// QUANTIZE/DEQUANTIZE and amax.
#include <cuda_bf16.h>

#include "backends/cuda/device_common.cuh"

namespace fp8sdk {
namespace cuda {
namespace {

__global__ void BinaryKernel(const float* a, const float* b, float* y, int64_t n, Strides s,
                             bool mul) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rest = i, ia = 0, ib = 0;
    for (int d = s.rank - 1; d >= 0; --d) {
      const int64_t c = rest % s.dims[d];
      rest /= s.dims[d];
      ia += c * s.a[d];
      ib += c * s.b[d];
    }
    y[i] = mul ? a[ia] * b[ib] : a[ia] + b[ib];
  }
}


__global__ void UnaryKernel(const float* x, float* y, int64_t n, int op) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float v = x[i];
    float r;
    if (op == 0) {
      r = 0.5f * v * erfcf(-v * 0.7071067811865476f);  // 0.5 x (1 + erf(x / sqrt 2))
    } else if (op == 1) {
      r = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
    } else {
      r = tanhf(v);
    }
    y[i] = r;
  }
}

__global__ void ScaleBiasKernel(const float* acc, int64_t ld, const float* scale, bool per_column,
                                const float* bias, float* y, int64_t M, int64_t N) {
  const int64_t total = M * N;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t m = i / N, n = i % N;
    // A multiply, then an add (the reference's two roundings).
    float v = __fmul_rn(acc[m * ld + n], per_column ? scale[n] : scale[0]);
    if (bias) v = __fadd_rn(v, bias[n]);
    y[i] = v;
  }
}

__global__ void QuantizeRowsKernel(const float* x, uint8_t* codes, int64_t M, int64_t K,
                                   int64_t ldq, QuantSpec q) {
  const int64_t total = M * ldq;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t m = i / ldq, k = i % ldq;
    codes[i] = k < K ? static_cast<uint8_t>(QuantCode(x[m * K + k], q)) : 0;
  }
}

__global__ void FakeQuantKernel(const float* x, float* out_f32, __nv_bfloat16* out_bf16, int64_t M,
                                int64_t K, int64_t ld, QuantSpec q) {
  const int64_t total = M * ld;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t m = i / ld, k = i % ld;
    const float v = k < K ? QuantValue(x[m * K + k], q) : 0.0f;
    if (out_f32) out_f32[i] = v;
    if (out_bf16) out_bf16[i] = __float2bfloat16_rn(v);  // exact for decoded codes
  }
}

__global__ void QuantizeKernel(const float* x, uint8_t* y, int64_t n, int64_t inner,
                               int64_t channels, const float* muls, QuantSpec q) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    QuantSpec c = q;
    c.mul = muls[(i / inner) % channels];
    y[i] = static_cast<uint8_t>(QuantCode(x[i], c));
  }
}

__global__ void DequantizeKernel(const uint8_t* x, float* y, int64_t n, int64_t inner,
                                 int64_t channels, const float* scales, const float* lut) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    y[i] = __fmul_rn(lut[x[i]], scales[(i / inner) % channels]);
  }
}

__global__ void AbsMaxKernel(const float* x, int64_t n, float* amax) {
  float m = 0.0f;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    m = fmaxf(m, fabsf(x[i]));
  }
  for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xFFFFFFFFu, m, o));
  // Non-negative floats order like their bit patterns.
  if ((threadIdx.x & 31) == 0) atomicMax(reinterpret_cast<unsigned*>(amax), __float_as_uint(m));
}

}  // namespace

void LaunchBinary(const float* a, const float* b, float* y, int64_t n, const Strides& s, bool mul,
                  cudaStream_t stream) {
  if (n > 0) BinaryKernel<<<GridFor(n), kThreads, 0, stream>>>(a, b, y, n, s, mul);
}

void LaunchUnary(const float* x, float* y, int64_t n, int op, cudaStream_t stream) {
  if (n > 0) UnaryKernel<<<GridFor(n), kThreads, 0, stream>>>(x, y, n, op);
}

void LaunchScaleBias(const float* acc, int64_t ld, const float* scale, bool per_column,
                     const float* bias, float* y, int64_t M, int64_t N, cudaStream_t stream) {
  if (M * N > 0)
    ScaleBiasKernel<<<GridFor(M * N), kThreads, 0, stream>>>(acc, ld, scale, per_column, bias, y,
                                                             M, N);
}

void LaunchQuantizeRows(const float* x, uint8_t* codes, int64_t M, int64_t K, int64_t ldq,
                        const QuantSpec& q, cudaStream_t stream) {
  if (M * ldq > 0)
    QuantizeRowsKernel<<<GridFor(M * ldq), kThreads, 0, stream>>>(x, codes, M, K, ldq, q);
}

void LaunchFakeQuant(const float* x, float* out_f32, uint16_t* out_bf16, int64_t M, int64_t K,
                     int64_t ld, const QuantSpec& q, cudaStream_t stream) {
  if (M * ld > 0)
    FakeQuantKernel<<<GridFor(M * ld), kThreads, 0, stream>>>(
        x, out_f32, reinterpret_cast<__nv_bfloat16*>(out_bf16), M, K, ld, q);
}

void LaunchQuantize(const float* x, uint8_t* y, int64_t n, int64_t inner, int64_t channels,
                    const float* muls, const QuantSpec& q, cudaStream_t stream) {
  if (n > 0) QuantizeKernel<<<GridFor(n), kThreads, 0, stream>>>(x, y, n, inner, channels, muls, q);
}

void LaunchDequantize(const uint8_t* x, float* y, int64_t n, int64_t inner, int64_t channels,
                      const float* scales, const float* lut, cudaStream_t stream) {
  if (n > 0)
    DequantizeKernel<<<GridFor(n), kThreads, 0, stream>>>(x, y, n, inner, channels, scales, lut);
}

void LaunchAbsMax(const float* x, int64_t n, float* amax, cudaStream_t stream) {
  if (n > 0) AbsMaxKernel<<<GridFor(n) > 1024 ? 1024 : GridFor(n), kThreads, 0, stream>>>(x, n, amax);
}

}  // namespace cuda
}  // namespace fp8sdk
