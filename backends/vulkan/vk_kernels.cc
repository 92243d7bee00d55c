#include "backends/vulkan/vk_kernels.h"

#include <algorithm>
#include <cstring>

#include "backends/common/device_ops.h"
#include "backends/vulkan/vk_kernel_common.h"
#include "sdk/numerics/fp8_format.h"
#include "sdk/numerics/fp8_params.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace vulkan {
namespace {

constexpr int kMaxShaderRank = 6;         // the shaders' index arrays
constexpr int64_t kMaxWords = 1LL << 31;  // word indices stay in uint32

// backend::BroadcastStrides as the shaders' 32-bit words.
void BroadcastStrides(const Shape& in, const Shape& out, uint32_t* strides) {
  int64_t s[kMaxRank] = {};
  backend::BroadcastStrides(in, out, s);
  for (int d = 0; d < out.rank; ++d) strides[d] = static_cast<uint32_t>(s[d]);
}

// An elementwise dispatch over `out`: kernel `shader` an invocation per
// element, or, on CPU devices where the last dimension has >= 16 elements
// and there are enough rows, `shader` + 1 (a workgroup per row: see
// binary.comp).
void ElementwiseGroups(const RunContext& c, bool cpu, Shader shader, int rank, int64_t n,
                       int64_t inner, Dispatch* d) {
  const int64_t rows = inner > 0 ? n / inner : 0;
  if (cpu && rank >= 2 && inner >= 16 && rows >= c.max_groups) {
    d->shader = static_cast<Shader>(shader + 1);
    d->groups[0] = static_cast<uint32_t>(std::min<int64_t>(rows, c.max_groups));
  } else {
    d->shader = shader;
    d->groups[0] = GroupsFor(static_cast<uint64_t>(n), c.max_groups);
  }
  d->groups[1] = d->groups[2] = d->groups[0] ? 1 : 0;
}

// ---- ADD, MUL ----
class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
               const DeviceTraits& traits)
      : Kernel(g, node, pool), mul_(g.Op(node) == OpType::kMUL), cpu_(traits.cpu) {}

  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape out = OutShape(c);
    uint32_t sa[kMaxShaderRank] = {}, sb[kMaxShaderRank] = {};
    BroadcastStrides(ShapeOf(c, ops_[0]), out, sa);
    BroadcastStrides(ShapeOf(c, ops_[1]), out, sb);
    PushWriter w(d);
    w.U(out.NumElements()).U(out.rank).U(mul_ ? 1 : 0);
    w.U(WordOf(c, ops_[0])).U(WordOf(c, ops_[1])).U(OutWord(c));
    for (int i = 0; i < kMaxShaderRank; ++i) w.U(i < out.rank ? out[i] : 1);
    for (uint32_t v : sa) w.U(v);
    for (uint32_t v : sb) w.U(v);
    ElementwiseGroups(c, cpu_, kBinary, out.rank, out.NumElements(),
                      out.rank > 0 ? out[out.rank - 1] : 1, d);
    return FP8_STATUS_OK;
  }

 private:
  bool mul_;
  bool cpu_;
};

// ---- GELU, TANH ----
class UnaryKernel : public Kernel {
 public:
  UnaryKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool) {
    if (g.Op(node) == OpType::kTANH) {
      op_ = 2;
    } else {
      op_ = g.AttrInt(node, FP8_ATTR_GELU_APPROX) == FP8_GELU_TANH ? 1 : 0;
    }
  }
  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const int64_t n = OutShape(c).NumElements();
    d->shader = static_cast<Shader>(kUnary + op_);
    PushWriter(d).U(n).U(WordOf(c, ops_[0])).U(OutWord(c));
    d->groups[0] = GroupsFor(static_cast<uint64_t>(n), c.max_groups);
    d->groups[1] = d->groups[2] = d->groups[0] ? 1 : 0;
    return FP8_STATUS_OK;
  }

 private:
  uint32_t op_ = 0;
};

