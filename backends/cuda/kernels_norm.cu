// LAYER_NORM (with the residual ADD before it fused) and SOFTMAX with masks:
// one block per row, warp shuffles then shared memory for the sums.

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

}  // namespace

void LaunchLayerNorm(const float* x, const float* residual, float* sum_out, const float* gamma,
                     const float* beta, float* y, int64_t rows, int64_t C, float eps,
                     cudaStream_t stream) {
  if (rows > 0 && C > 0) {
    const unsigned grid = static_cast<unsigned>(rows < 65535 ? rows : 65535);
    LayerNormKernel<<<grid, kThreads, 0, stream>>>(x, residual, sum_out, gamma, beta, y, rows, C,
                                                   eps);
  }
}

void LaunchSoftmax(const float* x, const void* mask, int mode, int mask_kind,
                   const Strides& mask_strides, int64_t rows, int64_t C, int64_t rows_per_batch,
                   float scale, float* y, cudaStream_t stream) {
  if (rows > 0 && C > 0) {
    const unsigned grid = static_cast<unsigned>(rows < 65535 ? rows : 65535);
    const int threads = C <= 128 ? 128 : kThreads;
    SoftmaxKernel<<<grid, threads, 0, stream>>>(x, mask, mode, mask_kind, mask_strides, rows, C,
                                                rows_per_batch > 0 ? rows_per_batch : 1, scale, y);
  }
}

}  // namespace cuda
}  // namespace fp8sdk
