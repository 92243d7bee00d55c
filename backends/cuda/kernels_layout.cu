// GATHER (embedding lookups; f32 or FP8/INT8 tables with scales; device-side
// index checks) and strided copies (RESHAPE, TRANSPOSE, SPLIT_HEADS,
// MERGE_HEADS, SLICE).
#include "backends/cuda/device_common.cuh"

namespace fp8sdk {
namespace cuda {
namespace {

__global__ void GatherKernel(const void* table, bool codes, const float* lut, const float* scales,
                             float scale, const void* idx, bool idx64, int64_t outer, int64_t count,
                             int64_t dim, int64_t inner, int elem_bytes, void* y,
                             unsigned long long* bad) {
  const int64_t total = outer * count * inner;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = e % inner, i = (e / inner) % count, o = e / (inner * count);
    const int64_t id =
        idx64 ? static_cast<const int64_t*>(idx)[i] : static_cast<const int32_t*>(idx)[i];
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

template <typename T, typename I>
__global__ void CopyKernel(const T* x, T* y, I n, Strides s) {
  for (I i = blockIdx.x * static_cast<I>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<I>(gridDim.x) * blockDim.x) {
    I rest = i, src = 0;
    for (int d = s.rank - 1; d >= 0; --d) {
      const I dim = static_cast<I>(s.dims[d]);
      src += (rest % dim) * static_cast<I>(s.a[d]);
      rest /= dim;
    }
    y[i] = x[src];
  }
}

// Index arithmetic in unsigned 32 bits (cheaper division) where every output
// index and every source offset (a SLICE's source can be far larger than its
// output) stays under 2^31: the grid-stride step (under 2^30) then cannot
// wrap past 2^32.
template <typename T>
void Copy(const void* x, void* y, int64_t n, const Strides& s, cudaStream_t stream) {
  int64_t max_src = 0;
  for (int d = 0; d < s.rank; ++d) max_src += (s.dims[d] - 1) * s.a[d];
  if (n < (int64_t{1} << 31) && max_src < (int64_t{1} << 31)) {
    CopyKernel<T, uint32_t><<<GridFor(n), kThreads, 0, stream>>>(
        static_cast<const T*>(x), static_cast<T*>(y), static_cast<uint32_t>(n), s);
  } else {
    CopyKernel<T, int64_t>
        <<<GridFor(n), kThreads, 0, stream>>>(static_cast<const T*>(x), static_cast<T*>(y), n, s);
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
  // Rows of 16 bytes: when the innermost dimension is read contiguously, spans
  // a multiple of 16 bytes, and every other stride and both pointers are
  // 16-byte aligned, the copy moves 16-byte vectors (SPLIT_HEADS,
  // MERGE_HEADS and most TRANSPOSEs of activations).
  const int last = s.rank - 1;
  const int per = 16 / elem_bytes;
  bool vec = s.rank >= 1 && s.a[last] == 1 && s.dims[last] % per == 0 &&
             (reinterpret_cast<uintptr_t>(x) & 15u) == 0 &&
             (reinterpret_cast<uintptr_t>(y) & 15u) == 0;
  for (int d = 0; d < last && vec; ++d) vec = s.dims[d] == 1 || s.a[d] % per == 0;
  if (vec) {
    Strides v = s;
    v.dims[last] = s.dims[last] / per;
    for (int d = 0; d < last; ++d) v.a[d] = s.a[d] / per;
    Copy<uint4>(x, y, n / per, v, stream);
  } else if (elem_bytes == 8) {
    Copy<int64_t>(x, y, n, s, stream);
  } else if (elem_bytes == 1) {
    Copy<uint8_t>(x, y, n, s, stream);
  } else if (elem_bytes == 2) {
    Copy<uint16_t>(x, y, n, s, stream);
  } else {
    Copy<uint32_t>(x, y, n, s, stream);
  }
}

}  // namespace cuda
}  // namespace fp8sdk
