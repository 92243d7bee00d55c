// cuBLASLt GEMMs in row-major terms, shared by the CUDA backend and its
// benchmark: Y[M, N] = alpha * sum_k X[M, K] * W[N, K] (or W as [K, N]),
// optionally strided-batched. Descriptors and the algorithm are created on
// first use of a shape and kept for later runs of it: the last kPlans shapes
// (a session whose sequence lengths alternate does not ask cuBLASLt again on
// every run).
#ifndef FP8SDK_BACKENDS_CUDA_LT_GEMM_H_
#define FP8SDK_BACKENDS_CUDA_LT_GEMM_H_

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <array>
#include <cstdint>

#include "backends/common/lru_cache.h"
#include "fp8sdk/backend.h"

namespace fp8sdk {
namespace cuda {

constexpr size_t kWorkspaceBytes = 32u << 20;  // cuBLASLt workspace per device
constexpr size_t kPlans = 8;                   // shapes a GEMM keeps planned

// Writes "cuBLASLt: <what>: <status name>" and returns the matching code.
fp8_status_code_t LtFail(fp8_error_t* err, cublasStatus_t s, const char* what);

class LtGemm {
 public:
  LtGemm() = default;
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;
  void Configure(cudaDataType_t w_type, cudaDataType_t x_type, cudaDataType_t y_type,
                 cublasComputeType_t compute, bool fp8);
  // ldw/ldx/ldy in elements; W is [N, ldw] rows when w_transposed, else
  // [K, ldw] rows.
  fp8_status_code_t Run(cublasLtHandle_t lt, cudaStream_t stream, void* workspace, const void* w,
                        int64_t ldw, bool w_transposed, const void* x, int64_t ldx, void* y,
                        int64_t ldy, int64_t M, int64_t N, int64_t K, float alpha, int batch,
                        int64_t stride_w, int64_t stride_x, int64_t stride_y, fp8_error_t* err);
  // What Run does first: the descriptors and an algorithm for this shape
  // and the operands' alignments in bytes (W, X, Y; powers of two, at most
  // 256), kept for the runs that match. Called at prepare with the largest
  // M, so that a GEMM cuBLASLt has no algorithm for is found before the
  // session is made (and the session can leave the device out), not in a
  // run.
  fp8_status_code_t Plan(cublasLtHandle_t lt, int64_t ldw, bool w_transposed, int64_t ldx,
                         int64_t ldy, int64_t M, int64_t N, int64_t K, int batch, int64_t stride_w,
                         int64_t stride_x, int64_t stride_y, const int64_t align[3],
                         fp8_error_t* err);

 private:
  // What the descriptors and algorithm were made for: shape, batch, leading
  // dimensions, strides, W's orientation and the operands' alignments (the
  // heuristic otherwise assumes 256-byte aligned pointers).
  using Key = std::array<int64_t, 14>;
  // The descriptors and algorithm of one Key.
  struct Prepared {
    Prepared() = default;
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;
    ~Prepared();
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
    cublasLtMatmulHeuristicResult_t heuristic{};
  };
  static Key KeyOf(int64_t ldw, bool w_transposed, int64_t ldx, int64_t ldy, int64_t M, int64_t N,
                   int64_t K, int batch, int64_t stride_w, int64_t stride_x, int64_t stride_y,
                   const int64_t align[3]);
  // The plan of `key` (made now if not kept), or nullptr with *err set.
  const Prepared* Lookup(cublasLtHandle_t lt, const Key& key, fp8_status_code_t* status,
                         fp8_error_t* err);
  fp8_status_code_t Make(cublasLtHandle_t lt, const Key& key, Prepared* p, fp8_error_t* err);

  cudaDataType_t w_type_ = CUDA_R_32F, x_type_ = CUDA_R_32F, y_type_ = CUDA_R_32F;
  cublasComputeType_t compute_ = CUBLAS_COMPUTE_32F;
  bool fp8_ = false;
  backend::LruCache<Key, Prepared> plans_{kPlans};
};

}  // namespace cuda
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_CUDA_LT_GEMM_H_
