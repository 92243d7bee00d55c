// Data-movement operators (GATHER, TRANSPOSE / SPLIT_HEADS / MERGE_HEADS,
// SLICE) on host memory, shared by the CPU backends. Each takes the
// backend's parallel-for: a callable pf(n, grain, fn) that runs fn(begin,
// end) over [0, n) on the backend's threads.
#ifndef FP8SDK_BACKENDS_COMMON_LAYOUT_OPS_H_
#define FP8SDK_BACKENDS_COMMON_LAYOUT_OPS_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "backends/common/graph_access.h"
#include "sdk/runtime/graph.h"

namespace fp8sdk {
namespace backend {

inline int64_t IndexAt(const void* idx, bool i64, int64_t j) {
  return i64 ? static_cast<const int64_t*>(idx)[j]
             : static_cast<int64_t>(static_cast<const int32_t*>(idx)[j]);
}

// The position of the first index outside [0, dim) (its value in *value),
// or -1 if all are valid. GATHER checks before writing anything.
inline int64_t FirstBadIndex(const void* idx, bool i64, int64_t count, int64_t dim,
                             int64_t* value) {
  for (int64_t j = 0; j < count; ++j) {
    const int64_t v = IndexAt(idx, i64, j);
    if (v < 0 || v >= dim) {
      *value = v;
      return j;
    }
  }
  return -1;
}

// out[o, j, :] = data[o, idx[j], :] with rows of `row_bytes`; indices valid.
template <typename ParallelFor>
void GatherRows(const uint8_t* data, const void* idx, bool i64, int64_t outer, int64_t count,
                int64_t dim, size_t row_bytes, uint8_t* out, ParallelFor&& pf) {
  pf(outer * count, 256, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / count, j = r % count;
      std::memcpy(out + static_cast<size_t>(r) * row_bytes,
                  data + static_cast<size_t>(o * dim + IndexAt(idx, i64, j)) * row_bytes,
                  row_bytes);
    }
  });
}

// TRANSPOSE with `perm`; SPLIT_HEADS ([B, S, H*D] seen as [B, S, H, D] ->
// [B, H, S, D]) and MERGE_HEADS ([B, H, S, D] -> [B, S, H, D]) as the
// permutation {0, 2, 1, 3}.
template <typename ParallelFor>
void Permute(OpType op, Shape in_shape, std::array<int64_t, kMaxRank> perm, int64_t heads,
             const uint8_t* src, uint8_t* dst, size_t elem, ParallelFor&& pf) {
  if (op == OpType::kSPLIT_HEADS) {
    in_shape = Shape::Of({in_shape[0], in_shape[1], heads, in_shape[2] / heads});
    perm = {0, 2, 1, 3};
  } else if (op == OpType::kMERGE_HEADS) {
    perm = {0, 2, 1, 3};
  }
  const int r = in_shape.rank;
  if (in_shape.NumElements() == 0) return;
  std::array<int64_t, kMaxRank> in_strides{}, out_dims{};
  int64_t stride = 1;
  for (int i = r - 1; i >= 0; --i) {
    in_strides[static_cast<size_t>(i)] = stride;
    stride *= in_shape[i];
  }
  for (int i = 0; i < r; ++i) {
    out_dims[static_cast<size_t>(i)] = in_shape[static_cast<int>(perm[static_cast<size_t>(i)])];
  }
  // Rows of the output's last dimension; contiguous in the input when the
  // last axis stays last.
  const int64_t inner = out_dims[static_cast<size_t>(r - 1)];
  const int64_t inner_stride = in_strides[static_cast<size_t>(perm[static_cast<size_t>(r - 1)])];
  const int64_t rows = in_shape.NumElements() / std::max<int64_t>(1, inner);
  pf(rows, 64, [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      int64_t rem = row, off = 0;
      for (int d = r - 2; d >= 0; --d) {
        const int64_t i = rem % out_dims[static_cast<size_t>(d)];
        rem /= out_dims[static_cast<size_t>(d)];
        off += i * in_strides[static_cast<size_t>(perm[static_cast<size_t>(d)])];
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
  });
}

// SLICE: elements [start, start + out[axis]) of `axis`.
inline void Slice(const Shape& xs, const Shape& os, int axis, int64_t start, const uint8_t* src,
                  uint8_t* dst, size_t elem) {
  if (axis < 0) axis += xs.rank;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= xs[i];
  for (int i = axis + 1; i < xs.rank; ++i) inner *= xs[i];
  const size_t chunk = static_cast<size_t>(os[axis] * inner) * elem;
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(dst + static_cast<size_t>(o) * chunk,
                src + static_cast<size_t>((o * xs[axis] + start) * inner) * elem, chunk);
  }
}

// Kernel classes over the functions above, for a backend whose kernel base
// `Base` derives from HostNode, has `virtual fp8_status_code_t Run(const
// Ctx&)` and a (GraphAccess, node) constructor; `Par::For(ctx)` returns the
// backend's parallel-for.
template <class Base, class Ctx, class Par>
class ReshapeKernel : public Base {  // same bytes, new shape
 public:
  ReshapeKernel(const GraphAccess& g, size_t node)
      : Base(g, node), elem_(DTypeSize(g.TensorDType(g.Output(node)))) {}
  fp8_status_code_t Run(const Ctx& c) override {
    const void* src = this->in(0).Data(c);
    void* dst = this->OutData(c);
    const size_t bytes = static_cast<size_t>(this->OutShape(c).NumElements()) * elem_;
    if (src != dst) std::memmove(dst, src, bytes);
    return FP8_STATUS_OK;
  }

 private:
  size_t elem_;
};

template <class Base, class Ctx, class Par>
class PermuteKernel : public Base {  // TRANSPOSE, SPLIT_HEADS, MERGE_HEADS
 public:
  PermuteKernel(const GraphAccess& g, size_t node)
      : Base(g, node), op_(g.Op(node)), elem_(DTypeSize(g.TensorDType(g.Output(node)))) {
    if (op_ == OpType::kTRANSPOSE) {
      const std::vector<int64_t> p = g.AttrInts(node, FP8_ATTR_PERM);
      std::copy(p.begin(), p.begin() + std::min<size_t>(p.size(), kMaxRank), perm_.begin());
    }
    heads_ = g.AttrInt(node, FP8_ATTR_NUM_HEADS);
  }
  fp8_status_code_t Run(const Ctx& c) override {
    Permute(op_, this->in(0).GetShape(c), perm_, heads_,
            static_cast<const uint8_t*>(this->in(0).Data(c)),
            static_cast<uint8_t*>(this->OutData(c)), elem_, Par::For(c));
    return FP8_STATUS_OK;
  }

 private:
  OpType op_;
  size_t elem_;
  std::array<int64_t, kMaxRank> perm_{};
  int64_t heads_ = 1;
};

template <class Base, class Ctx, class Par>
class SliceKernel : public Base {
 public:
  SliceKernel(const GraphAccess& g, size_t node)
      : Base(g, node),
        axis_(static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS))),
        start_(g.AttrInt(node, FP8_ATTR_SLICE_START)),
        elem_(DTypeSize(g.TensorDType(g.Output(node)))) {}
  fp8_status_code_t Run(const Ctx& c) override {
    Slice(this->in(0).GetShape(c), this->OutShape(c), axis_, start_,
          static_cast<const uint8_t*>(this->in(0).Data(c)), static_cast<uint8_t*>(this->OutData(c)),
          elem_);
    return FP8_STATUS_OK;
  }

 private:
  int axis_;
  int64_t start_;
  size_t elem_;
};

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_LAYOUT_OPS_H_
