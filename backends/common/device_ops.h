// Host-side pieces shared by the backends whose kernels run on a device
// (Vulkan, CUDA): decoding tables of 8-bit types, half-precision constants
// decoded to f32, broadcast strides, and the index map of the data-movement
// operators.
#ifndef FP8SDK_BACKENDS_COMMON_DEVICE_OPS_H_
#define FP8SDK_BACKENDS_COMMON_DEVICE_OPS_H_

#include <cstddef>
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

// True when every value of `table` survives a round trip through IEEE half
// precision (NaNs aside): FP8 E4M3 and E5M2 and INT8 do; FP8 formats with a
// wider exponent range, or finite codes past 65504, do not.
inline bool ExactInHalf(const std::vector<float>& table) {
  for (float v : table) {
    if (v != v) continue;  // NaN
    if (F16ToFloat(FloatToF16(v)) != v) return false;
  }
  return true;
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

inline CopyPlan PlanCopy(OpType op, Shape in, const Shape& out,
                         const std::vector<int64_t>& perm_attr, int64_t heads, int axis,
                         int64_t start) {
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

// The session's device memory limit in a backend config (0: none, or a
// config from before the field was appended).
inline uint64_t DeviceMemoryLimit(const fp8_backend_config_t* config) {
  const size_t end = offsetof(fp8_backend_config_t, device_memory_limit) + sizeof(uint64_t);
  return config && config->struct_size >= end ? config->device_memory_limit : 0;
}

// What a device backend's kernels can take.
struct DeviceLimits {
  int max_rank = 6;          // the kernels' index arrays
  int64_t max_elements = 0;  // per tensor (0: no limit)
  // BATCH_MATMUL: batch dimensions that may be broadcast (-1: only a B shared
  // by every batch, all its batch dimensions 1).
  int max_broadcast_batch_dims = 3;
  bool word_sized_layout = false;  // data movement of 4- and 8-byte elements only
};

// Null if a device backend with these limits runs `node`, else the reason
// (for claim). Every operator's inputs are f32 or constants it converts;
// quantized tables and weights are constants; per-channel table scales lie
// on the gathered axis 0.
inline const char* DeviceDeclineReason(const GraphAccess& g, size_t node, const DeviceLimits& l) {
  const OpType op = g.Op(node);
  const int32_t out = g.Output(node);
  auto too_big = [&](int32_t t) {
    if (t < 0) return false;
    const Shape s = g.PlanShape(t);
    return s.rank > l.max_rank || (l.max_elements > 0 && s.NumElements() > l.max_elements);
  };
  if (too_big(out)) return "a tensor of too high a rank or too many elements for this device";
  for (size_t i = 0; i < g.InputCount(node); ++i) {
    if (too_big(g.Input(node, i)))
      return "a tensor of too high a rank or too many elements for this device";
  }
  auto f32 = [&](size_t i) { return F32Operand(g, node, i); };
  switch (op) {
    case OpType::kLINEAR: {
      const int32_t w = g.Input(node, 1), b = g.Input(node, 2);
      if (!g.ConstData(w) || g.PlanShape(w).rank != 2) return "the weight must be a 2-D constant";
      if (b >= 0 && (!g.ConstData(b) || g.TensorDType(b) != DType::kF32))
        return "the bias must be an f32 constant";
      return f32(0) ? nullptr : "the input must be f32";
    }
    case OpType::kBATCH_MATMUL: {
      if (!f32(0) || !f32(1)) return "operands must be f32";
      const Shape a = g.PlanShape(g.Input(node, 0)), b = g.PlanShape(g.Input(node, 1));
      if (a.rank != b.rank || a.rank < 2) return "operands of different ranks";
      bool broadcast = false, b_shared = true;
      for (int i = 0; i < a.rank - 2; ++i) {
        broadcast |= a[i] != b[i];
        b_shared &= b[i] == 1;
      }
      if (!broadcast) return nullptr;
      if (l.max_broadcast_batch_dims < 0)
        return b_shared ? nullptr : "batch broadcasting other than one shared B";
      return a.rank - 2 > l.max_broadcast_batch_dims ? "broadcast over too many batch dimensions"
                                                     : nullptr;
    }
    case OpType::kADD:
    case OpType::kMUL:
    case OpType::kGELU:
    case OpType::kTANH:
    case OpType::kLAYER_NORM:
      for (size_t i = 0; i < g.InputCount(node); ++i) {
        if (!f32(i)) return "operands must be f32";
      }
      return nullptr;
    case OpType::kSOFTMAX:
      if (!f32(0)) return "operands must be f32";
      if (g.AttrInt(node, FP8_ATTR_MASK_MODE) == FP8_MASK_ADDITIVE && !f32(1))
        return "the additive mask must be f32";
      return nullptr;
    case OpType::kGATHER: {
      const int32_t table = g.Input(node, 0);
      const DType it = g.TensorDType(g.Input(node, 1));
      if (it != DType::kINT64 && it != DType::kINT32) return "indices must be int32 or int64";
      const DType tt = g.TensorDType(table);
      if (IsQuantized(tt)) {
        if (!g.ConstData(table)) return "quantized tables must be constants";
        const QuantView q = g.Quant(table);
        int axis = static_cast<int>(g.AttrInt(node, FP8_ATTR_AXIS));
        if (axis < 0) axis += g.PlanShape(table).rank;
        if (q.quantized && q.scale_count > 1 && (axis != 0 || q.axis != 0))
          return "per-channel table scales must be on the gathered axis 0";
        return nullptr;
      }
      if (tt == DType::kF16 || tt == DType::kBF16) {
        return g.ConstData(table) ? nullptr : "half-precision tables must be constants";
      }
      const size_t bytes = DTypeSize(tt);
      return bytes == 4 || bytes == 8 ? nullptr : "table dtype";
    }
    case OpType::kRESHAPE:
    case OpType::kTRANSPOSE:
    case OpType::kSPLIT_HEADS:
    case OpType::kMERGE_HEADS:
    case OpType::kSLICE: {
      const size_t bytes = DTypeSize(g.TensorDType(out));
      if (l.word_sized_layout && bytes != 4 && bytes != 8)
        return "data movement of 1- or 2-byte elements";
      const int32_t in = g.Input(node, 0);
      if (g.ConstData(in) &&
          (g.TensorDType(in) == DType::kF16 || g.TensorDType(in) == DType::kBF16))
        return "half-precision constants";  // decoded to f32 at prepare: not the output's type
      return nullptr;
    }
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE: {
      const int32_t qt = op == OpType::kQUANTIZE ? out : g.Input(node, 0);
      return IsQuantized(g.TensorDType(qt)) ? nullptr : "not a quantized tensor";
    }
  }
  return "unknown operator";
}

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_DEVICE_OPS_H_
