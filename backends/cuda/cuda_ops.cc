#include "backends/cuda/cuda_ops.h"

#include <algorithm>

#include "backends/cuda/lt_gemm.h"
#include "sdk/numerics/fp8_format.h"
#include "sdk/numerics/fp8_params.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace cuda {
namespace {

int64_t RoundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

Fp8Encode EncodeOf(const Fp8Format& f) {
  const internal::Fp8EncodeParams p = internal::MakeEncodeParams(f, Fp8Saturation::kSatFinite);
  return Fp8Encode{p.normal_min, p.rebias,   p.shift,         p.half_m1,
                   p.sub_base,   p.max_code, p.overflow_code, p.nan_code};
}

QuantSpec ActQuant(const backend::ActQuantView& q, ConstantPool* pool, size_t* lut_off) {
  QuantSpec s;
  if (!q.enabled) return s;
  s.mul = QuantizeMultiplier(q.scale);
  if (q.dtype == DType::kINT8) {
    s.mode = 2;
  } else {
    s.mode = 1;
    s.enc = EncodeOf(q.format);
    *lut_off = pool->AddFloats(backend::CodeTable(q.dtype, q.format));
  }
  return s;
}

// ---- LINEAR ----
class LinearKernel : public Kernel {
 public:
  enum Path { kFp8, kBf16, kF32 };
  LinearKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool, int sm)
      : Kernel(g, node, pool) {
    const int32_t w = g.Input(node, 1);
    const Shape ws = g.PlanShape(w);
    n_ = ws[0];
    k_ = ws[1];
    kp_ = RoundUp(k_, 16);
    np_ = RoundUp(n_, 16);
    const DType wt = g.TensorDType(w);
    const backend::QuantView wq = g.Quant(w);
    const backend::ActQuantView aq = g.ActQuant(node, 0);
    const void* src = g.ConstData(w);
    size_t lut_off = 0;
    act_ = ActQuant(aq, pool, &lut_off);
    act_lut_off_ = lut_off;
    const bool fp8_weights = wt == DType::kFP8_E4M3 || wt == DType::kFP8_E5M2;
    if (sm >= 89 && fp8_weights && aq.enabled && aq.dtype == DType::kFP8_E4M3) {
      path_ = kFp8;  // E4M3 x E4M3 or E5M2 (weights) x E4M3: cuBLASLt FP8
    } else if (IsQuantized(wt) && aq.enabled) {
      path_ = kBf16;  // codes exact in bf16
    } else {
      path_ = kF32;
    }
    const Shape xs = g.PlanShape(g.Input(node, 0));
    int64_t max_m = 1;  // the rows: every dimension but the last (K may be 0)
    for (int d = 0; d + 1 < xs.rank; ++d) max_m *= xs[d];
    max_m_ = max_m;
    if (path_ == kFp8) {
      // [Np, Kp]: rows and K padded with code 0 (+0); cuBLASLt's FP8 GEMMs
      // want dimensions in multiples of 16 (PyTorch's _scaled_mm requires it).
      std::vector<uint8_t> padded(static_cast<size_t>(np_ * kp_), 0);
      for (int64_t r = 0; r < n_; ++r) {
        std::memcpy(padded.data() + r * kp_, static_cast<const uint8_t*>(src) + r * k_,
                    static_cast<size_t>(k_));
      }
      w_off_ = pool->Add(padded.data(), padded.size());
      gemm_.Configure(wt == DType::kFP8_E4M3 ? CUDA_R_8F_E4M3 : CUDA_R_8F_E5M2, CUDA_R_8F_E4M3,
                      CUDA_R_32F, CUBLAS_COMPUTE_32F, true);
      x_bytes_ = static_cast<size_t>(max_m * kp_);
    } else {
      // Weights decoded once: to bf16 (codes, exact) or f32.
      const size_t count = static_cast<size_t>(n_ * k_);
      std::vector<float> dec(count);
      if (IsQuantized(wt)) {
        const std::vector<float> table = backend::CodeTable(wt, wq.format);
        for (size_t i = 0; i < count; ++i) dec[i] = table[static_cast<const uint8_t*>(src)[i]];
      } else if (wt == DType::kF32) {
        std::memcpy(dec.data(), src, count * 4);
      } else {
        dec = backend::DecodeHalf(src, wt, count);
      }
      if (path_ == kBf16) {
        std::vector<uint16_t> b(static_cast<size_t>(n_ * kp_), 0);
        for (int64_t r = 0; r < n_; ++r)
          for (int64_t k = 0; k < k_; ++k)
            b[static_cast<size_t>(r * kp_ + k)] = FloatToBf16(dec[static_cast<size_t>(r * k_ + k)]);
        w_off_ = pool->Add(b.data(), b.size() * 2);
        gemm_.Configure(CUDA_R_16BF, CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, false);
        x_bytes_ = static_cast<size_t>(max_m * kp_ * 2);
      } else {
        std::vector<float> f(static_cast<size_t>(n_ * kp_), 0.0f);
        for (int64_t r = 0; r < n_; ++r)
          std::memcpy(f.data() + r * kp_, dec.data() + r * k_, static_cast<size_t>(k_) * 4);
        w_off_ = pool->AddFloats(f);
        // CUBLAS_COMPUTE_32F: full fp32 products (no TF32), as the reference.
        gemm_.Configure(CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, false);
        x_bytes_ = static_cast<size_t>(max_m * kp_ * 4);
      }
    }
    // y = acc * (s_x * s_w[n]) + bias[n].
    std::vector<float> s(static_cast<size_t>(n_), act_.mode ? aq.scale : 1.0f);
    if (wq.quantized && IsQuantized(wt)) {
      for (int64_t i = 0; i < n_; ++i)
        s[static_cast<size_t>(i)] =
            (aq.enabled ? aq.scale : 1.0f) * wq.scales[wq.scale_count == 1 ? 0 : i];
    }
    scale_off_ = pool->AddFloats(s);
    x_bytes_ = RoundUp(static_cast<int64_t>(x_bytes_), 256);
    scratch_bytes_ = x_bytes_ + static_cast<size_t>(max_m * np_ * 4);
  }

