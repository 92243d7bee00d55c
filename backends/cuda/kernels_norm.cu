// LAYER_NORM (with the residual ADD before it fused) and SOFTMAX with masks.
// Rows of up to 1024 values: one warp a row, held in registers (one read of
// the inputs, warp shuffles for the sums); longer rows: one block a row,
// warp shuffles then shared memory.

#include <type_traits>

#include "backends/cuda/device_common.cuh"

namespace fp8sdk {
namespace cuda {
namespace {

__device__ float BlockSum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = threadIdx.x < (blockDim.x >> 5) ? shared[threadIdx.x] : 0.0f;
  if (warp == 0) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
    if (lane == 0) shared[0] = v;
  }
  __syncthreads();
  const float total = shared[0];
  __syncthreads();
  return total;
}

__device__ float BlockMax(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = threadIdx.x < (blockDim.x >> 5)
          ? shared[threadIdx.x]
          : -INFINITY;  // the identity: a row whose keys are all masked stays -inf
  if (warp == 0) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
    if (lane == 0) shared[0] = v;
  }
  __syncthreads();
  const float total = shared[0];
  __syncthreads();
  return total;
}

__global__ void LayerNormKernel(const float* x, const float* residual, float* sum_out,
                                const float* gamma, const float* beta, float* y, int64_t rows,
                                int64_t C, float eps) {
  __shared__ float shared[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * C;
    const float* rr = residual ? residual + r * C : nullptr;
    float* yr = y + r * C;
    float s = 0.0f;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) {
      const float v = rr ? xr[i] + rr[i] : xr[i];
      if (sum_out) sum_out[r * C + i] = v;
      s += v;
    }
    const float mean = BlockSum(s, shared) / static_cast<float>(C);
    float q = 0.0f;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) {
      const float d = (rr ? xr[i] + rr[i] : xr[i]) - mean;
      q += d * d;
    }
    const float inv = 1.0f / sqrtf(BlockSum(q, shared) / static_cast<float>(C) + eps);
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) {
      const float v = ((rr ? xr[i] + rr[i] : xr[i]) - mean) * inv * gamma[i];
      yr[i] = beta ? v + beta[i] : v;
    }
  }
}

__device__ bool Keep(const void* mask, int kind, int64_t i) {
  switch (kind) {
    case 1:
      return static_cast<const int32_t*>(mask)[i] != 0;
    case 2:
      return static_cast<const int64_t*>(mask)[i] != 0;
    case 3:
      return static_cast<const uint8_t*>(mask)[i] != 0;
    default:
      return static_cast<const float*>(mask)[i] != 0.0f;
  }
}

__device__ float Z(const float* x, const void* mask, int mode, int kind, const Strides& ms,
                   int64_t r, int64_t i, int64_t C, int64_t rows_per_batch, float scale) {
  float z = x[r * C + i] * scale;
  if (mode == 2) {
    int64_t rest = r * C + i, idx = 0;
    for (int d = ms.rank - 1; d >= 0; --d) {
      idx += (rest % ms.dims[d]) * ms.a[d];
      rest /= ms.dims[d];
    }
    z += static_cast<const float*>(mask)[idx];
  } else if (mode == 1 && !Keep(mask, kind, (r / rows_per_batch) * C + i)) {
    z = -INFINITY;
  }
  return z;
}

__global__ void SoftmaxKernel(const float* x, const void* mask, int mode, int kind, Strides ms,
                              int64_t rows, int64_t C, int64_t rows_per_batch, float scale,
                              float* y) {
  __shared__ float shared[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x)
      m = fmaxf(m, Z(x, mask, mode, kind, ms, r, i, C, rows_per_batch, scale));
    const float mx = BlockMax(m, shared);
    float* yr = y + r * C;
    if (mx == -INFINITY) {  // every key masked: zeros
      for (int64_t i = threadIdx.x; i < C; i += blockDim.x) yr[i] = 0.0f;
      continue;
    }
    float s = 0.0f;
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) {
      const float e = expf(Z(x, mask, mode, kind, ms, r, i, C, rows_per_batch, scale) - mx);
      yr[i] = e;
      s += e;
    }
    const float inv = 1.0f / BlockSum(s, shared);
    for (int64_t i = threadIdx.x; i < C; i += blockDim.x) yr[i] *= inv;
  }
}

__device__ __forceinline__ float WarpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  return v;
}

__device__ __forceinline__ float WarpMax(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xFFFFFFFFu, v, o));
  return v;
}

// Lane l holds values l, l + 32, ... of its row (C <= 32 * J).
template <int J>
__global__ void LayerNormWarpKernel(const float* x, const float* residual, float* sum_out,
                                    const float* gamma, const float* beta, float* y, int64_t rows,
                                    int C, float eps) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5;
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; r < rows;
       r += warps) {
    const int64_t o = r * C;
    float v[J];
    float s = 0.0f;
#pragma unroll
    for (int j = 0; j < J; ++j) {
      const int i = lane + 32 * j;
      v[j] = 0.0f;
      if (i < C) {
        v[j] = residual ? x[o + i] + residual[o + i] : x[o + i];
        s += v[j];
      }
    }
    const float mean = WarpSum(s) / static_cast<float>(C);
    float q = 0.0f;
#pragma unroll
    for (int j = 0; j < J; ++j) {
      const int i = lane + 32 * j;
      if (i < C) q += (v[j] - mean) * (v[j] - mean);
    }
    const float inv = 1.0f / sqrtf(WarpSum(q) / static_cast<float>(C) + eps);
#pragma unroll
    for (int j = 0; j < J; ++j) {
      const int i = lane + 32 * j;
      if (i < C) {
        // Written after the row is read: y or sum_out may be x or residual.
        if (sum_out) sum_out[o + i] = v[j];
        const float t = (v[j] - mean) * inv * gamma[i];
        y[o + i] = beta ? t + beta[i] : t;
      }
    }
  }
}

