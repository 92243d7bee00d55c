// The Vulkan backend's GEMM operators: LINEAR and BATCH_MATMUL, and the
// pack_rows.comp dispatch that prepares their operands.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "backends/common/device_ops.h"
#include "backends/vulkan/vk_kernel_common.h"

namespace fp8sdk {
namespace vulkan {
namespace {

// A [n, k] weight (8-bit codes or f32) regrouped k-major for the shaders:
// group (kg, col) holds column col's values for k = kg * group .. + group - 1,
// at ((kg * n_padded) + col) * group (group 1: the transpose [k, n]); k
// padded to k_padded and columns to n_padded with zeros (code 0 is +0).
template <class T>
std::vector<T> KMajorGroups(const T* w, int64_t n, int64_t k, int64_t group, int64_t k_padded,
                            int64_t n_padded) {
  std::vector<T> out(static_cast<size_t>(k_padded * n_padded), T{0});
  for (int64_t col = 0; col < n; ++col) {
    for (int64_t i = 0; i < k; ++i) {
      out[static_cast<size_t>(((i / group) * n_padded + col) * group + i % group)] = w[col * k + i];
    }
  }
  return out;
}

// A pack_rows.comp dispatch into binding 3 from word out_off: `rows` rows of
// `k` values (padded with zeros to kp) per batch, row r of batch b from
// operand `input` at x_word + b * batch_stride + r * row_stride + i *
// k_stride, through `q` (quantized or copied).
struct PackedRows {
  int input = 0;  // 0: the first operand, 1: the second
  int64_t batches = 1, rows = 0, k = 0, kp = 0;
  uint32_t x_word = 0, out_off = 0;
  int64_t row_stride = 0, k_stride = 1, batch_stride = 0;
  // The rows as halves (pack_rows16; binding 3 from half 2 * out_off), for
  // gemm_large16.comp: a quantizing `q` of operand 0 only.
  bool half = false;
};

// True when each of `table`'s values is zero or a normal half-precision
// number, or NaN: the rows pass through half precision unchanged on every
// device (one that flushes half subnormals in conversions too). E4M3 and
// INT8 values are; E5M2's subnormals (below 2^-14) are not.
bool NormalInHalf(const std::vector<float>& table) {
  for (float v : table) {
    if (v != 0.0f && std::fabs(v) < 0x1p-14f) return false;
  }
  return backend::ExactInHalf(table);
}

void PlanPackRows(const RunContext& c, const QuantOperand& q, const PackedRows& r, Dispatch* d) {
  // Four values an invocation where rows are contiguous and every row's
  // start, length and padded length are whole uvec4s.
  const bool vec = r.k_stride == 1 && r.k % 4 == 0 && r.kp % 4 == 0 && r.x_word % 4 == 0 &&
                   r.row_stride % 4 == 0 && r.batch_stride % 4 == 0 && r.out_off % 4 == 0;
  if (r.half) {  // the host asks only for operand 0 quantized (mode 1 or 2)
    d->shader = static_cast<Shader>((vec ? kPackRowsVec16Fp8 : kPackRows16Fp8) +
                                    static_cast<int>(q.mode) - 1);
  } else {
    d->shader = static_cast<Shader>((vec ? kPackRowsVec : kPackRows) + 3 * r.input +
                                    static_cast<int>(q.mode));
  }
  PushWriter(d)
      .U(r.rows)
      .U(r.k)
      .U(r.kp)
      .U(r.x_word)
      .F(q.mul)
      .U(q.grid)
      .U(r.out_off)
      .U(r.row_stride)
      .U(r.k_stride)
      .U(r.batch_stride)
      .U(r.batches);
  if (r.rows <= 0 || r.batches <= 0 || r.kp <= 0) return;  // nothing to run
  // k along x, rows along y, batches along z: at most max_groups in all.
  const int64_t lanes = vec ? r.kp / 4 : r.kp;  // invocations along k
  const uint32_t gx =
      static_cast<uint32_t>(std::min<int64_t>((lanes + 63) / 64, std::max(1u, c.max_groups)));
  const uint32_t gz = static_cast<uint32_t>(std::min<int64_t>(
      r.batches, std::min<uint32_t>(65535, std::max<uint32_t>(1, c.max_groups / gx))));
  const uint32_t gy = static_cast<uint32_t>(std::min<int64_t>(
      r.rows, std::min<uint32_t>(65535, std::max<uint32_t>(1, c.max_groups / (gx * gz)))));
  d->groups[0] = gx;
  d->groups[1] = gy;
  d->groups[2] = gz;
}

// ---- LINEAR ----
// On CPU-type devices with E4M3 / E5M2 / INT8 weights: pack_rows.comp +
// gemm_direct.comp (weights in 16-code groups per column, k-major). Else the
// weights k-major (codes four to a word, word (kq, n) = column n's k =
// 4kq..4kq+3; or f32 [K, N]), read by the 64 x 64 GEMM (gemm.comp) and, from
// traits.large_gemm_min_rows rows on, by pack_rows.comp + gemm_coop.comp on
// devices with cooperative matrices when both operands are FP8 or INT8 (exact
// in half precision), else + gemm_large.comp where the output has
// traits.large_gemm_min_tiles 128 x 128 tiles.
class LinearKernel : public Kernel {
 public:
  LinearKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
               const DeviceTraits& traits)
      : Kernel(g, node, pool),
        large_min_rows_(traits.large_gemm_min_rows),
        large_min_tiles_(traits.large_gemm_min_tiles) {
    const int32_t w = g.Input(node, 1);
    const Shape ws = g.PlanShape(w);
    n_ = ws[0];
    k_ = ws[1];
    const DType wt = g.TensorDType(w);
    const backend::QuantView wq = g.Quant(w);
    const void* src = g.ConstData(w);
    const int64_t max_m = g.PlanShape(g.Input(node, 0)).NumElements() / std::max<int64_t>(1, k_);
    direct_ = traits.cpu && traits.texels &&
              (wt == DType::kFP8_E4M3 || wt == DType::kFP8_E5M2 || wt == DType::kINT8 ||
               !IsQuantized(wt));
    // E4M3 decodes to value * 2^-8 in gemm_direct (a half's exponent bias).
    float decode_scale = 1.0f;
    if (direct_) {
      // 16-code groups: uvec4 (kq, n) = column n's codes at k = 16kq + 0..15;
      // f32 in groups of 4: uvec4 (4kq + q, n) = its values at k = 16kq + 4q + 0..3.
      const int64_t k16 = (k_ + 15) / 16 * 16;
      if (IsQuantized(wt)) {
        const std::vector<uint8_t> grouped =
            KMajorGroups(static_cast<const uint8_t*>(src), n_, k_, 16, k16, n_);
        ops_[1].const_word = pool->Add(grouped.data(), grouped.size());
        format_ = wt == DType::kFP8_E4M3 ? 0 : wt == DType::kFP8_E5M2 ? 1 : 2;
      } else {
        ops_[1].const_word = AddFloatWeight(src, wt, 4, k16, n_, pool);
        format_ = 3;
      }
      if (wt == DType::kFP8_E4M3) decode_scale = 256.0f;
      kp_ = k16;
      scratch_words_ = PackedWords(max_m);
    } else {
      // K padded to gemm_coop's step of 32 (gemm_large's is 8), N to 4 (their
      // 16-byte loads); the pads are code 0 or 0.0f, which add +0.
      kp_ = (k_ + 31) / 32 * 32;
      np_ = (n_ + 3) / 4 * 4;
      ldb_ = static_cast<uint32_t>(np_);
      if (IsQuantized(wt)) {
        const std::vector<uint8_t> kmajor =
            KMajorGroups(static_cast<const uint8_t*>(src), n_, k_, 4, kp_, np_);
        ops_[1].const_word = pool->Add(kmajor.data(), kmajor.size());
        b_kind_ = 2;
        lut_b_ = pool->AddFloats(backend::CodeTable(wt, wq.format));
      } else {
        ops_[1].const_word = AddFloatWeight(src, wt, 1, kp_, np_, pool);
        b_kind_ = 0;
      }
    }
    a_ = AddActQuant(g.ActQuant(node, 0), pool);
    // Cooperative matrices multiply in half precision: only where both
    // operands' values are all exact there (E4M3, E5M2, INT8; not every
    // custom FP8 format).
    coop_ = traits.coop_matrix && !direct_ && b_kind_ == 2 && a_.mode != 0 &&
            backend::ExactInHalf(backend::CodeTable(wt, wq.format));
    const backend::ActQuantView aq = g.ActQuant(node, 0);
    if (coop_ && a_.mode == 1)
      coop_ = backend::ExactInHalf(backend::CodeTable(aq.dtype, aq.format));
    // gemm_large.comp's packed rows as halves with 16-bit storage (half the
    // scratch and of the GEMM's loads of A), where that changes no value
    // (gemm_coop.comp reads f32 rows).
    half_rows_ =
        traits.storage16 && !direct_ && !coop_ && a_.mode != 0 &&
        NormalInHalf(backend::CodeTable(a_.mode == 2 ? DType::kINT8 : aq.dtype, aq.format));
    // The large GEMMs' packed input rows (pack_rows.comp).
    if (!direct_ && !traits.cpu && max_m >= traits.large_gemm_min_rows) {
      scratch_words_ = PackedWords(max_m);
    }
    // y = acc * (s_x * s_w[n]) + bias[n] (the reference's products); a power
    // of two folded into the scale changes no bits.
    if (wq.quantized && IsQuantized(wt)) {
      std::vector<float> s(static_cast<size_t>(n_));
      for (int64_t i = 0; i < n_; ++i) {
        s[static_cast<size_t>(i)] =
            (a_.scale * wq.scales[wq.scale_count == 1 ? 0 : i]) * decode_scale;
      }
      scale_off_ = pool->AddFloats(s);
    } else {
      scale_ = a_.scale * decode_scale;
    }
    if (ops_[2].present()) bias_off_ = ops_[2].const_word;
  }

  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const int64_t m = ShapeOf(c, ops_[0]).NumElements() / std::max<int64_t>(1, k_);
    const int64_t tiles = (m + 127) / 128 * ((n_ + 127) / 128);
    // (and the packed rows' word indices within uint32)
    const bool large = !direct_ && scratch_words_ > 0 && m >= large_min_rows_ &&
                       (coop_ || tiles >= large_min_tiles_) && m * kp_ < (int64_t{1} << 31);
    if (direct_ || large) {
      if (PackedWords(m) > scratch_words_) {
        return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
      }
      PackedRows r;
      r.rows = m;
      r.k = k_;
      r.kp = kp_;
      r.x_word = WordOf(c, ops_[0]);
      r.row_stride = k_;
      r.half = large && half_rows_;
      PlanPackRows(c, a_, r, &d[0]);
    }
    if (direct_) {
      // gemm_direct reads the constants as texels of the whole buffer (binding
      // 6): offsets from the buffer's start.
      const uint32_t base = static_cast<uint32_t>(const_base_ / 4);
      const auto whole = [&](uint32_t word) { return word == kNone ? kNone : base + word; };
      d[1].shader = static_cast<Shader>(kGemmDirect + format_);
      PushWriter(&d[1])
          .U(m)
          .U(n_)
          .U(kp_ / 16)
          .U(whole(ops_[1].const_word) / 4)
          .U(OutWord(c))
          .U(whole(scale_off_))
          .F(scale_)
          .U(whole(bias_off_));
      if ((n_ + 255) / 256 > 65535)
        return Fail(c, FP8_STATUS_UNSUPPORTED, "more than 2^24 columns");
      d[1].groups[0] = static_cast<uint32_t>((n_ + 255) / 256);  // 64 lanes x 4 columns
      d[1].groups[1] = static_cast<uint32_t>(std::min<int64_t>((m + 7) / 8, 65535));  // loops
      d[1].groups[2] = m > 0 ? 1 : 0;
      return FP8_STATUS_OK;
    }
    if (large) {
      d[1].shader = coop_ ? kGemmCoop : half_rows_ ? kGemmLarge16 : kGemmLarge;
      PushWriter(&d[1])
          .U(m)
          .U(n_)
          .U(kp_)
          .U(np_)
          .U(ops_[1].const_word)
          .U(OutWord(c))
          .U(b_kind_)
          .U(lut_b_)
          .U(scale_off_)
          .F(scale_)
          .U(bias_off_);
      if ((m + 127) / 128 > 65535 || (n_ + 127) / 128 > 65535) {
        return Fail(c, FP8_STATUS_UNSUPPORTED, "more than 65535 tiles of 128 along a dimension");
      }
      d[1].groups[0] = static_cast<uint32_t>((n_ + 127) / 128);
      d[1].groups[1] = static_cast<uint32_t>((m + 127) / 128);
      d[1].groups[2] = m > 0 ? 1 : 0;
      return FP8_STATUS_OK;
    }
    d->shader = kGemm;
    PushWriter(d)
        .U(m)
        .U(n_)
        .U(k_)
        .U(WordOf(c, ops_[0]))
        .U(ops_[1].const_word)
        .U(OutWord(c))
        .U(0)
        .U(1)
        .U(1)
        .U(1)
        .U(0)
        .U(0)
        .U(0)
        .U(0)
        .U(0)
        .U(0)
        .U(ldb_)
        .U(b_kind_)
        .U(a_.mode)
        .U(0)
        .F(a_.mul)
        .F(1.0f)
        .U(a_.lut)
        .U(lut_b_)
        .U(a_.enc)
        .U(0)
        .U(scale_off_)
        .F(scale_)
        .U(bias_off_);
    if ((m + 63) / 64 > 65535 || (n_ + 63) / 64 > 65535) {
      return Fail(c, FP8_STATUS_UNSUPPORTED, "more than 65535 tiles of 64 along a dimension");
    }
    d->groups[0] = static_cast<uint32_t>((n_ + 63) / 64);
    d->groups[1] = static_cast<uint32_t>((m + 63) / 64);
    d->groups[2] = m > 0 ? 1 : 0;
    return FP8_STATUS_OK;
  }