  // cuBLASLt's algorithm for the largest rows, with the operands where Launch
  // puts them (all 256-byte aligned): a run with those rows reuses it.
  fp8_status_code_t Check(cublasLtHandle_t lt, fp8_error_t* err) override {
    if (k_ == 0 || max_m_ == 0) return FP8_STATUS_OK;
    const int64_t align[3] = {256, 256, 256};
    const fp8_status_code_t st = gemm_.Plan(lt, kp_, /*w_transposed=*/true, kp_, np_, max_m_,
                                            GemmN(), kp_, 1, 0, 0, 0, align, err);
    if (st == FP8_STATUS_OK) return st;
    const std::string why = err ? err->message : "";
    return backend::Fail(err, st, "%s: %s", label_.c_str(), why.c_str());
  }

  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape xs = ShapeOf(c, ops_[0]);
    int64_t m = 1;  // the rows: every dimension but the last
    for (int d = 0; d + 1 < xs.rank; ++d) m *= xs[d];
    if (m == 0) return FP8_STATUS_OK;
    cudaStream_t st = c.dev->stream;
    const float* x = F(c, 0);
    void* xq = c.scratch;
    float* acc = reinterpret_cast<float*>(c.scratch + x_bytes_);
    const float* scales = reinterpret_cast<const float*>(c.consts + scale_off_);
    const float* bias = ops_[2].present() ? F(c, 2) : nullptr;
    if (k_ == 0) {  // no products: y = bias (or 0)
      const cudaError_t e = cudaMemsetAsync(acc, 0, static_cast<size_t>(m * np_) * 4, st);
      if (e != cudaSuccess) return Failed(c, FP8_STATUS_BACKEND_ERROR, cudaGetErrorName(e));
      LaunchScaleBias(acc, np_, scales, true, bias, static_cast<float*>(Out(c)), m, n_, st);
      return LaunchStatus(c);
    }
    QuantSpec q = act_;
    q.lut = reinterpret_cast<const float*>(c.consts + act_lut_off_);
    if (path_ == kFp8) {
      LaunchQuantizeRows(x, static_cast<uint8_t*>(xq), m, k_, kp_, q, st);
    } else if (path_ == kBf16) {
      LaunchFakeQuant(x, nullptr, static_cast<uint16_t*>(xq), m, k_, kp_, q, st);
    } else {
      LaunchFakeQuant(x, static_cast<float*>(xq), nullptr, m, k_, kp_, q, st);
    }
    fp8_status_code_t s = LaunchStatus(c);
    if (s != FP8_STATUS_OK) return s;
    s = gemm_.Run(c.dev->lt, st, c.dev->workspace, c.consts + w_off_, kp_, /*w_transposed=*/true,
                  xq, kp_, acc, np_, m, GemmN(), kp_, 1.0f, 1, 0, 0, 0, c.err);
    if (s != FP8_STATUS_OK) return s;
    LaunchScaleBias(acc, np_, scales, true, bias, static_cast<float*>(Out(c)), m, n_, st);
    return LaunchStatus(c);
  }

 private:
  // The FP8 weights have np_ rows (zeros past n_): their GEMM is N = np_.
  int64_t GemmN() const { return path_ == kFp8 ? np_ : n_; }

  int64_t n_ = 0, k_ = 0, kp_ = 0, np_ = 0, max_m_ = 0;
  Path path_ = kF32;
  QuantSpec act_;
  size_t act_lut_off_ = 0, w_off_ = 0, scale_off_ = 0, x_bytes_ = 0;
  LtGemm gemm_;
};