template <int J>
__global__ void SoftmaxWarpKernel(const float* x, const void* mask, int mode, int kind, Strides ms,
                                  int64_t rows, int C, int64_t rows_per_batch, float scale,
                                  float* y) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5;
  for (int64_t r = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; r < rows;
       r += warps) {
    // An additive mask: row r's offset (every dimension but the last, which
    // is the keys', with stride `step`).
    int64_t base = 0, step = 0;
    if (mode == 2) {
      int64_t rest = r;
      for (int d = ms.rank - 2; d >= 0; --d) {
        base += (rest % ms.dims[d]) * ms.a[d];
        rest /= ms.dims[d];
      }
      step = ms.a[ms.rank - 1];
    }
    const int64_t keep_row = mode == 1 ? (r / rows_per_batch) * C : 0;
    float z[J];
    float m = -INFINITY;
#pragma unroll
    for (int j = 0; j < J; ++j) {
      const int i = lane + 32 * j;
      z[j] = -INFINITY;
      if (i < C) {
        float v = x[r * C + i] * scale;
        if (mode == 2) {
          v += static_cast<const float*>(mask)[base + i * step];
        } else if (mode == 1 && !Keep(mask, kind, keep_row + i)) {
          v = -INFINITY;
        }
        z[j] = v;
        m = fmaxf(m, v);
      }
    }
    m = WarpMax(m);
    float* yr = y + r * C;
    if (m == -INFINITY) {  // every key masked: zeros
#pragma unroll
      for (int j = 0; j < J; ++j) {
        if (lane + 32 * j < C) yr[lane + 32 * j] = 0.0f;
      }
      continue;
    }
    float s = 0.0f;
#pragma unroll
    for (int j = 0; j < J; ++j) {
      z[j] = lane + 32 * j < C ? expf(z[j] - m) : 0.0f;
      s += z[j];
    }
    const float inv = 1.0f / WarpSum(s);
#pragma unroll
    for (int j = 0; j < J; ++j) {
      if (lane + 32 * j < C) yr[lane + 32 * j] = z[j] * inv;
    }
  }
}

// The grid of a warp-a-row kernel: a warp for every row, at most 65535 blocks.
unsigned WarpRowsGrid(int64_t rows) {
  const int64_t per_block = kThreads / 32;
  const int64_t g = (rows + per_block - 1) / per_block;
  return static_cast<unsigned>(g < 65535 ? g : 65535);
}

// Calls f(std::integral_constant<int, J>) with the least J in 1, 2, 4, ...,
// 32 such that C <= 32 * J; false when C > 1024.
template <typename F>
bool WithLanesPerRow(int64_t C, F f) {
  if (C <= 32) return f(std::integral_constant<int, 1>()), true;
  if (C <= 64) return f(std::integral_constant<int, 2>()), true;
  if (C <= 128) return f(std::integral_constant<int, 4>()), true;
  if (C <= 256) return f(std::integral_constant<int, 8>()), true;
  if (C <= 512) return f(std::integral_constant<int, 16>()), true;
  if (C <= 1024) return f(std::integral_constant<int, 32>()), true;
  return false;
}

}  // namespace

void LaunchLayerNorm(const float* x, const float* residual, float* sum_out, const float* gamma,
                     const float* beta, float* y, int64_t rows, int64_t C, float eps,
                     cudaStream_t stream) {
  if (rows <= 0 || C <= 0) return;
  const bool warp = WithLanesPerRow(C, [&](auto j) {
    LayerNormWarpKernel<decltype(j)::value><<<WarpRowsGrid(rows), kThreads, 0, stream>>>(
        x, residual, sum_out, gamma, beta, y, rows, static_cast<int>(C), eps);
  });
  if (!warp) {
    const unsigned grid = static_cast<unsigned>(rows < 65535 ? rows : 65535);
    LayerNormKernel<<<grid, kThreads, 0, stream>>>(x, residual, sum_out, gamma, beta, y, rows, C,
                                                   eps);
  }
}

void LaunchSoftmax(const float* x, const void* mask, int mode, int mask_kind,
                   const Strides& mask_strides, int64_t rows, int64_t C, int64_t rows_per_batch,
                   float scale, float* y, cudaStream_t stream) {
  if (rows <= 0 || C <= 0) return;
  const int64_t per_batch = rows_per_batch > 0 ? rows_per_batch : 1;
  const bool warp = WithLanesPerRow(C, [&](auto j) {
    SoftmaxWarpKernel<decltype(j)::value><<<WarpRowsGrid(rows), kThreads, 0, stream>>>(
        x, mask, mode, mask_kind, mask_strides, rows, static_cast<int>(C), per_batch, scale, y);
  });
  if (!warp) {
    const unsigned grid = static_cast<unsigned>(rows < 65535 ? rows : 65535);
    SoftmaxKernel<<<grid, kThreads, 0, stream>>>(x, mask, mode, mask_kind, mask_strides, rows, C,
                                                 per_batch, scale, y);
  }
}

}  // namespace cuda
}  // namespace fp8sdk
