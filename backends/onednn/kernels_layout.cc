// GATHER (with index checks), RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS,
// SLICE: data movement in plain C++ (memcpy of contiguous runs), any element
// size; same definitions as backends/reference/kernels_layout.cc.
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "backends/onednn/kernel.h"

namespace fp8sdk {
namespace onednn {
namespace {

class GatherKernel : public Kernel {
 public:
  GatherKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node),
        axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))),
        elem_(DTypeSize(g.TensorDType(g.Output(node)))) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const Shape ds = in(0).GetShape(c), is = in(1).GetShape(c);
    const uint8_t* data = static_cast<const uint8_t*>(in(0).Data(c));
    const void* idx = in(1).Data(c);
    const bool i64 = in(1).dtype == DType::kINT64;
    uint8_t* out = static_cast<uint8_t*>(OutData(c));
    const int axis = axis_ < 0 ? axis_ + ds.rank : axis_;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= ds[i];
    for (int i = axis + 1; i < ds.rank; ++i) inner *= ds[i];
    const int64_t dim = ds[axis], count = is.NumElements();
    auto index = [&](int64_t j) {
      return i64 ? static_cast<const int64_t*>(idx)[j]
                 : static_cast<int64_t>(static_cast<const int32_t*>(idx)[j]);
    };
    for (int64_t j = 0; j < count; ++j) {  // check all before writing anything
      const int64_t v = index(j);
      if (v < 0 || v >= dim) {
        char what[160];
        std::snprintf(what, sizeof(what), "index %lld at position %lld is outside [0, %lld)",
                      static_cast<long long>(v), static_cast<long long>(j),
                      static_cast<long long>(dim));
        return Fail(c, FP8_STATUS_OUT_OF_RANGE, what);
      }
    }
    const size_t row = static_cast<size_t>(inner) * elem_;
#pragma omp parallel for num_threads(c.threads) schedule(static)
    for (int64_t r = 0; r < outer * count; ++r) {
      const int64_t o = r / count, j = r % count;
      std::memcpy(out + static_cast<size_t>(r) * row,
                  data + static_cast<size_t>(o * dim + index(j)) * row, row);
    }
    return FP8_STATUS_OK;
  }

 private:
  int axis_;
  size_t elem_;
};

class CopyKernel : public Kernel {  // RESHAPE: same bytes, new shape
 public:
  CopyKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node), elem_(DTypeSize(g.TensorDType(g.Output(node)))) {}
  fp8_status_code_t Run(const ExecContext& c) override {
    const void* src = in(0).Data(c);
    void* dst = OutData(c);
    if (src != dst) std::memmove(dst, src, static_cast<size_t>(OutShape(c).NumElements()) * elem_);
    return FP8_STATUS_OK;
  }

 private:
  size_t elem_;
};