uint32_t RowGroups(int64_t rows, uint32_t max_groups) {
  return static_cast<uint32_t>(std::min<int64_t>(rows, max_groups));
}

// ---- LAYER_NORM ----
// layernorm_rows.comp (a subgroup per row) on CPU-type devices, else
// layernorm.comp (a workgroup per row).
class LayerNormKernel : public Kernel {
 public:
  LayerNormKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                  const DeviceTraits& traits)
      : Kernel(g, node, pool),
        eps_(g.AttrFloat(node, FP8_ATTR_EPSILON)),
        shader_(traits.cpu ? kLayerNormRows : kLayerNorm) {}
  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1], rows = C > 0 ? s.NumElements() / C : 0;
    d->shader = shader_;
    PushWriter(d)
        .U(rows)
        .U(C)
        .U(WordOf(c, ops_[0]))
        .U(WordOf(c, ops_[1]))
        .U(ops_[2].present() ? WordOf(c, ops_[2]) : kNone)
        .U(OutWord(c))
        .F(eps_);
    d->groups[0] = RowGroups(rows, c.max_groups);
    d->groups[1] = d->groups[2] = d->groups[0] ? 1 : 0;
    return FP8_STATUS_OK;
  }

 private:
  float eps_;
  Shader shader_;
};

// ---- SOFTMAX ----
class SoftmaxKernel : public Kernel {
 public:
  SoftmaxKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                const DeviceTraits& traits)
      : Kernel(g, node, pool),
        scale_(g.AttrFloat(node, FP8_ATTR_SOFTMAX_SCALE)),
        mode_(static_cast<fp8_mask_mode_t>(g.AttrInt(node, FP8_ATTR_MASK_MODE))),
        shader_(traits.cpu ? kSoftmaxRows : kSoftmax) {}
  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape s = OutShape(c);
    const int64_t C = s[s.rank - 1], rows = C > 0 ? s.NumElements() / C : 0;
    uint32_t mode = 0, kind = 0, m_off = 0;
    uint32_t strides[kMaxShaderRank] = {};
    if (mode_ == FP8_MASK_KEY_PADDING) {
      mode = 1;
      const DType dt = ops_[1].dtype;
      kind = dt == DType::kINT32 ? 1 : dt == DType::kINT64 ? 2 : dt == DType::kUINT8 ? 3 : 0;
      m_off = WordOf(c, ops_[1]);
    } else if (mode_ == FP8_MASK_ADDITIVE) {
      mode = 2;
      m_off = WordOf(c, ops_[1]);
      BroadcastStrides(ShapeOf(c, ops_[1]), s, strides);
    }
    // softmax_rows.comp: the mask's mode and kind select the pipeline.
    const int variant = mode == 0 ? 0 : mode == 1 ? 1 + static_cast<int>(kind) : 5;
    d->shader = shader_ == kSoftmax ? kSoftmax : static_cast<Shader>(kSoftmaxRows + variant);
    PushWriter w(d);
    w.U(rows).U(C).U(WordOf(c, ops_[0])).U(m_off).U(OutWord(c)).U(mode).U(kind);
    w.U(s[0] > 0 ? rows / s[0] : 1).F(scale_).U(s.rank);
    for (int i = 0; i < kMaxShaderRank; ++i) w.U(i < s.rank ? s[i] : 1);
    for (uint32_t v : strides) w.U(v);
    d->groups[0] = RowGroups(rows, c.max_groups);
    d->groups[1] = d->groups[2] = d->groups[0] ? 1 : 0;
    return FP8_STATUS_OK;
  }

 private:
  float scale_;
  fp8_mask_mode_t mode_;
  Shader shader_;
};