// ---- BATCH_MATMUL ----
class BatchMatMulKernel : public Kernel {
 public:
  BatchMatMulKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool) {
    transpose_b_ = g.AttrInt(node, FP8_ATTR_TRANSPOSE_B) != 0;
    const backend::ActQuantView qa = g.ActQuant(node, 0), qb = g.ActQuant(node, 1);
    qa_ = ActQuant(qa, pool, &lut_a_);
    qb_ = ActQuant(qb, pool, &lut_b_);
    alpha_ = (g.AttrFloat(node, FP8_ATTR_ALPHA) * (qa.enabled ? qa.scale : 1.0f)) *
             (qb.enabled ? qb.scale : 1.0f);
    a_elems_ = g.PlanShape(g.Input(node, 0)).NumElements();
    b_elems_ = g.PlanShape(g.Input(node, 1)).NumElements();
    scratch_bytes_ = static_cast<size_t>(RoundUp(a_elems_ * 4, 256) + b_elems_ * 4);
    gemm_.Configure(CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, CUBLAS_COMPUTE_32F, false);
  }

  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape sa = ShapeOf(c, ops_[0]), sb = ShapeOf(c, ops_[1]), so = OutShape(c);
    const int r = so.rank;
    const int64_t M = sa[r - 2], K = sa[r - 1], N = so[r - 1];
    if (M * N == 0) return FP8_STATUS_OK;
    const int64_t batches = so.NumElements() / (M * N);
    cudaStream_t st = c.dev->stream;
    if (K == 0) {  // no products: zeros
      const cudaError_t e =
          cudaMemsetAsync(Out(c), 0, static_cast<size_t>(batches * M * N) * 4, st);
      return e == cudaSuccess ? FP8_STATUS_OK
                              : Failed(c, FP8_STATUS_BACKEND_ERROR, cudaGetErrorName(e));
    }
    // Batch dimensions with each operand's stride in elements (0 where it
    // is broadcast); all of them one strided batch when nothing is.
    int nb = 1;
    int64_t dims[kMaxDims] = {batches}, as[kMaxDims] = {M * K}, bs[kMaxDims] = {K * N};
    if (sa.NumElements() != batches * M * K || sb.NumElements() != batches * K * N) {
      if (sa.rank != r || sb.rank != r || r - 2 > kMaxDims) {
        return Failed(c, FP8_STATUS_UNSUPPORTED, "batch broadcasting between different ranks");
      }
      nb = r - 2;
      int64_t a_stride = M * K, b_stride = K * N;
      for (int i = nb - 1; i >= 0; --i) {
        dims[i] = so[i];
        as[i] = sa[i] == 1 && so[i] != 1 ? 0 : a_stride;
        bs[i] = sb[i] == 1 && so[i] != 1 ? 0 : b_stride;
        a_stride *= sa[i];
        b_stride *= sb[i];
      }
    }
    const float* a = F(c, 0);
    const float* b = F(c, 1);
    float* abuf = reinterpret_cast<float*>(c.scratch);
    float* bbuf = reinterpret_cast<float*>(c.scratch + RoundUp(a_elems_ * 4, 256));
    if (qa_.mode) {
      QuantSpec q = qa_;
      q.lut = reinterpret_cast<const float*>(c.consts + lut_a_);
      LaunchFakeQuant(a, abuf, nullptr, 1, sa.NumElements(), sa.NumElements(), q, st);
      a = abuf;
    }
    if (qb_.mode) {
      QuantSpec q = qb_;
      q.lut = reinterpret_cast<const float*>(c.consts + lut_b_);
      LaunchFakeQuant(b, bbuf, nullptr, 1, sb.NumElements(), sb.NumElements(), q, st);
      b = bbuf;
    }
    fp8_status_code_t s = LaunchStatus(c);
    if (s != FP8_STATUS_OK) return s;
    // Row-major Y[M, N] = A[M, K] * B: W := B ([K, N] row-major = N x K
    // column-major, or [N, K] with transpose_b), X := A. The last batch
    // dimension is the strided batch; the others a loop of GEMMs.
    const int64_t inner = dims[nb - 1], outer = batches / inner;
    float* y = static_cast<float*>(Out(c));
    for (int64_t o = 0; o < outer; ++o) {
      int64_t rest = o, a_off = 0, b_off = 0;
      for (int i = nb - 2; i >= 0; --i) {
        const int64_t idx = rest % dims[i];
        rest /= dims[i];
        a_off += idx * as[i];
        b_off += idx * bs[i];
      }
      s = gemm_.Run(c.dev->lt, st, c.dev->workspace, b + b_off, transpose_b_ ? K : N, transpose_b_,
                    a + a_off, K, y + o * inner * M * N, N, M, N, K, alpha_,
                    static_cast<int>(inner), bs[nb - 1], as[nb - 1], M * N, c.err);
      if (s != FP8_STATUS_OK) return s;
    }
    return FP8_STATUS_OK;
  }

 private:
  bool transpose_b_ = false;
  QuantSpec qa_, qb_;
  size_t lut_a_ = 0, lut_b_ = 0;
  float alpha_ = 1.0f;
  int64_t a_elems_ = 0, b_elems_ = 0;
  LtGemm gemm_;
};