// TRANSPOSE, SPLIT_HEADS and MERGE_HEADS are permutations of a (possibly
// reshaped) input.
class PermuteKernel : public Kernel {
 public:
  PermuteKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node), op_(g.Op(node)), elem_(DTypeSize(g.TensorDType(g.Output(node)))) {
    if (op_ == OpType::kTRANSPOSE) {
      const std::vector<int64_t> p = g.AttrInts(node, FP8_ATTR_PERM);
      std::copy(p.begin(), p.begin() + std::min<size_t>(p.size(), kMaxRank), perm_.begin());
    }
    heads_ = g.AttrInt(node, FP8_ATTR_NUM_HEADS);
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    Shape in_shape = in(0).GetShape(c);
    std::array<int64_t, kMaxRank> perm = perm_;
    if (op_ == OpType::kSPLIT_HEADS) {  // [B, S, H*D] as [B, S, H, D] -> [B, H, S, D]
      in_shape = Shape::Of({in_shape[0], in_shape[1], heads_, in_shape[2] / heads_});
      perm = {0, 2, 1, 3};
    } else if (op_ == OpType::kMERGE_HEADS) {  // [B, H, S, D] -> [B, S, H, D]
      perm = {0, 2, 1, 3};
    }
    const int r = in_shape.rank;
    if (in_shape.NumElements() == 0) return FP8_STATUS_OK;
    std::array<int64_t, kMaxRank> in_strides{}, out_dims{};
    int64_t stride = 1;
    for (int i = r - 1; i >= 0; --i) {
      in_strides[static_cast<size_t>(i)] = stride;
      stride *= in_shape[i];
    }
    for (int i = 0; i < r; ++i) {
      out_dims[static_cast<size_t>(i)] = in_shape[static_cast<int>(perm[static_cast<size_t>(i)])];
    }
    const uint8_t* src = static_cast<const uint8_t*>(in(0).Data(c));
    uint8_t* dst = static_cast<uint8_t*>(OutData(c));
    const int64_t inner = out_dims[static_cast<size_t>(r - 1)];
    const int64_t inner_stride = in_strides[static_cast<size_t>(perm[static_cast<size_t>(r - 1)])];
    const int64_t rows = in_shape.NumElements() / std::max<int64_t>(1, inner);
    const size_t elem = elem_;
#pragma omp parallel for num_threads(c.threads) schedule(static)
    for (int64_t row = 0; row < rows; ++row) {
      int64_t rem = row, off = 0;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t idx = rem % out_dims[static_cast<size_t>(d)];
        rem /= out_dims[static_cast<size_t>(d)];
        off += idx * in_strides[static_cast<size_t>(perm[static_cast<size_t>(d)])];
      }
      uint8_t* o = dst + static_cast<size_t>(row * inner) * elem;
      if (inner_stride == 1) {
        std::memcpy(o, src + static_cast<size_t>(off) * elem, static_cast<size_t>(inner) * elem);
      } else {
        for (int64_t i = 0; i < inner; ++i) {
          std::memcpy(o + static_cast<size_t>(i) * elem,
                      src + static_cast<size_t>(off + i * inner_stride) * elem, elem);
        }
      }
    }
    return FP8_STATUS_OK;
  }

 private:
  OpType op_;
  size_t elem_;
  std::array<int64_t, kMaxRank> perm_{};
  int64_t heads_ = 1;
};

class SliceKernel : public Kernel {
 public:
  SliceKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node),
        axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))),
        start_(g.AttrInt(node, FP8_ATTR_SLICE_START)),
        elem_(DTypeSize(g.TensorDType(g.Output(node)))) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const Shape xs = in(0).GetShape(c), os = OutShape(c);
    const int axis = axis_ < 0 ? axis_ + xs.rank : axis_;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= xs[i];
    for (int i = axis + 1; i < xs.rank; ++i) inner *= xs[i];
    const uint8_t* src = static_cast<const uint8_t*>(in(0).Data(c));
    uint8_t* dst = static_cast<uint8_t*>(OutData(c));
    const size_t chunk = static_cast<size_t>(os[axis] * inner) * elem_;
    for (int64_t o = 0; o < outer; ++o) {
      std::memcpy(dst + static_cast<size_t>(o) * chunk,
                  src + static_cast<size_t>((o * xs[axis] + start_) * inner) * elem_, chunk);
    }
    return FP8_STATUS_OK;
  }

 private:
  int axis_;
  int64_t start_;
  size_t elem_;
};

}  // namespace

std::unique_ptr<Kernel> MakeLayoutKernel(const backend::GraphAccess& g, size_t node) {
  switch (g.Op(node)) {
    case OpType::kGATHER:
      return std::make_unique<GatherKernel>(g, node);
    case OpType::kRESHAPE:
      return std::make_unique<CopyKernel>(g, node);
    case OpType::kSLICE:
      return std::make_unique<SliceKernel>(g, node);
    default:
      return std::make_unique<PermuteKernel>(g, node);
  }
}

}  // namespace onednn
}  // namespace fp8sdk