// ---- GATHER ----
class GatherKernel : public Kernel {
 public:
  GatherKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool, int* status_words)
      : Kernel(g, node, pool), axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))) {
    status_word_ = (*status_words)++;
    const Operand& t = ops_[0];
    if (t.constant && IsQuantized(t.dtype)) {
      const backend::QuantView q = g.Quant(t.tensor);
      codes_ = 1;
      lut_ = pool->AddFloats(backend::CodeTable(t.dtype, q.format));
      if (q.quantized && q.scale_count > 1) {
        scale_off_ = pool->AddFloats(std::vector<float>(q.scales, q.scales + q.scale_count));
      } else if (q.quantized) {
        scale_ = q.scales[0];
      }
    }
  }
  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape ds = ShapeOf(c, ops_[0]), is = ShapeOf(c, ops_[1]);
    const int axis = axis_ < 0 ? axis_ + ds.rank : axis_;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= ds[i];
    for (int i = axis + 1; i < ds.rank; ++i) inner *= ds[i];
    const int64_t count = is.NumElements();
    d->shader = kGather;
    PushWriter(d)
        .U(outer * count * inner)
        .U(count)
        .U(ds[axis])
        .U(inner)
        .U(WordOf(c, ops_[0]))
        .U(WordOf(c, ops_[1]))
        .U(OutWord(c))
        .U(codes_)
        .U(ops_[1].dtype == DType::kINT64 ? 1 : 0)
        .U(lut_)
        .U(scale_off_)
        .F(scale_)
        .U(static_cast<uint32_t>(status_word_));
    d->groups[0] = GroupsFor(static_cast<uint64_t>(outer * count * inner), c.max_groups);
    d->groups[1] = d->groups[2] = d->groups[0] ? 1 : 0;
    return FP8_STATUS_OK;
  }
  int axis() const { return axis_; }

 private:
  int axis_;
  uint32_t codes_ = 0, lut_ = 0, scale_off_ = kNone;
  float scale_ = 1.0f;
};

// ---- RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS, SLICE ----
class CopyKernel : public Kernel {
 public:
  CopyKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
             const DeviceTraits& traits)
      : Kernel(g, node, pool),
        cpu_(traits.cpu),
        op_(g.Op(node)),
        words_(static_cast<uint32_t>(DTypeSize(g.TensorDType(g.Output(node))) / 4)) {
    if (op_ == OpType::kTRANSPOSE) {
      const std::vector<int64_t> p = g.AttrInts(node, FP8_ATTR_PERM);
      perm_.assign(p.begin(), p.end());
    }
    heads_ = g.AttrInt(node, FP8_ATTR_NUM_HEADS);
    axis_ = static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS));
    start_ = g.AttrInt(node, FP8_ATTR_SLICE_START);
  }
  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape out = OutShape(c);
    const backend::CopyPlan plan =
        backend::PlanCopy(op_, ShapeOf(c, ops_[0]), out, perm_, heads_, axis_, start_);
    uint32_t dims[kMaxShaderRank] = {1, 1, 1, 1, 1, 1}, strides[kMaxShaderRank] = {};
    for (int i = 0; i < plan.rank; ++i) {
      dims[i] = static_cast<uint32_t>(plan.dims[i]);
      strides[i] = static_cast<uint32_t>(plan.strides[i]);
    }
    const int rank = plan.rank;
    const int64_t base = plan.base;
    PushWriter w(d);
    w.U(out.NumElements()).U(rank);
    w.U(WordOf(c, ops_[0]) + static_cast<uint32_t>(base) * words_).U(OutWord(c));
    for (uint32_t v : dims) w.U(v);
    for (uint32_t v : strides) w.U(v);
    ElementwiseGroups(c, cpu_, words_ == 2 ? kCopy64 : kCopy, rank, out.NumElements(),
                      rank > 0 ? dims[rank - 1] : 1, d);
    return FP8_STATUS_OK;
  }

 private:
  bool cpu_;
  OpType op_;
  uint32_t words_;
  std::vector<int64_t> perm_;
  int64_t heads_ = 1, start_ = 0;
  int axis_ = 0;
};