// Output shape and both inputs' strides for the kernels.
Strides BroadcastStrides(const Shape& a, const Shape& b, const Shape& out) {
  Strides s;
  s.rank = std::max(1, out.rank);
  for (int d = 0; d < out.rank; ++d) s.dims[d] = out[d];
  backend::BroadcastStrides(a, out, s.a);
  backend::BroadcastStrides(b, out, s.b);
  return s;
}

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool), mul_(g.Op(node) == OpType::kMUL) {}
  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape out = OutShape(c);
    LaunchBinary(F(c, 0), F(c, 1), static_cast<float*>(Out(c)), out.NumElements(),
                 BroadcastStrides(ShapeOf(c, ops_[0]), ShapeOf(c, ops_[1]), out), mul_,
                 c.dev->stream);
    return LaunchStatus(c);
  }
  bool same_shapes(const backend::GraphAccess& g, size_t node) const {
    return g.PlanShape(g.Input(node, 0)) == g.PlanShape(g.Input(node, 1));
  }

 private:
  bool mul_;
};

class UnaryKernel : public Kernel {
 public:
  UnaryKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool) {
    op_ = g.Op(node) == OpType::kTANH
              ? 2
              : (g.AttrInt(node, FP8_ATTR_GELU_APPROX) == FP8_GELU_TANH ? 1 : 0);
  }
  fp8_status_code_t Launch(const RunContext& c) override {
    LaunchUnary(F(c, 0), static_cast<float*>(Out(c)), OutShape(c).NumElements(), op_,
                c.dev->stream);
    return LaunchStatus(c);
  }

 private:
  int op_ = 0;
};

class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool), eps_(g.AttrFloat(node, FP8_ATTR_EPSILON)) {}
  // Fuses the ADD (a + b -> this LayerNorm's input) that runs just before.
  bool FuseResidual(Kernel* add) override {
    add_ = add;
    add->skipped = true;
    return true;
  }
  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1], rows = C > 0 ? s.NumElements() / C : 0;
    const float* gamma = F(c, 1);
    const float* beta = ops_[2].present() ? F(c, 2) : nullptr;
    if (add_) {
      const RunContext& ac = c;
      const fp8_tensor_binding_t& sum = ac.bindings[add_->output()];
      LaunchLayerNorm(AddInput(c, 0), AddInput(c, 1),
                      reinterpret_cast<float*>(static_cast<uint8_t*>(sum.buffer) + sum.offset),
                      gamma, beta, static_cast<float*>(Out(c)), rows, C, eps_, c.dev->stream);
    } else {
      LaunchLayerNorm(F(c, 0), nullptr, nullptr, gamma, beta, static_cast<float*>(Out(c)), rows, C,
                      eps_, c.dev->stream);
    }
    return LaunchStatus(c);
  }

 private:
  const float* AddInput(const RunContext& c, size_t i) const {
    const Operand& o = add_->in(i);
    if (o.constant) return reinterpret_cast<const float*>(c.consts + o.const_off);
    const fp8_tensor_binding_t& b = c.bindings[o.tensor];
    return reinterpret_cast<const float*>(static_cast<const uint8_t*>(b.buffer) + b.offset);
  }
  float eps_;
  Kernel* add_ = nullptr;
};

