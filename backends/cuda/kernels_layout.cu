// GATHER (embedding lookups; f32 or FP8/INT8 tables with scales; device-side
// index checks) and strided copies (RESHAPE, TRANSPOSE, SPLIT_HEADS,
// MERGE_HEADS, SLICE).
#include "backends/cuda/device_common.cuh"

namespace fp8sdk {
namespace cuda {
namespace {

__global__ void GatherKernel(const void* table, bool codes, const float* lut, const float* scales,
                             float scale, const void* idx, bool idx64, int64_t outer,
                             int64_t count, int64_t dim, int64_t inner, int elem_bytes, void* y,
                             unsigned long long* bad) {
  const int64_t total = outer * count * inner;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = e % inner, i = (e / inner) % count, o = e / (inner * count);
    const int64_t id = idx64 ? static_cast<const int64_t*>(idx)[i]
                             : static_cast<const int32_t*>(idx)[i];
    if (id < 0 || id >= dim) {
      atomicMin(bad, static_cast<unsigned long long>(i));
      if (codes || elem_bytes == 4) static_cast<float*>(y)[e] = 0.0f;
      continue;
    }
    const int64_t src = (o * dim + id) * inner + j;
    if (codes) {
      const uint8_t c = static_cast<const uint8_t*>(table)[src];
      static_cast<float*>(y)[e] = __fmul_rn(lut[c], scales ? scales[id] : scale);
    } else if (elem_bytes == 8) {
      static_cast<int64_t*>(y)[e] = static_cast<const int64_t*>(table)[src];
    } else {
      static_cast<uint32_t*>(y)[e] = static_cast<const uint32_t*>(table)[src];
    }
  }
}

template <typename T>
__global__ void CopyKernel(const T* x, T* y, int64_t n, Strides s) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t rest = i, src = 0;
    for (int d = s.rank - 1; d >= 0; --d) {
      src += (rest % s.dims[d]) * s.a[d];
      rest /= s.dims[d];
    }
    y[i] = x[src];
  }
}

}  // namespace

void LaunchGather(const void* table, bool codes, const float* lut, const float* scales, float scale,
                  const void* idx, bool idx64, int64_t outer, int64_t count, int64_t dim,
                  int64_t inner, int elem_bytes, void* y, unsigned long long* bad_position,
                  cudaStream_t stream) {
  const int64_t total = outer * count * inner;
  if (total > 0)
    GatherKernel<<<GridFor(total), kThreads, 0, stream>>>(table, codes, lut, scales, scale, idx,
                                                          idx64, outer, count, dim, inner,
                                                          elem_bytes, y, bad_position);
}

void LaunchCopy(const void* x, void* y, int64_t n, const Strides& s, int elem_bytes,
                cudaStream_t stream) {
  if (n <= 0) return;
  if (elem_bytes == 8) {
    CopyKernel<<<GridFor(n), kThreads, 0, stream>>>(static_cast<const int64_t*>(x),
                                                    static_cast<int64_t*>(y), n, s);
  } else if (elem_bytes == 1) {
    CopyKernel<<<GridFor(n), kThreads, 0, stream>>>(static_cast<const uint8_t*>(x),
                                                    static_cast<uint8_t*>(y), n, s);
  } else if (elem_bytes == 2) {
    CopyKernel<<<GridFor(n), kThreads, 0, stream>>>(static_cast<const uint16_t*>(x),
                                                    static_cast<uint16_t*>(y), n, s);
  } else {
    CopyKernel<<<GridFor(n), kThreads, 0, stream>>>(static_cast<const uint32_t*>(x),
                                                    static_cast<uint32_t*>(y), n, s);
  }
}

}  // namespace cuda
}  // namespace fp8sdk
