// ADD/MUL with broadcasting, GELU/TANH, the LINEAR epilogue (per-column
// scale and bias), quantization of rows for the FP8 GEMM, fake quantization,
// QUANTIZE/DEQUANTIZE and amax.
#include <cuda_bf16.h>

#include "backends/cuda/device_common.cuh"

namespace fp8sdk {
namespace cuda {
namespace {

// Index arithmetic in I: unsigned 32 bits where the tensor has under 2^31
// elements (division and remainder several times cheaper than 64-bit ones;
// the grid-stride step, under 2^30, cannot wrap past 2^32; the operands'
// offsets stay under n: they broadcast into the output), else 64.
template <typename I>
__global__ void BinaryKernel(const float* a, const float* b, float* y, I n, Strides s, bool mul) {
  for (I i = blockIdx.x * static_cast<I>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<I>(gridDim.x) * blockDim.x) {
    I rest = i, ia = 0, ib = 0;
    for (int d = s.rank - 1; d >= 0; --d) {
      const I dim = static_cast<I>(s.dims[d]);
      const I c = rest % dim;
      rest /= dim;
      ia += c * static_cast<I>(s.a[d]);
      ib += c * static_cast<I>(s.b[d]);
    }
    y[i] = mul ? a[ia] * b[ib] : a[ia] + b[ib];
  }
}

// Both operands laid out as the output: four elements a thread.
__global__ void Binary4Kernel(const float4* a, const float4* b, float4* y, int64_t n4, bool mul) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n4;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float4 u = a[i], v = b[i];
    y[i] = mul ? make_float4(u.x * v.x, u.y * v.y, u.z * v.z, u.w * v.w)
               : make_float4(u.x + v.x, u.y + v.y, u.z + v.z, u.w + v.w);
  }
}

__device__ __forceinline__ float UnaryOp(float v, int op) {
  if (op == 0) return 0.5f * v * erfcf(-v * 0.7071067811865476f);  // 0.5 x (1 + erf(x / sqrt 2))
  if (op == 1) return 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));
  return tanhf(v);
}

__global__ void UnaryKernel(const float* x, float* y, int64_t n, int op) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    y[i] = UnaryOp(x[i], op);
  }
}

__global__ void Unary4Kernel(const float4* x, float4* y, int64_t n4, int op) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n4;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float4 v = x[i];
    y[i] = make_float4(UnaryOp(v.x, op), UnaryOp(v.y, op), UnaryOp(v.z, op), UnaryOp(v.w, op));
  }
}

// Row kernels: blockIdx.y walks the rows (gridDim.y of them at a time),
// blockIdx.x and the threads the columns, V columns a thread (V = 4: the
// row's columns, its leading dimensions and the pointers are multiples of 4
// and 16 bytes, checked by the launcher).
__device__ __forceinline__ float ScaleBiasOne(float acc, float scale, const float* bias,
                                              int64_t n) {
  // A multiply, then an add (the reference's two roundings).
  const float v = __fmul_rn(acc, scale);
  return bias ? __fadd_rn(v, bias[n]) : v;
}

template <int V>
__global__ void ScaleBiasKernel(const float* acc, int64_t ld, const float* scale, bool per_column,
                                const float* bias, float* y, int64_t M, int64_t N) {
  const int64_t n = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) * V;
  if (n >= N) return;
  for (int64_t m = blockIdx.y; m < M; m += gridDim.y) {
    const float* a = acc + m * ld + n;
    float* out = y + m * N + n;
    if (V == 4) {
      const float4 v = *reinterpret_cast<const float4*>(a);
      const float4 s = per_column ? *reinterpret_cast<const float4*>(scale + n)
                                  : make_float4(scale[0], scale[0], scale[0], scale[0]);
      *reinterpret_cast<float4*>(out) =
          make_float4(ScaleBiasOne(v.x, s.x, bias, n), ScaleBiasOne(v.y, s.y, bias, n + 1),
                      ScaleBiasOne(v.z, s.z, bias, n + 2), ScaleBiasOne(v.w, s.w, bias, n + 3));
    } else {
      *out = ScaleBiasOne(*a, per_column ? scale[n] : scale[0], bias, n);
    }
  }
}

