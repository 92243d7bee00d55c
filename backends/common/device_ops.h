// Host-side pieces shared by the backends whose kernels run on a device
// (Vulkan, CUDA): decoding tables of 8-bit types, half-precision constants
// decoded to f32, broadcast strides, and the index map of the data-movement
// operators.
#ifndef FP8SDK_BACKENDS_COMMON_DEVICE_OPS_H_
#define FP8SDK_BACKENDS_COMMON_DEVICE_OPS_H_

#include <cstdint>
#include <vector>

#include "backends/common/graph_access.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace backend {

// The value of each of the 256 codes: FP8 (unscaled) or INT8.
inline std::vector<float> CodeTable(DType dt, const Fp8Format& f) {
  std::vector<float> t(256);
  for (int c = 0; c < 256; ++c) {
    t[static_cast<size_t>(c)] = dt == DType::kINT8 ? static_cast<float>(static_cast<int8_t>(c))
                                                   : Fp8ToFloat(static_cast<uint8_t>(c), f);
  }
  return t;
}

// F16 or BF16 values as f32 (exact).
inline std::vector<float> DecodeHalf(const void* src, DType dt, size_t n) {
  std::vector<float> v(n);
  const uint16_t* s = static_cast<const uint16_t*>(src);
  for (size_t i = 0; i < n; ++i) v[i] = dt == DType::kF16 ? F16ToFloat(s[i]) : Bf16ToFloat(s[i]);
  return v;
}

// Input i of `node` is absent, f32, or a half-precision constant (which a
// device backend decodes to f32 at prepare).
inline bool F32Operand(const GraphAccess& g, size_t node, size_t i) {
  const int32_t t = g.Input(node, i);
  if (t < 0 || g.TensorDType(t) == DType::kF32) return true;
  return (g.TensorDType(t) == DType::kF16 || g.TensorDType(t) == DType::kBF16) &&
         g.ConstData(t) != nullptr;
}

// strides[d]: the step in `in` (right-aligned against `out`) for a step of
// output dimension d; 0 where `in` is broadcast.
inline void BroadcastStrides(const Shape& in, const Shape& out, int64_t* strides) {
  int64_t stride = 1;
  for (int d = out.rank - 1; d >= 0; --d) {
    const int di = d - (out.rank - in.rank);
    if (di < 0) {
      strides[d] = 0;
      continue;
    }
    strides[d] = in[di] == 1 && out[d] != 1 ? 0 : stride;
    stride *= in[di];
  }
}

// RESHAPE, TRANSPOSE, SPLIT_HEADS, MERGE_HEADS, SLICE as one index map:
// output element i (dimensions dims[0..rank)) reads input element
// base + sum_d coord_d(i) * strides[d].
struct CopyPlan {
  int rank = 1;
  int64_t dims[kMaxRank] = {1, 1, 1, 1, 1, 1, 1, 1};
  int64_t strides[kMaxRank] = {};
  int64_t base = 0;
};

inline CopyPlan PlanCopy(OpType op, Shape in, const Shape& out, const std::vector<int64_t>& perm_attr,
                         int64_t heads, int axis, int64_t start) {
  CopyPlan p;
  if (op == OpType::kRESHAPE) {
    p.dims[0] = out.NumElements();
    p.strides[0] = 1;
    return p;
  }
  std::vector<int64_t> perm = perm_attr;
  if (op == OpType::kSPLIT_HEADS) {  // [B, S, H*D] seen as [B, S, H, D] -> [B, H, S, D]
    in = Shape::Of({in[0], in[1], heads, heads > 0 ? in[2] / heads : 0});
    perm = {0, 2, 1, 3};
  } else if (op == OpType::kMERGE_HEADS) {  // [B, H, S, D] -> [B, S, H, D]
    perm = {0, 2, 1, 3};
  }
  int64_t in_strides[kMaxRank] = {};
  int64_t stride = 1;
  for (int i = in.rank - 1; i >= 0; --i) {
    in_strides[i] = stride;
    stride *= in[i];
  }
  p.rank = in.rank;
  for (int i = 0; i < in.rank; ++i) {
    if (op == OpType::kSLICE) {
      p.dims[i] = out[i];
      p.strides[i] = in_strides[i];
    } else {
      const int from = static_cast<int>(perm[static_cast<size_t>(i)]);
      p.dims[i] = in[from];
      p.strides[i] = in_strides[from];
    }
  }
  if (op == OpType::kSLICE) p.base = start * in_strides[axis < 0 ? axis + in.rank : axis];
  return p;
}

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_DEVICE_OPS_H_
