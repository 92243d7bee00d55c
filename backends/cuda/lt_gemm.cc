#include "backends/cuda/lt_gemm.h"

#include <cstdio>
#include <memory>
#include <utility>

#include "backends/common/graph_access.h"

namespace fp8sdk {
namespace cuda {

fp8_status_code_t LtFail(fp8_error_t* err, cublasStatus_t s, const char* what) {
  return backend::Fail(err,
                       s == CUBLAS_STATUS_ALLOC_FAILED    ? FP8_STATUS_RESOURCE_EXHAUSTED
                       : s == CUBLAS_STATUS_NOT_SUPPORTED ? FP8_STATUS_UNSUPPORTED
                                                          : FP8_STATUS_BACKEND_ERROR,
                       "cuBLASLt: %s: %s", what, cublasLtGetStatusName(s));
}

#define FP8_LT(call, what)                                         \
  do {                                                             \
    const cublasStatus_t s_ = (call);                              \
    if (s_ != CUBLAS_STATUS_SUCCESS) return LtFail(err, s_, what); \
  } while (0)

void LtGemm::Configure(cudaDataType_t w_type, cudaDataType_t x_type, cudaDataType_t y_type,
                       cublasComputeType_t compute, bool fp8) {
  w_type_ = w_type;
  x_type_ = x_type;
  y_type_ = y_type;
  compute_ = compute;
  fp8_ = fp8;
  plans_.Clear();
}

namespace {

// The largest power of two (at most 256) dividing the address of every
// batch's operand: base + i * stride elements of `elem` bytes.
int64_t Alignment(const void* p, int64_t stride, int64_t elem, int batch) {
  uint64_t v = reinterpret_cast<uintptr_t>(p) | 256u;
  if (batch > 1) v |= static_cast<uint64_t>(stride * elem);
  return static_cast<int64_t>(v & (~v + 1));
}

int64_t ElementBytes(cudaDataType_t t) {
  switch (t) {
    case CUDA_R_8F_E4M3:
    case CUDA_R_8F_E5M2:
      return 1;
    case CUDA_R_16BF:
    case CUDA_R_16F:
      return 2;
    default:
      return 4;
  }
}

}  // namespace

fp8_status_code_t LtGemm::Run(cublasLtHandle_t lt, cudaStream_t stream, void* workspace,
                              const void* w, int64_t ldw, bool w_transposed, const void* x,
                              int64_t ldx, void* y, int64_t ldy, int64_t M, int64_t N, int64_t K,
                              float alpha, int batch, int64_t stride_w, int64_t stride_x,
                              int64_t stride_y, fp8_error_t* err) {
  const int64_t align[3] = {Alignment(w, stride_w, ElementBytes(w_type_), batch),
                            Alignment(x, stride_x, ElementBytes(x_type_), batch),
                            Alignment(y, stride_y, ElementBytes(y_type_), batch)};
  const Key key =
      KeyOf(ldw, w_transposed, ldx, ldy, M, N, K, batch, stride_w, stride_x, stride_y, align);
  fp8_status_code_t status = FP8_STATUS_OK;
  const Prepared* p = Lookup(lt, key, &status, err);
  if (!p) return status;
  const float beta = 0.0f;
  FP8_LT(cublasLtMatmul(lt, p->desc, &alpha, w, p->a, x, p->b, &beta, y, p->c, y, p->c,
                        &p->heuristic.algo, workspace, kWorkspaceBytes, stream),
         "cublasLtMatmul");
  return FP8_STATUS_OK;
}

fp8_status_code_t LtGemm::Plan(cublasLtHandle_t lt, int64_t ldw, bool w_transposed, int64_t ldx,
                               int64_t ldy, int64_t M, int64_t N, int64_t K, int batch,
                               int64_t stride_w, int64_t stride_x, int64_t stride_y,
                               const int64_t align[3], fp8_error_t* err) {
  const Key key =
      KeyOf(ldw, w_transposed, ldx, ldy, M, N, K, batch, stride_w, stride_x, stride_y, align);
  fp8_status_code_t status = FP8_STATUS_OK;
  Lookup(lt, key, &status, err);
  return status;
}

LtGemm::Key LtGemm::KeyOf(int64_t ldw, bool w_transposed, int64_t ldx, int64_t ldy, int64_t M,
                          int64_t N, int64_t K, int batch, int64_t stride_w, int64_t stride_x,
                          int64_t stride_y, const int64_t align[3]) {
  return {M,        N,        K,        batch,        ldw,      ldx,      ldy,
          stride_w, stride_x, stride_y, w_transposed, align[0], align[1], align[2]};
}

const LtGemm::Prepared* LtGemm::Lookup(cublasLtHandle_t lt, const Key& key,
                                       fp8_status_code_t* status, fp8_error_t* err) {
  if (const Prepared* p = plans_.Find(key)) return p;
  auto p = std::make_unique<Prepared>();
  *status = Make(lt, key, p.get(), err);
  if (*status != FP8_STATUS_OK) return nullptr;  // nothing kept: asked again next time
  return &plans_.Insert(key, std::move(p));
}

fp8_status_code_t LtGemm::Make(cublasLtHandle_t lt, const Key& key, Prepared* p, fp8_error_t* err) {
  const auto [M, N, K, batch, ldw, ldx, ldy, stride_w, stride_x, stride_y, w_transposed, align_w,
              align_x, align_y] = key;
  FP8_LT(cublasLtMatmulDescCreate(&p->desc, compute_, CUDA_R_32F), "matmul descriptor");
  // Column-major view: Y^T (N x M) = op(W) (N x K) * X^T (K x M).
  const cublasOperation_t ta = w_transposed ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = CUBLAS_OP_N;
  FP8_LT(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)),
         "TRANSA");
  FP8_LT(cublasLtMatmulDescSetAttribute(p->desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)),
         "TRANSB");
  if (w_transposed) {
    FP8_LT(cublasLtMatrixLayoutCreate(&p->a, w_type_, K, N, ldw), "layout W");
  } else {
    FP8_LT(cublasLtMatrixLayoutCreate(&p->a, w_type_, N, K, ldw), "layout W");
  }
  FP8_LT(cublasLtMatrixLayoutCreate(&p->b, x_type_, K, M, ldx), "layout X");
  FP8_LT(cublasLtMatrixLayoutCreate(&p->c, y_type_, N, M, ldy), "layout Y");
  if (batch > 1) {
    const int32_t count = static_cast<int32_t>(batch);
    for (auto [layout, stride] :
         {std::pair{p->a, stride_w}, std::pair{p->b, stride_x}, std::pair{p->c, stride_y}}) {
      FP8_LT(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
                                              sizeof(count)),
             "batch count");
      FP8_LT(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                              &stride, sizeof(stride)),
             "batch stride");
    }
  }
  cublasLtMatmulPreference_t pref = nullptr;
  FP8_LT(cublasLtMatmulPreferenceCreate(&pref), "preference");
  const uint64_t ws = kWorkspaceBytes;
  const uint32_t aligns[4] = {static_cast<uint32_t>(align_w), static_cast<uint32_t>(align_x),
                              static_cast<uint32_t>(align_y), static_cast<uint32_t>(align_y)};
  const cublasLtMatmulPreferenceAttributes_t align_attrs[4] = {
      CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
      CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
  cublasStatus_t st = cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws));
  for (int i = 0; i < 4 && st == CUBLAS_STATUS_SUCCESS; ++i) {
    st = cublasLtMatmulPreferenceSetAttribute(pref, align_attrs[i], &aligns[i], sizeof(aligns[i]));
  }
  int found = 0;
  if (st == CUBLAS_STATUS_SUCCESS) {
    st = cublasLtMatmulAlgoGetHeuristic(lt, p->desc, p->a, p->b, p->c, p->c, pref, 1, &p->heuristic,
                                        &found);
  }
  cublasLtMatmulPreferenceDestroy(pref);
  if (st != CUBLAS_STATUS_SUCCESS) return LtFail(err, st, "no algorithm for this GEMM");
  if (found == 0 || p->heuristic.state != CUBLAS_STATUS_SUCCESS) {
    return backend::Fail(
        err, FP8_STATUS_UNSUPPORTED, "cuBLASLt: no algorithm for %s GEMM of M=%lld N=%lld K=%lld%s",
        fp8_ ? "an FP8" : "a", static_cast<long long>(M), static_cast<long long>(N),
        static_cast<long long>(K), batch > 1 ? " (batched)" : "");
  }
  return FP8_STATUS_OK;
}

LtGemm::Prepared::~Prepared() {
  if (desc) cublasLtMatmulDescDestroy(desc);
  if (a) cublasLtMatrixLayoutDestroy(a);
  if (b) cublasLtMatrixLayoutDestroy(b);
  if (c) cublasLtMatrixLayoutDestroy(c);
}

}  // namespace cuda
}  // namespace fp8sdk
