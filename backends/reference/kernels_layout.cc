// GATHER (with index checks), RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS,
// SLICE: data movement only, any element size.
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "backends/common/layout_ops.h"
#include "backends/reference/kernel.h"

namespace fp8sdk {
namespace reference {
namespace {

// The backend's parallel-for for the shared layout operators.
auto Parallel(const ExecContext& c) {
  return [&c](int64_t n, int64_t grain, auto&& fn) { c.pool->ParallelFor(n, grain, fn); };
}

class GatherKernel : public Kernel {
 public:
  GatherKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node),
        axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))),
        elem_(DTypeSize(g.TensorDType(g.Output(node)))) {
    // Quantized or half-precision tables are decoded (with their scales)
    // once; lookups then copy float rows.
    if (in(0).constant && IsFloatLike(in(0).dtype) && in(0).dtype != DType::kF32) {
      table_ = DecodeConstant(g, g.Input(node, 0), /*apply_scales=*/true);
    }
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const Shape ds = in(0).GetShape(c), is = in(1).GetShape(c);
    const uint8_t* data = table_.empty() ? static_cast<const uint8_t*>(in(0).Data(c))
                                         : reinterpret_cast<const uint8_t*>(table_.data());
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
    backend::GatherRows(data, idx, i64, outer, count, dim, static_cast<size_t>(inner) * elem_,
                        static_cast<uint8_t*>(OutData(c)), Parallel(c));
    return FP8_STATUS_OK;
  }

 private:
  int axis_;
  size_t elem_;
  std::vector<float> table_;
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

}  // namespace reference
}  // namespace fp8sdk