class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool),
        scale_(g.AttrFloat(node, FP8_ATTR_SOFTMAX_SCALE)),
        mode_(static_cast<int>(g.AttrInt(node, FP8_ATTR_MASK_MODE))) {}
  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1], rows = C > 0 ? s.NumElements() / C : 0;
    int kind = 0;
    Strides ms;
    if (mode_ == FP8_MASK_KEY_PADDING) {
      const DType dt = ops_[1].dtype;
      kind = dt == DType::kINT32 ? 1 : dt == DType::kINT64 ? 2 : dt == DType::kUINT8 ? 3 : 0;
    } else if (mode_ == FP8_MASK_ADDITIVE) {
      ms = BroadcastStrides(ShapeOf(c, ops_[1]), ShapeOf(c, ops_[1]), s);
    }
    LaunchSoftmax(F(c, 0), mode_ != FP8_MASK_NONE ? Ptr(c, ops_[1]) : nullptr, mode_, kind, ms,
                  rows, C, s[0] > 0 ? rows / s[0] : 1, scale_, static_cast<float*>(Out(c)),
                  c.dev->stream);
    return LaunchStatus(c);
  }

 private:
  float scale_;
  int mode_;
};

class GatherKernel : public Kernel {
 public:
  GatherKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool, int* status_words)
      : Kernel(g, node, pool), axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))) {
    status_word_ = (*status_words)++;
    elem_ = static_cast<int>(DTypeSize(g.TensorDType(g.Output(node))));
    if (ops_[0].constant && IsQuantized(ops_[0].dtype)) {
      const backend::QuantView q = g.Quant(ops_[0].tensor);
      codes_ = true;
      lut_off_ = pool->AddFloats(backend::CodeTable(ops_[0].dtype, q.format));
      if (q.quantized && q.scale_count > 1) {
        scales_off_ = pool->AddFloats(std::vector<float>(q.scales, q.scales + q.scale_count));
        per_row_ = true;
      } else if (q.quantized) {
        scale_ = q.scales[0];
      }
    }
  }
  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape ds = ShapeOf(c, ops_[0]), is = ShapeOf(c, ops_[1]);
    const int axis = axis_ < 0 ? axis_ + ds.rank : axis_;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= ds[i];
    for (int i = axis + 1; i < ds.rank; ++i) inner *= ds[i];
    LaunchGather(Ptr(c, ops_[0]), codes_, reinterpret_cast<const float*>(c.consts + lut_off_),
                 per_row_ ? reinterpret_cast<const float*>(c.consts + scales_off_) : nullptr,
                 scale_, Ptr(c, ops_[1]), ops_[1].dtype == DType::kINT64, outer, is.NumElements(),
                 ds[axis], inner, elem_, Out(c), c.status + status_word_, c.dev->stream);
    dim_ = ds[axis];
    return LaunchStatus(c);
  }
  int64_t gather_dim() const override { return dim_; }

 private:
  int axis_;
  int elem_ = 4;
  bool codes_ = false, per_row_ = false;
  size_t lut_off_ = 0, scales_off_ = 0;
  float scale_ = 1.0f;
  int64_t dim_ = 0;
};

