// GATHER (with index checks), RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS,
// SLICE: data movement in plain C++ (memcpy of contiguous runs), any element
// size; same definitions as backends/reference/kernels_layout.cc.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "backends/common/layout_ops.h"
#include "backends/onednn/kernel.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace onednn {
namespace {

// The backend's parallel-for (OpenMP) for the shared layout operators.
auto Parallel(const ExecContext& c) {
  return [&c](int64_t n, int64_t grain, auto&& fn) {
    const int64_t chunks = std::max<int64_t>(
        1, std::min<int64_t>(c.threads, (n + grain - 1) / std::max<int64_t>(1, grain)));
#pragma omp parallel for num_threads(static_cast <int>(chunks)) schedule(static)
    for (int64_t ch = 0; ch < chunks; ++ch) fn(n * ch / chunks, n * (ch + 1) / chunks);
  };
}

class GatherKernel : public Kernel {
 public:
  GatherKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node),
        axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))),
        elem_(DTypeSize(g.TensorDType(g.Output(node)))) {
    // Quantized / half-precision embedding tables stay in their small type;
    // only the rows looked up are decoded (claim.cc accepts axis 0 with
    // per-tensor or per-row scales).
    table_dtype_ = in(0).dtype;
    if (table_dtype_ != g.TensorDType(g.Output(node))) {
      const backend::QuantView q = g.Quant(g.Input(node, 0));
      if (q.quantized) {
        format_ = q.format;
        scales_.assign(q.scales, q.scales + q.scale_count);
      } else {
        scales_.assign(1, 1.0f);
      }
    }
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const Shape ds = in(0).GetShape(c), is = in(1).GetShape(c);
    const uint8_t* data = static_cast<const uint8_t*>(in(0).Data(c));
    const void* idx = in(1).Data(c);
    const bool i64 = in(1).dtype == DType::kINT64;
    const int axis = axis_ < 0 ? axis_ + ds.rank : axis_;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= ds[i];
    for (int i = axis + 1; i < ds.rank; ++i) inner *= ds[i];
    const int64_t dim = ds[axis], count = is.NumElements();
    int64_t bad = 0;
    const int64_t pos = backend::FirstBadIndex(idx, i64, count, dim, &bad);
    if (pos >= 0) {
      char what[160];
      std::snprintf(what, sizeof(what), "index %lld at position %lld is outside [0, %lld)",
                    static_cast<long long>(bad), static_cast<long long>(pos),
                    static_cast<long long>(dim));
      return Fail(c, FP8_STATUS_OUT_OF_RANGE, what);
    }
    if (!scales_.empty()) {  // decoded lookup: axis 0, rows of `inner` values
      float* out = static_cast<float*>(OutData(c));
      const size_t src_elem = DTypeSize(table_dtype_);
      Parallel(c)(count, 64, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) {
          const int64_t v = backend::IndexAt(idx, i64, j);
          const float scale = scales_[scales_.size() == 1 ? 0 : static_cast<size_t>(v)];
          DecodeRow(data + static_cast<size_t>(v * inner) * src_elem, inner, scale,
                    out + j * inner);
        }
      });
      return FP8_STATUS_OK;
    }
    backend::GatherRows(data, idx, i64, outer, count, dim, static_cast<size_t>(inner) * elem_,
                        static_cast<uint8_t*>(OutData(c)), Parallel(c));
    return FP8_STATUS_OK;
  }

 private:
  // dst[i] = decode(src[i]) * scale, as the reference's DequantizeFp8PerChannel
  // (and exact conversions for f16 / bf16 tables).
  void DecodeRow(const uint8_t* src, int64_t n, float scale, float* dst) const {
    const size_t count = static_cast<size_t>(n);
    switch (table_dtype_) {
      case DType::kINT8:
        DequantizeInt8(reinterpret_cast<const int8_t*>(src), dst, count, scale);
        return;
      case DType::kF16:
      case DType::kBF16:
        for (size_t i = 0; i < count; ++i) {
          uint16_t h;
          std::memcpy(&h, src + 2 * i, 2);
          dst[i] = table_dtype_ == DType::kF16 ? F16ToFloat(h) : Bf16ToFloat(h);
        }
        return;
      default:
        DequantizeFp8(src, dst, count, scale, format_);
        return;
    }
  }

  int axis_;
  size_t elem_;
  DType table_dtype_ = DType::kF32;
  Fp8Format format_ = kE4M3;
  std::vector<float> scales_;  // non-empty: the table is decoded row by row
};

struct Par {
  static auto For(const ExecContext& c) { return Parallel(c); }
};

}  // namespace

std::unique_ptr<Kernel> MakeLayoutKernel(const backend::GraphAccess& g, size_t node) {
  switch (g.Op(node)) {
    case OpType::kGATHER:
      return std::make_unique<GatherKernel>(g, node);
    case OpType::kRESHAPE:
      return std::make_unique<backend::ReshapeKernel<Kernel, ExecContext, Par>>(g, node);
    case OpType::kSLICE:
      return std::make_unique<backend::SliceKernel<Kernel, ExecContext, Par>>(g, node);
    default:
      return std::make_unique<backend::PermuteKernel<Kernel, ExecContext, Par>>(g, node);
  }
}

}  // namespace onednn
}  // namespace fp8sdk