// ---- QUANTIZE, DEQUANTIZE ----
class QuantizeKernel : public Kernel {
 public:
  QuantizeKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : Kernel(g, node, pool), quantize_(g.Op(node) == OpType::kQUANTIZE) {
    const int32_t qt = quantize_ ? g.Output(node) : g.Input(node, 0);
    const backend::QuantView q = g.Quant(qt);
    const DType dt = g.TensorDType(qt);
    axis_ = q.quantized ? q.axis : -1;
    std::vector<float> s(q.scales, q.scales + std::max<size_t>(q.scale_count, 0));
    if (s.empty()) s.push_back(1.0f);
    channels_ = static_cast<uint32_t>(s.size());
    if (quantize_) {
      for (float& v : s) v = QuantizeMultiplier(v);
      mode_ = dt == DType::kINT8 ? 1 : 0;
      if (mode_ == 0) enc_ = pool->AddWords(EncodeWords(q.format));
    } else {
      mode_ = 2;
      lut_ = pool->AddFloats(backend::CodeTable(dt, q.format));
    }
    scale_off_ = pool->AddFloats(s);
  }
  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape s = OutShape(c);
    int64_t inner = 1;
    if (axis_ >= 0) {
      if (axis_ >= s.rank || s[axis_] != channels_) {
        return Fail(c, FP8_STATUS_INVALID_ARGUMENT, "quantization axis out of range");
      }
      for (int i = axis_ + 1; i < s.rank; ++i) inner *= s[i];
    }
    const int64_t n = s.NumElements();
    d->shader = kQuantize;
    PushWriter(d)
        .U(n)
        .U(mode_)
        .U(WordOf(c, ops_[0]))
        .U(OutWord(c))
        .U(std::max<int64_t>(1, inner))
        .U(channels_)
        .U(scale_off_)
        .U(enc_)
        .U(lut_);
    d->groups[0] = GroupsFor(static_cast<uint64_t>(mode_ == 2 ? n : (n + 3) / 4), c.max_groups);
    d->groups[1] = d->groups[2] = d->groups[0] ? 1 : 0;
    return FP8_STATUS_OK;
  }

 private:
  bool quantize_;
  int axis_ = -1;
  uint32_t mode_ = 0, channels_ = 1, scale_off_ = 0, enc_ = 0, lut_ = 0;
};

}  // namespace

std::vector<uint32_t> EncodeWords(const Fp8Format& f) {
  const internal::Fp8EncodeParams p = internal::MakeEncodeParams(f, Fp8Saturation::kSatFinite);
  return {p.normal_min, p.rebias,   p.shift,         p.half_m1,
          p.sub_base,   p.max_code, p.overflow_code, p.nan_code};
}

QuantOperand AddActQuant(const backend::ActQuantView& q, ConstantPool* pool) {
  QuantOperand r;
  if (!q.enabled) return r;
  r.scale = q.scale;
  r.mul = QuantizeMultiplier(q.scale);
  if (q.dtype == DType::kINT8) {
    r.mode = 2;
  } else {
    r.mode = 1;
    const std::vector<float> table = backend::CodeTable(q.dtype, q.format);
    r.lut = pool->AddFloats(table);
    r.enc = pool->AddWords(EncodeWords(q.format));
    const internal::Fp8EncodeParams e =
        internal::MakeEncodeParams(q.format, Fp8Saturation::kSatFinite);
    r.grid = pool->AddWords({static_cast<uint32_t>(q.format.man_bits),
                             static_cast<uint32_t>(1 - q.format.bias),
                             FloatWord(q.format.MaxFinite()), FloatWord(table[e.nan_code])});
  }
  return r;
}

void ConstantPool::BeginKernel(uint64_t align) {
  align = std::max<uint64_t>(16, align);
  base_ = (bytes_.size() + align - 1) / align * align;
  bytes_.resize(base_, 0);
}

uint32_t ConstantPool::Add(const void* data, size_t bytes) {
  const size_t off = (bytes_.size() + 15) / 16 * 16;
  bytes_.resize(off + bytes, 0);
  if (bytes > 0) std::memcpy(bytes_.data() + off, data, bytes);
  return static_cast<uint32_t>((off - base_) / 4);
}

