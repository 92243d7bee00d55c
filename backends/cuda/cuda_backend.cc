// The CUDA backend plugin (fp8sdk/backend.h): the whole graph on an NVIDIA
// GPU. LINEAR with E4M3 activations and E4M3/E5M2 weights runs as an FP8
// GEMM on the tensor cores through cuBLASLt (sm_89 and newer): activations
// quantized by our kernel (the CPU encoder's integer steps, so the codes are
// equal), K and the output's leading dimension padded to 16 for cuBLASLt's
// FP8 rules ("TN" layout), fp32 accumulation, then our epilogue applies the
// per-channel scales and the bias. Other LINEARs: bf16 GEMMs on weights
// decoded once at load (FP8/INT8 codes are exact in bf16) or f32 GEMMs.
// Attention products: cuBLASLt strided batched f32 GEMMs on fake-quantized
// operands. LayerNorm (with the residual ADD fused), Softmax, GELU, gather,
// quantize and data movement: kernels of our own (kernels_*.cu). A partition
// is captured into a CUDA graph per input shape and replayed.
//
// On a machine without a GPU or driver the plugin loads, create() fails with
// the CUDA error's name, and the session runs elsewhere.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/common/device_ops.h"
#include "backends/common/graph_access.h"
#include "backends/cuda/cuda_kernels.h"
#include "backends/cuda/lt_gemm.h"
#include "fp8sdk/backend.h"
#include "sdk/numerics/fp8_format.h"
#include "sdk/numerics/fp8_params.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace cuda {
namespace {

using backend::Fail;

fp8_status_code_t CudaFail(fp8_error_t* err, cudaError_t e, const char* what) {
  cudaGetLastError();  // clear a sticky launch error's report
  return Fail(
      err,
      e == cudaErrorMemoryAllocation ? FP8_STATUS_RESOURCE_EXHAUSTED : FP8_STATUS_BACKEND_ERROR,
      "CUDA: %s: %s (%s)", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

#define FP8_CUDA(call, what)                               \
  do {                                                     \
    const cudaError_t e_ = (call);                         \
    if (e_ != cudaSuccess) return CudaFail(err, e_, what); \
  } while (0)

int64_t RoundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

struct DeviceState {
  int ordinal = 0;
  bool open = false;
  cudaDeviceProp props{};
  cudaStream_t stream = nullptr;
  cublasLtHandle_t lt = nullptr;
  void* workspace = nullptr;
};

struct Instance {
  std::vector<DeviceState> devices;
};

Instance* Self(void* p) { return static_cast<Instance*>(p); }

fp8_status_code_t Open(Instance* self, uint32_t device, fp8_error_t* err) {
  if (device >= self->devices.size())
    return Fail(err, FP8_STATUS_INVALID_ARGUMENT, "no such device");
  DeviceState& d = self->devices[device];
  FP8_CUDA(cudaSetDevice(d.ordinal), "cudaSetDevice");
  if (d.open) return FP8_STATUS_OK;
  FP8_CUDA(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  const cublasStatus_t lt = cublasLtCreate(&d.lt);
  if (lt != CUBLAS_STATUS_SUCCESS) return LtFail(err, lt, "cublasLtCreate");
  FP8_CUDA(cudaMalloc(&d.workspace, kWorkspaceBytes), "cudaMalloc (cuBLASLt workspace)");
  d.open = true;
  return FP8_STATUS_OK;
}

// ---- constants: one device buffer per partition ----
class ConstantPool {
 public:
  // Appends bytes (256-byte aligned, cuBLASLt's preference) and returns their offset.
  size_t Add(const void* data, size_t bytes) {
    const size_t off = (bytes_.size() + 255) / 256 * 256;
    bytes_.resize(off + bytes, 0);
    if (bytes) std::memcpy(bytes_.data() + off, data, bytes);
    return off;
  }
  size_t AddFloats(const std::vector<float>& v) { return Add(v.data(), v.size() * 4); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

Fp8Encode EncodeOf(const Fp8Format& f) {
  const internal::Fp8EncodeParams p = internal::MakeEncodeParams(f, Fp8Saturation::kSatFinite);
  return Fp8Encode{p.normal_min, p.rebias,   p.shift,         p.half_m1,
                   p.sub_base,   p.max_code, p.overflow_code, p.nan_code};
}

// What a kernel needs at run time.
struct RunContext {
  const fp8_tensor_binding_t* bindings = nullptr;
  const uint8_t* consts = nullptr;       // the partition's constant buffer
  uint8_t* scratch = nullptr;            // the partition's scratch buffer
  unsigned long long* status = nullptr;  // one word per GATHER (device)
  DeviceState* dev = nullptr;
  fp8_error_t* err = nullptr;
};

struct Operand {
  int32_t tensor = -1;
  DType dtype = DType::kF32;
  bool constant = false;
  size_t const_off = 0;
  Shape const_shape;
  bool present() const { return tensor >= 0; }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual fp8_status_code_t Launch(const RunContext& c) = 0;
  size_t scratch_bytes() const { return scratch_bytes_; }
  int status_word() const { return status_word_; }
  const std::string& label() const { return label_; }
  const Operand& in(size_t i) const { return ops_[i]; }
  int32_t output() const { return output_; }
  // Fusion: a LAYER_NORM that also computes the ADD before it makes that
  // ADD's launch unnecessary.
  bool skipped = false;

 protected:
  Kernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : label_(g.NodeLabel(node)), output_(g.Output(node)) {
    for (size_t i = 0; i < g.InputCount(node) && i < ops_.size(); ++i) {
      Operand& o = ops_[i];
      o.tensor = g.Input(node, i);
      if (o.tensor < 0) continue;
      o.dtype = g.TensorDType(o.tensor);
      size_t bytes = 0;
      const void* data = g.ConstData(o.tensor, &bytes);
      if (!data) continue;
      o.constant = true;
      o.const_shape = g.PlanShape(o.tensor);
      if (g.Op(node) == OpType::kLINEAR && i == 1) continue;  // LinearKernel's own form
      if (o.dtype == DType::kF16 || o.dtype == DType::kBF16) {
        o.const_off = pool->AddFloats(backend::DecodeHalf(data, o.dtype, bytes / 2));
        o.dtype = DType::kF32;
      } else {
        o.const_off = pool->Add(data, bytes);
      }
    }
  }
  const void* Ptr(const RunContext& c, const Operand& o) const {
    if (!o.present()) return nullptr;
    if (o.constant) return c.consts + o.const_off;
    const fp8_tensor_binding_t& b = c.bindings[o.tensor];
    return static_cast<const uint8_t*>(b.buffer) + b.offset;
  }
  const float* F(const RunContext& c, size_t i) const {
    return static_cast<const float*>(Ptr(c, ops_[i]));
  }
  void* Out(const RunContext& c) const {
    const fp8_tensor_binding_t& b = c.bindings[output_];
    return static_cast<uint8_t*>(b.buffer) + b.offset;
  }
  Shape ShapeOf(const RunContext& c, const Operand& o) const {
    return o.constant ? o.const_shape : backend::BindingShape(c.bindings[o.tensor]);
  }
  Shape OutShape(const RunContext& c) const { return backend::BindingShape(c.bindings[output_]); }
  fp8_status_code_t Failed(const RunContext& c, fp8_status_code_t code,
                           const std::string& w) const {
    return Fail(c.err, code, "%s: %s", label_.c_str(), w.c_str());
  }
  fp8_status_code_t LaunchStatus(const RunContext& c) const {
    const cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) return FP8_STATUS_OK;
    return Fail(c.err, FP8_STATUS_BACKEND_ERROR, "%s: kernel launch: %s (%s)", label_.c_str(),
                cudaGetErrorName(e), cudaGetErrorString(e));
  }

  std::string label_;
  int32_t output_;
  std::array<Operand, 3> ops_;
  size_t scratch_bytes_ = 0;
  int status_word_ = -1;
};

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
    const int64_t max_m = g.PlanShape(g.Input(node, 0)).NumElements() / std::max<int64_t>(1, k_);
    if (path_ == kFp8) {
      std::vector<uint8_t> padded(static_cast<size_t>(n_ * kp_), 0);
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

  fp8_status_code_t Launch(const RunContext& c) override {
    const int64_t m = ShapeOf(c, ops_[0]).NumElements() / std::max<int64_t>(1, k_);
    if (m == 0) return FP8_STATUS_OK;
    cudaStream_t st = c.dev->stream;
    const float* x = F(c, 0);
    void* xq = c.scratch;
    float* acc = reinterpret_cast<float*>(c.scratch + x_bytes_);
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
                  xq, kp_, acc, np_, m, n_, kp_, 1.0f, 1, 0, 0, 0, c.err);
    if (s != FP8_STATUS_OK) return s;
    LaunchScaleBias(acc, np_, reinterpret_cast<const float*>(c.consts + scale_off_), true,
                    ops_[2].present() ? F(c, 2) : nullptr, static_cast<float*>(Out(c)), m, n_, st);
    return LaunchStatus(c);
  }

 private:
  int64_t n_ = 0, k_ = 0, kp_ = 0, np_ = 0;
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
    const bool b_shared = sb.NumElements() == K * N && batches > 1;  // broadcast B
    if (sa.NumElements() != batches * M * K || (!b_shared && sb.NumElements() != batches * K * N)) {
      return Failed(c, FP8_STATUS_UNSUPPORTED, "batch broadcasting other than one shared B");
    }
    cudaStream_t st = c.dev->stream;
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
    // column-major, or [N, K] with transpose_b), X := A.
    s = gemm_.Run(c.dev->lt, st, c.dev->workspace, b, transpose_b_ ? K : N, transpose_b_, a, K,
                  Out(c), N, M, N, K, alpha_, static_cast<int>(batches), b_shared ? 0 : K * N,
                  M * K, M * N, c.err);
    return s;
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
  void FuseResidual(Kernel* add) {
    add_ = add;
    add->skipped = true;
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
  int64_t dim() const { return dim_; }

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

const char* DeclineReason(const backend::GraphAccess& g, size_t n) {
  backend::DeviceLimits limits;
  limits.max_rank = kMaxDims;            // the kernels' Strides
  limits.max_broadcast_batch_dims = -1;  // strided batched GEMMs: a shared B at most
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

struct Partition {
  DeviceState* dev = nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels;
  uint8_t* consts = nullptr;
  uint8_t* scratch = nullptr;
  unsigned long long* status = nullptr;  // device
  std::vector<unsigned long long> status_host;
  int status_words = 0;
  // CUDA graph of the last shape (bindings signature).
  std::vector<int64_t> signature;
  cudaGraphExec_t graph = nullptr;
  bool use_graphs = true;
};

void ReleasePartition(Partition* p) {
  if (!p) return;
  if (p->dev) cudaSetDevice(p->dev->ordinal);
  if (p->graph) cudaGraphExecDestroy(p->graph);
  cudaFree(p->consts);
  cudaFree(p->scratch);
  cudaFree(p->status);
  delete p;
}

// ---- vtable ----

fp8_status_code_t Create(const fp8_backend_config_t* config, void** out, fp8_error_t* err) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return Fail(err, FP8_STATUS_UNSUPPORTED, "no usable CUDA device: cudaGetDeviceCount: %s (%s)",
                cudaGetErrorName(e), cudaGetErrorString(e));
  }
  if (n == 0) return Fail(err, FP8_STATUS_UNSUPPORTED, "no CUDA device");
  auto self = std::make_unique<Instance>();
  const bool reads_hint =
      config && config->struct_size >= offsetof(fp8_backend_config_t, device_hint) + sizeof(void*);
  const std::string hint = reads_hint && config->device_hint ? config->device_hint : "";
  for (int i = 0; i < n; ++i) {
    DeviceState d;
    d.ordinal = i;
    if (cudaGetDeviceProperties(&d.props, i) != cudaSuccess) continue;
    self->devices.push_back(d);
  }
  if (!hint.empty()) {
    std::stable_partition(self->devices.begin(), self->devices.end(), [&](const DeviceState& d) {
      return std::string(d.props.name).find(hint) != std::string::npos;
    });
  }
  if (self->devices.empty()) return Fail(err, FP8_STATUS_UNSUPPORTED, "no CUDA device answered");
  *out = self.release();
  return FP8_STATUS_OK;
}

void Destroy(void* instance) {
  Instance* self = Self(instance);
  for (DeviceState& d : self->devices) {
    if (!d.open) continue;
    cudaSetDevice(d.ordinal);
    cudaStreamSynchronize(d.stream);
    cublasLtDestroy(d.lt);
    cudaFree(d.workspace);
    cudaStreamDestroy(d.stream);
  }
  delete self;
}

uint32_t DeviceCount(void* instance) {
  return static_cast<uint32_t>(Self(instance)->devices.size());
}

fp8_status_code_t DeviceInfo(void* instance, uint32_t device, fp8_device_info_t* out,
                             fp8_error_t* err) {
  Instance* self = Self(instance);
  if (device >= self->devices.size())
    return Fail(err, FP8_STATUS_INVALID_ARGUMENT, "no such device");
  const cudaDeviceProp& p = self->devices[device].props;
  std::snprintf(out->name, sizeof(out->name), "%.100s (sm_%d%d)", p.name, p.major, p.minor);
  out->kind = FP8_DEVICE_CUDA;
  out->memory_bytes = p.totalGlobalMem;
  out->native_fp8 = p.major * 10 + p.minor >= 89;
  out->host_memory = 0;
  return FP8_STATUS_OK;
}

fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t* graph, const fp8_graph_api_t* api,
                        uint8_t* claimed, fp8_decline_fn decline, void* ctx, fp8_error_t*) {
  const backend::GraphAccess g(graph, api);
  for (size_t n = 0; n < g.NodeCount(); ++n) {
    const char* why = DeclineReason(g, n);
    claimed[n] = why == nullptr;
    if (why) decline(ctx, n, why);
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t BufferAlloc(void* instance, uint32_t device, uint64_t size, void** out,
                              fp8_error_t* err) {
  fp8_status_code_t st = Open(Self(instance), device, err);
  if (st != FP8_STATUS_OK) return st;
  FP8_CUDA(cudaMalloc(out, std::max<uint64_t>(size, 256)), "cudaMalloc");
  return FP8_STATUS_OK;
}

void BufferFree(void* instance, uint32_t device, void* buffer) {
  Instance* self = Self(instance);
  if (device < self->devices.size()) cudaSetDevice(self->devices[device].ordinal);
  cudaFree(buffer);
}

fp8_status_code_t CopyToDevice(void* instance, uint32_t device, void* dst, uint64_t off,
                               const void* src, uint64_t size, fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& d = self->devices[device];
  FP8_CUDA(cudaMemcpyAsync(static_cast<uint8_t*>(dst) + off, src, size, cudaMemcpyHostToDevice,
                           d.stream),
           "cudaMemcpyAsync (to device)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");
  return FP8_STATUS_OK;
}

fp8_status_code_t CopyToHost(void* instance, uint32_t device, void* dst, const void* src,
                             uint64_t off, uint64_t size, fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& d = self->devices[device];
  FP8_CUDA(cudaMemcpyAsync(dst, static_cast<const uint8_t*>(src) + off, size,
                           cudaMemcpyDeviceToHost, d.stream),
           "cudaMemcpyAsync (to host)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");
  return FP8_STATUS_OK;
}

fp8_status_code_t Prepare(void* instance, uint32_t device, const fp8_graph_t* graph,
                          const fp8_graph_api_t* api, const size_t* nodes, size_t count, void** out,
                          fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& d = self->devices[device];
  std::unique_ptr<Partition, void (*)(Partition*)> p(new Partition(), ReleasePartition);
  p->dev = &d;
  if (const char* env = std::getenv("FP8SDK_CUDA_GRAPHS"))
    p->use_graphs = std::strcmp(env, "0") != 0;
  const backend::GraphAccess g(graph, api);
  ConstantPool pool;
  const int sm = d.props.major * 10 + d.props.minor;
  size_t scratch = 256;
  for (size_t i = 0; i < count; ++i) {
    p->kernels.push_back(MakeKernel(g, nodes[i], &pool, &p->status_words, sm));
    scratch = std::max(scratch, p->kernels.back()->scratch_bytes());
    // ADD then LAYER_NORM on its output, same shapes: one fused kernel.
    if (i > 0 && g.Op(nodes[i]) == OpType::kLAYER_NORM && g.Op(nodes[i - 1]) == OpType::kADD &&
        g.Input(nodes[i], 0) == g.Output(nodes[i - 1]) &&
        g.PlanShape(g.Input(nodes[i - 1], 0)) == g.PlanShape(g.Input(nodes[i - 1], 1))) {
      static_cast<LayerNormKernel*>(p->kernels[i].get())->FuseResidual(p->kernels[i - 1].get());
    }
  }
  for (size_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < g.InputCount(nodes[i]); ++k) {
      const int32_t t = g.Input(nodes[i], k);
      if (t >= 0 && g.ConstData(t)) g.ConstDone(t);  // uploaded below
    }
  }
  const std::vector<uint8_t>& bytes = pool.bytes();
  FP8_CUDA(cudaMalloc(reinterpret_cast<void**>(&p->consts), std::max<size_t>(bytes.size(), 256)),
           "cudaMalloc (weights)");
  FP8_CUDA(cudaMemcpy(p->consts, bytes.data(), bytes.size(), cudaMemcpyHostToDevice),
           "cudaMemcpy (weights)");
  FP8_CUDA(cudaMalloc(reinterpret_cast<void**>(&p->scratch), scratch), "cudaMalloc (scratch)");
  p->status_host.assign(static_cast<size_t>(std::max(1, p->status_words)), ~0ull);
  FP8_CUDA(cudaMalloc(reinterpret_cast<void**>(&p->status),
                      p->status_host.size() * sizeof(unsigned long long)),
           "cudaMalloc (status)");
  *out = p.release();
  return FP8_STATUS_OK;
}

fp8_status_code_t LaunchAll(Partition* p, const RunContext& rc) {
  for (auto& k : p->kernels) {
    if (k->skipped) continue;
    const fp8_status_code_t st = k->Launch(rc);
    if (st != FP8_STATUS_OK) return st;
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Execute(void*, uint32_t, void* partition, const fp8_tensor_binding_t* bindings,
                          size_t binding_count, fp8_error_t* err) {
  Partition* p = static_cast<Partition*>(partition);
  DeviceState& d = *p->dev;
  FP8_CUDA(cudaSetDevice(d.ordinal), "cudaSetDevice");
  RunContext rc;
  rc.bindings = bindings;
  rc.consts = p->consts;
  rc.scratch = p->scratch;
  rc.status = p->status;
  rc.dev = &d;
  rc.err = err;
  std::fill(p->status_host.begin(), p->status_host.end(), ~0ull);
  FP8_CUDA(cudaMemcpyAsync(p->status, p->status_host.data(),
                           p->status_host.size() * sizeof(unsigned long long),
                           cudaMemcpyHostToDevice, d.stream),
           "cudaMemcpyAsync (status)");
  // The shapes and places of this run; the same as the last: replay its graph.
  std::vector<int64_t> sig;
  for (size_t t = 0; t < binding_count; ++t) {
    const fp8_tensor_binding_t& b = bindings[t];
    if (!b.buffer) continue;
    sig.push_back(static_cast<int64_t>(reinterpret_cast<uintptr_t>(b.buffer) + b.offset));
    for (int r = 0; r < b.rank; ++r) sig.push_back(b.dims[r]);
  }
  if (p->use_graphs && p->graph && sig == p->signature) {
    FP8_CUDA(cudaGraphLaunch(p->graph, d.stream), "cudaGraphLaunch");
  } else if (p->use_graphs) {
    if (p->graph) {
      cudaGraphExecDestroy(p->graph);
      p->graph = nullptr;
    }
    FP8_CUDA(cudaStreamBeginCapture(d.stream, cudaStreamCaptureModeThreadLocal),
             "cudaStreamBeginCapture");
    const fp8_status_code_t st = LaunchAll(p, rc);
    cudaGraph_t graph = nullptr;
    const cudaError_t e = cudaStreamEndCapture(d.stream, &graph);
    if (st != FP8_STATUS_OK) {
      if (graph) cudaGraphDestroy(graph);
      return st;
    }
    if (e != cudaSuccess) return CudaFail(err, e, "cudaStreamEndCapture");
    const cudaError_t ie = cudaGraphInstantiate(&p->graph, graph, 0);
    cudaGraphDestroy(graph);
    if (ie != cudaSuccess) return CudaFail(err, ie, "cudaGraphInstantiate");
    p->signature = std::move(sig);
    FP8_CUDA(cudaGraphLaunch(p->graph, d.stream), "cudaGraphLaunch");
  } else {
    const fp8_status_code_t st = LaunchAll(p, rc);
    if (st != FP8_STATUS_OK) return st;
  }
  // GATHER index errors: read back the status words with the results.
  FP8_CUDA(cudaMemcpyAsync(p->status_host.data(), p->status,
                           p->status_host.size() * sizeof(unsigned long long),
                           cudaMemcpyDeviceToHost, d.stream),
           "cudaMemcpyAsync (status)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");
  for (auto& k : p->kernels) {
    if (k->status_word() < 0) continue;
    const unsigned long long pos = p->status_host[static_cast<size_t>(k->status_word())];
    if (pos == ~0ull) continue;
    const Operand& idx = k->in(1);
    int64_t value = -1;
    if (!idx.constant) {
      const fp8_tensor_binding_t& b = bindings[idx.tensor];
      const size_t elem = idx.dtype == DType::kINT64 ? 8 : 4;
      uint8_t raw[8] = {};
      if (cudaMemcpy(raw, static_cast<const uint8_t*>(b.buffer) + b.offset + pos * elem, elem,
                     cudaMemcpyDeviceToHost) == cudaSuccess) {
        if (elem == 8) {
          std::memcpy(&value, raw, 8);
        } else {
          int32_t v;
          std::memcpy(&v, raw, 4);
          value = v;
        }
      }
    }
    return Fail(err, FP8_STATUS_OUT_OF_RANGE,
                "%s: index %lld at position %llu is outside [0, %lld)", k->label().c_str(),
                static_cast<long long>(value), pos,
                static_cast<long long>(static_cast<GatherKernel*>(k.get())->dim()));
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Synchronize(void* instance, uint32_t device, fp8_error_t* err) {
  Instance* self = Self(instance);
  if (device >= self->devices.size() || !self->devices[device].open) return FP8_STATUS_OK;
  FP8_CUDA(cudaStreamSynchronize(self->devices[device].stream), "cudaStreamSynchronize");
  return FP8_STATUS_OK;
}

void Release(void*, uint32_t, void* partition) {
  ReleasePartition(static_cast<Partition*>(partition));
}

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "cuda",
    FP8_DEVICE_CUDA,
    70,  // above Vulkan (60) and the CPU (50)
    Create,
    Destroy,
    DeviceCount,
    DeviceInfo,
    Claim,
    BufferAlloc,
    BufferFree,
    CopyToDevice,
    CopyToHost,
    Prepare,
    Execute,
    Synchronize,
    Release,
};

}  // namespace
}  // namespace cuda
}  // namespace fp8sdk

extern "C" __attribute__((visibility("default"))) const fp8_backend_vtable_t* fp8_backend_entry(
    uint32_t) {
  return &fp8sdk::cuda::kVtable;
}