 private:
  // Words of `rows` packed rows (pack_rows.comp): Kp floats each, or Kp
  // halves for gemm_large16 (Kp even there: a multiple of 32).
  uint64_t PackedWords(int64_t rows) const {
    return static_cast<uint64_t>(rows * kp_) / (half_rows_ ? 2 : 1);
  }

  // An F32 / F16 / BF16 weight, in f32, regrouped (KMajorGroups) into the
  // pool; returns its word offset.
  uint32_t AddFloatWeight(const void* src, DType wt, int64_t group, int64_t k_padded,
                          int64_t n_padded, ConstantPool* pool) const {
    std::vector<float> decoded;  // f16 / bf16 weights in f32
    if (wt != DType::kF32) decoded = backend::DecodeHalf(src, wt, static_cast<size_t>(n_ * k_));
    const float* f = wt == DType::kF32 ? static_cast<const float*>(src) : decoded.data();
    return pool->AddFloats(KMajorGroups(f, n_, k_, group, k_padded, n_padded));
  }

  int64_t n_ = 0, k_ = 0;
  int64_t kp_ = 0;  // K as packed: 16-code groups (direct), multiple of 32 (else)
  int64_t np_ = 0;  // N padded to 4 (not direct)
  int64_t large_min_rows_ = 128, large_min_tiles_ = 48;
  bool direct_ = false;
  bool coop_ = false;       // the large GEMM is gemm_coop.comp
  bool half_rows_ = false;  // else gemm_large16.comp, its rows as halves
  uint32_t format_ = 0;
  uint32_t b_kind_ = 1, ldb_ = 0, lut_b_ = 0;
  QuantOperand a_;
  uint32_t scale_off_ = kNone, bias_off_ = kNone;
  float scale_ = 1.0f;
};

// ---- BATCH_MATMUL ----
// On CPU-type devices, where A and B have the same batches (no broadcast):
// pack_rows.comp (A's rows, B's columns) + bmm_direct.comp. Else the 64 x 64
// GEMM (gemm.comp), which quantizes while it loads.
class BatchMatMulKernel : public Kernel {
 public:
  BatchMatMulKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                    const DeviceTraits& traits)
      : Kernel(g, node, pool), direct_(traits.cpu && traits.texels) {
    transpose_b_ = g.AttrInt(node, FP8_ATTR_TRANSPOSE_B) != 0;
    a_ = AddActQuant(g.ActQuant(node, 0), pool);
    b_ = AddActQuant(g.ActQuant(node, 1), pool);
    scale_ = (g.AttrFloat(node, FP8_ATTR_ALPHA) * a_.scale) * b_.scale;
    if (direct_) {
      // A's rows and B's columns padded to 4 values, as planned at most.
      const Shape sa = g.PlanShape(g.Input(node, 0)), sb = g.PlanShape(g.Input(node, 1));
      const int64_t k = sa.rank > 0 ? sa[sa.rank - 1] : 0;
      if (k > 0) {
        const int64_t k4 = (k + 3) / 4 * 4;
        scratch_words_ = static_cast<uint64_t>((sa.NumElements() / k + sb.NumElements() / k) * k4);
      }
    }
  }

  fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const override {
    const Shape sa = ShapeOf(c, ops_[0]), sb = ShapeOf(c, ops_[1]), so = OutShape(c);
    const int r = so.rank;
    const int64_t M = sa[r - 2], K = sa[r - 1], N = so[r - 1];
    const int64_t batches = M * N > 0 ? so.NumElements() / (M * N) : 0;
    // Batch dimensions with their word strides (0 where broadcast); up to 3,
    // or any number collapsed into one when nothing is broadcast.
    uint32_t dims[3] = {1, 1, 1}, as[3] = {0, 0, 0}, bs[3] = {0, 0, 0};
    int nb = r - 2;
    const bool same = sa.NumElements() == batches * M * K && sb.NumElements() == batches * K * N;
    if (same) {
      nb = 1;
      dims[0] = static_cast<uint32_t>(batches);
      as[0] = static_cast<uint32_t>(M * K);
      bs[0] = static_cast<uint32_t>(K * N);
    } else {
      if (nb > 3 || sa.rank != r || sb.rank != r) {
        return Fail(c, FP8_STATUS_UNSUPPORTED, "broadcast over more than 3 batch dimensions");
      }
      int64_t sa_stride = M * K, sb_stride = K * N;
      for (int i = nb - 1; i >= 0; --i) {
        dims[i] = static_cast<uint32_t>(so[i]);
        as[i] = sa[i] == 1 && so[i] != 1 ? 0 : static_cast<uint32_t>(sa_stride);
        bs[i] = sb[i] == 1 && so[i] != 1 ? 0 : static_cast<uint32_t>(sb_stride);
        sa_stride *= sa[i];
        sb_stride *= sb[i];
      }
    }
    if (direct_ && same && batches <= 65535 && (N + 127) / 128 <= 65535) {
      const int64_t k4 = (K + 3) / 4 * 4;
      if (static_cast<uint64_t>(batches * (M + N) * k4) > scratch_words_) {
        return Fail(c, FP8_STATUS_OUT_OF_RANGE, "inputs larger than planned");
      }
      PackedRows ra;  // A's rows
      ra.batches = batches;
      ra.rows = M;
      ra.k = K;
      ra.kp = k4;
      ra.x_word = WordOf(c, ops_[0]);
      ra.row_stride = K;
      ra.batch_stride = M * K;
      PlanPackRows(c, a_, ra, &d[0]);
      PackedRows rb = ra;  // B's columns
      rb.input = 1;
      rb.rows = N;
      rb.x_word = WordOf(c, ops_[1]);
      rb.out_off = static_cast<uint32_t>(batches * M * k4);
      rb.row_stride = transpose_b_ ? K : 1;
      rb.k_stride = transpose_b_ ? 1 : N;
      rb.batch_stride = K * N;
      PlanPackRows(c, b_, rb, &d[1]);
      d[2].shader = kBmmDirect;
      PushWriter(&d[2]).U(M).U(N).U(k4 / 4).U(rb.out_off / 4).U(OutWord(c)).F(scale_);
      if (M > 0 && N > 0 && batches > 0) {
        d[2].groups[0] = static_cast<uint32_t>((N + 127) / 128);  // 64 lanes x 2 columns
        d[2].groups[1] = static_cast<uint32_t>(std::min<int64_t>((M + 7) / 8, 65535));  // loops
        d[2].groups[2] = static_cast<uint32_t>(batches);
      }
      return FP8_STATUS_OK;
    }
    d->shader = kGemm;
    PushWriter w(d);
    w.U(M).U(N).U(K).U(WordOf(c, ops_[0])).U(WordOf(c, ops_[1])).U(OutWord(c)).U(nb);
    for (uint32_t v : dims) w.U(v);
    for (uint32_t v : as) w.U(v);
    for (uint32_t v : bs) w.U(v);
    w.U(transpose_b_ ? K : N)
        .U(transpose_b_ ? 1 : 0)
        .U(a_.mode)
        .U(b_.mode)
        .F(a_.mul)
        .F(b_.mul)
        .U(a_.lut)
        .U(b_.lut)
        .U(a_.enc)
        .U(b_.enc)
        .U(kNone)
        .F(scale_)
        .U(kNone);
    if ((M + 63) / 64 > 65535 || (N + 63) / 64 > 65535 || batches > 65535) {
      return Fail(c, FP8_STATUS_UNSUPPORTED,
                  "more than 65535 tiles of 64 along a dimension, or batches");
    }
    d->groups[0] = static_cast<uint32_t>((N + 63) / 64);
    d->groups[1] = static_cast<uint32_t>((M + 63) / 64);
    d->groups[2] = static_cast<uint32_t>(batches);
    return FP8_STATUS_OK;
  }

 private:
  bool direct_ = false;
  bool transpose_b_ = false;
  QuantOperand a_, b_;
  float scale_ = 1.0f;
};

}  // namespace

std::unique_ptr<Kernel> MakeLinearKernel(const backend::GraphAccess& g, size_t node,
                                         ConstantPool* pool, const DeviceTraits& traits) {
  return std::make_unique<LinearKernel>(g, node, pool, traits);
}

std::unique_ptr<Kernel> MakeBatchMatMulKernel(const backend::GraphAccess& g, size_t node,
                                              ConstantPool* pool, const DeviceTraits& traits) {
  return std::make_unique<BatchMatMulKernel>(g, node, pool, traits);
}

}  // namespace vulkan
}  // namespace fp8sdk