template <int V>
__global__ void QuantizeRowsKernel(const float* x, uint8_t* codes, int64_t M, int64_t K,
                                   int64_t ldq, QuantSpec q) {
  const int64_t k = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) * V;
  if (k >= ldq) return;
  for (int64_t m = blockIdx.y; m < M; m += gridDim.y) {
    uint8_t* out = codes + m * ldq + k;
    if (V == 4) {
      uint32_t packed = 0;  // past K (K is a multiple of 4 here): code 0
      if (k < K) {
        const float4 v = *reinterpret_cast<const float4*>(x + m * K + k);
        packed = (QuantCode(v.x, q) & 0xFFu) | (QuantCode(v.y, q) & 0xFFu) << 8 |
                 (QuantCode(v.z, q) & 0xFFu) << 16 | (QuantCode(v.w, q) & 0xFFu) << 24;
      }
      *reinterpret_cast<uint32_t*>(out) = packed;
    } else {
      *out = k < K ? static_cast<uint8_t>(QuantCode(x[m * K + k], q)) : 0;
    }
  }
}

bool Aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// The grid of a row kernel: columns / (threads * V) blocks across, rows down
// (at most 65535: the kernels loop over the rest).
dim3 RowGrid(int64_t rows, int64_t cols, int V) {
  const int64_t across = (cols + static_cast<int64_t>(kThreads) * V - 1) / (kThreads * V);
  return dim3(static_cast<unsigned>(across), static_cast<unsigned>(rows < 65535 ? rows : 65535));
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
  if (n <= 0) return;
  // Both operands laid out as the output (no broadcast): the strides are the
  // output's row-major ones.
  bool same = true;
  int64_t stride = 1;
  for (int d = s.rank - 1; d >= 0; --d) {
    if (s.dims[d] != 1) same = same && s.a[d] == stride && s.b[d] == stride;
    stride *= s.dims[d];
  }
  if (same && n % 4 == 0 && Aligned16(a) && Aligned16(b) && Aligned16(y)) {
    Binary4Kernel<<<GridFor(n / 4), kThreads, 0, stream>>>(
        reinterpret_cast<const float4*>(a), reinterpret_cast<const float4*>(b),
        reinterpret_cast<float4*>(y), n / 4, mul);
  } else if (n < (int64_t{1} << 31)) {
    BinaryKernel<uint32_t>
        <<<GridFor(n), kThreads, 0, stream>>>(a, b, y, static_cast<uint32_t>(n), s, mul);
  } else {
    BinaryKernel<int64_t><<<GridFor(n), kThreads, 0, stream>>>(a, b, y, n, s, mul);
  }
}

void LaunchUnary(const float* x, float* y, int64_t n, int op, cudaStream_t stream) {
  if (n <= 0) return;
  if (n % 4 == 0 && Aligned16(x) && Aligned16(y)) {
    Unary4Kernel<<<GridFor(n / 4), kThreads, 0, stream>>>(reinterpret_cast<const float4*>(x),
                                                          reinterpret_cast<float4*>(y), n / 4, op);
  } else {
    UnaryKernel<<<GridFor(n), kThreads, 0, stream>>>(x, y, n, op);
  }
}

void LaunchScaleBias(const float* acc, int64_t ld, const float* scale, bool per_column,
                     const float* bias, float* y, int64_t M, int64_t N, cudaStream_t stream) {
  if (M * N <= 0) return;
  if (N % 4 == 0 && ld % 4 == 0 && Aligned16(acc) && (!per_column || Aligned16(scale)) &&
      Aligned16(y)) {
    ScaleBiasKernel<4>
        <<<RowGrid(M, N, 4), kThreads, 0, stream>>>(acc, ld, scale, per_column, bias, y, M, N);
  } else {
    ScaleBiasKernel<1>
        <<<RowGrid(M, N, 1), kThreads, 0, stream>>>(acc, ld, scale, per_column, bias, y, M, N);
  }
}

void LaunchQuantizeRows(const float* x, uint8_t* codes, int64_t M, int64_t K, int64_t ldq,
                        const QuantSpec& q, cudaStream_t stream) {
  if (M * ldq <= 0) return;
  if (K % 4 == 0 && ldq % 4 == 0 && Aligned16(x) &&
      (reinterpret_cast<uintptr_t>(codes) & 3u) == 0) {
    QuantizeRowsKernel<4><<<RowGrid(M, ldq, 4), kThreads, 0, stream>>>(x, codes, M, K, ldq, q);
  } else {
    QuantizeRowsKernel<1><<<RowGrid(M, ldq, 1), kThreads, 0, stream>>>(x, codes, M, K, ldq, q);
  }
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
  const unsigned grid = GridFor(n) > 1024 ? 1024 : GridFor(n);
  if (n > 0) AbsMaxKernel<<<grid, kThreads, 0, stream>>>(x, n, amax);
}

}  // namespace cuda
}  // namespace fp8sdk