class CopyKernel : public Kernel {
 public:
  CopyKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool), op_(g.Op(node)) {
    elem_ = static_cast<int>(DTypeSize(g.TensorDType(g.Output(node))));
    if (op_ == OpType::kTRANSPOSE) perm_ = g.AttrInts(node, FP8_ATTR_PERM);
    heads_ = g.AttrInt(node, FP8_ATTR_NUM_HEADS);
    axis_ = static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS));
    start_ = g.AttrInt(node, FP8_ATTR_SLICE_START);
  }
  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape out = OutShape(c);
    const backend::CopyPlan plan =
        backend::PlanCopy(op_, ShapeOf(c, ops_[0]), out, perm_, heads_, axis_, start_);
    Strides s;
    s.rank = plan.rank;
    for (int i = 0; i < plan.rank; ++i) {
      s.dims[i] = plan.dims[i];
      s.a[i] = plan.strides[i];
    }
    const int64_t base = plan.base;
    LaunchCopy(static_cast<const uint8_t*>(Ptr(c, ops_[0])) + base * elem_, Out(c),
               out.NumElements(), s, elem_, c.dev->stream);
    return LaunchStatus(c);
  }

 private:
  OpType op_;
  int elem_ = 4;
  std::vector<int64_t> perm_;
  int64_t heads_ = 1, start_ = 0;
  int axis_ = 0;
};

class QuantizeKernel : public Kernel {
 public:
  QuantizeKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool), quantize_(g.Op(node) == OpType::kQUANTIZE) {
    const int32_t qt = quantize_ ? g.Output(node) : g.Input(node, 0);
    const backend::QuantView q = g.Quant(qt);
    const DType dt = g.TensorDType(qt);
    axis_ = q.quantized ? q.axis : -1;
    std::vector<float> s(q.scales, q.scales + q.scale_count);
    if (s.empty()) s.push_back(1.0f);
    channels_ = static_cast<int64_t>(s.size());
    if (quantize_) {
      for (float& v : s) v = QuantizeMultiplier(v);
      spec_.mode = dt == DType::kINT8 ? 2 : 1;
      if (spec_.mode == 1) spec_.enc = EncodeOf(q.format);
    } else {
      lut_off_ = pool->AddFloats(backend::CodeTable(dt, q.format));
    }
    scales_off_ = pool->AddFloats(s);
  }
  fp8_status_code_t Launch(const RunContext& c) override {
    const Shape s = OutShape(c);
    int64_t inner = 1;
    if (axis_ >= 0) {
      if (axis_ >= s.rank || s[axis_] != channels_)
        return Failed(c, FP8_STATUS_INVALID_ARGUMENT, "quantization axis out of range");
      for (int i = axis_ + 1; i < s.rank; ++i) inner *= s[i];
    }
    const float* scales = reinterpret_cast<const float*>(c.consts + scales_off_);
    if (quantize_) {
      LaunchQuantize(F(c, 0), static_cast<uint8_t*>(Out(c)), s.NumElements(), inner, channels_,
                     scales, spec_, c.dev->stream);
    } else {
      LaunchDequantize(static_cast<const uint8_t*>(Ptr(c, ops_[0])), static_cast<float*>(Out(c)),
                       s.NumElements(), inner, channels_, scales,
                       reinterpret_cast<const float*>(c.consts + lut_off_), c.dev->stream);
    }
    return LaunchStatus(c);
  }

 private:
  bool quantize_;
  int axis_ = -1;
  int64_t channels_ = 1;
  QuantSpec spec_;
  size_t lut_off_ = 0, scales_off_ = 0;
};

}  // namespace

const char* DeclineReason(const backend::GraphAccess& g, size_t n) {
  backend::DeviceLimits limits;
  limits.max_rank = kMaxDims;                      // the kernels' Strides
  limits.max_broadcast_batch_dims = kMaxDims - 2;  // a loop of strided batched GEMMs
  return backend::DeviceDeclineReason(g, n, limits);
}

std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                                   int* status_words, int sm) {
  switch (g.Op(node)) {
    case OpType::kLINEAR:
      return std::make_unique<LinearKernel>(g, node, pool, sm);
    case OpType::kBATCH_MATMUL:
      return std::make_unique<BatchMatMulKernel>(g, node, pool);
    case OpType::kADD:
    case OpType::kMUL:
      return std::make_unique<BinaryKernel>(g, node, pool);
    case OpType::kGELU:
    case OpType::kTANH:
      return std::make_unique<UnaryKernel>(g, node, pool);
    case OpType::kLAYER_NORM:
      return std::make_unique<LayerNormKernel>(g, node, pool);
    case OpType::kSOFTMAX:
      return std::make_unique<SoftmaxKernel>(g, node, pool);
    case OpType::kGATHER:
      return std::make_unique<GatherKernel>(g, node, pool, status_words);
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE:
      return std::make_unique<QuantizeKernel>(g, node, pool);
    default:
      return std::make_unique<CopyKernel>(g, node, pool);
  }
}

}  // namespace cuda
}  // namespace fp8sdk