uint32_t GroupsFor(uint64_t n, uint32_t max_groups) {
  return static_cast<uint32_t>(std::min<uint64_t>((n + 255) / 256, max_groups));
}

Kernel::Kernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
    : label_(g.NodeLabel(node)),
      output_(g.Output(node)),
      output_dtype_(g.TensorDType(g.Output(node))),
      const_base_(pool->base()) {
  for (size_t i = 0; i < 3; ++i) {
    Operand& op = ops_[i];
    op.tensor = g.Input(node, i);
    if (op.tensor < 0) continue;
    op.dtype = g.TensorDType(op.tensor);
    size_t bytes = 0;
    const void* data = g.ConstData(op.tensor, &bytes);
    if (!data) continue;
    op.constant = true;
    op.const_shape = g.PlanShape(op.tensor);
    // LINEAR's weight is placed by LinearKernel in its own form; other
    // constants as they are (F16 / BF16 decoded to f32).
    if (g.Op(node) == OpType::kLINEAR && i == 1) continue;
    if (op.dtype == DType::kF16 || op.dtype == DType::kBF16) {
      op.const_word = pool->AddFloats(backend::DecodeHalf(data, op.dtype, bytes / 2));
      op.dtype = DType::kF32;
    } else {
      op.const_word = pool->Add(data, bytes);
    }
  }
}

Shape Kernel::ShapeOf(const RunContext& c, const Operand& o) const {
  return o.constant ? o.const_shape : backend::BindingShape(c.bindings[o.tensor]);
}

Shape Kernel::OutShape(const RunContext& c) const {
  return backend::BindingShape(c.bindings[output_]);
}

namespace {

uint32_t BoundWord(const RunContext& c, int32_t tensor) {
  const uint64_t base = c.bases ? c.bases[tensor] : 0;
  return static_cast<uint32_t>((c.bindings[tensor].offset - base) / 4);
}

}  // namespace

uint32_t Kernel::WordOf(const RunContext& c, const Operand& o) const {
  if (!o.present()) return 0;
  return o.constant ? o.const_word : BoundWord(c, o.tensor);
}

uint32_t Kernel::OutWord(const RunContext& c) const { return BoundWord(c, output_); }

fp8_status_code_t Kernel::Fail(const RunContext& c, fp8_status_code_t code,
                               const std::string& what) const {
  return backend::Fail(c.err, code, "%s: %s", label_.c_str(), what.c_str());
}

const char* DeclineReason(const backend::GraphAccess& g, size_t node) {
  backend::DeviceLimits limits;
  limits.max_rank = kMaxShaderRank;
  limits.max_elements = kMaxWords / 2 - 1;  // word indices (int64: two words) in uint32
  limits.max_broadcast_batch_dims = 3;      // gemm.comp's batch strides
  limits.word_sized_layout = true;          // copy.comp moves whole words
  return backend::DeviceDeclineReason(g, node, limits);
}

std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                                   int* status_words, const DeviceTraits& traits) {
  switch (g.Op(node)) {
    case OpType::kLINEAR:
      return MakeLinearKernel(g, node, pool, traits);
    case OpType::kBATCH_MATMUL:
      return MakeBatchMatMulKernel(g, node, pool, traits);
    case OpType::kADD:
    case OpType::kMUL:
      return std::make_unique<BinaryKernel>(g, node, pool, traits);
    case OpType::kGELU:
    case OpType::kTANH:
      return std::make_unique<UnaryKernel>(g, node, pool);
    case OpType::kLAYER_NORM:
      return std::make_unique<LayerNormKernel>(g, node, pool, traits);
    case OpType::kSOFTMAX:
      return std::make_unique<SoftmaxKernel>(g, node, pool, traits);
    case OpType::kGATHER:
      return std::make_unique<GatherKernel>(g, node, pool, status_words);
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE:
      return std::make_unique<QuantizeKernel>(g, node, pool);
    default:
      return std::make_unique<CopyKernel>(g, node, pool, traits);
  }
}

}  // namespace vulkan
}  // namespace fp8sdk
