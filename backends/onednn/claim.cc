// Which nodes the oneDNN backend runs, and why not the others. Every decline
// carries a reason a person can act on; the runtime gives those nodes to the
// next backend (in the end the reference backend).
#include "backends/onednn/kernel.h"

namespace fp8sdk {
namespace onednn {
namespace {

bool AllF32(const backend::GraphAccess& g, size_t n, size_t inputs) {
  for (size_t i = 0; i < inputs; ++i) {
    const int32_t t = g.Input(n, i);
    if (t >= 0 && g.TensorDType(t) != DType::kF32) return false;
  }
  return g.TensorDType(g.Output(n)) == DType::kF32;
}

const char* LinearDecline(const backend::GraphAccess& g, size_t n) {
  const int32_t x = g.Input(n, 0), w = g.Input(n, 1), b = g.Input(n, 2);
  if (!g.ConstData(w) || (b >= 0 && !g.ConstData(b))) {
    return "LINEAR needs a constant weight and bias (decoded and reordered once at prepare)";
  }
  if (g.TensorDType(x) != DType::kF32 || g.TensorDType(g.Output(n)) != DType::kF32 ||
      (b >= 0 && g.TensorDType(b) != DType::kF32)) {
    return "LINEAR runs with f32 input, bias and output only";
  }
  const DType wt = g.TensorDType(w);
  if (wt != DType::kF32 && wt != DType::kF16 && wt != DType::kBF16 && wt != DType::kINT8 &&
      !IsFp8(wt)) {
    return "LINEAR weight dtype is not f32, f16, bf16, FP8 or INT8";
  }
  if (g.PlanShape(w).rank != 2) return "LINEAR weight is not 2-D [N, K]";
  if (IsQuantized(wt)) {
    const backend::QuantView q = g.Quant(w);
    if (!q.quantized) return "LINEAR quantized weight without scales";
    if (q.scale_count != 1 && q.axis != 0) {
      return "LINEAR weight scales are not per tensor or per output channel (axis 0)";
    }
  }
  const backend::ActQuantView a = g.ActQuant(n, 0);
  if (a.enabled && a.dtype != DType::kINT8 && !IsFp8(a.dtype)) {
    return "LINEAR input quantization is neither FP8 nor INT8";
  }
  return nullptr;
}

}  // namespace

const char* DeclineReason(const backend::GraphAccess& g, size_t n) {
  switch (g.Op(n)) {
    case OpType::kLINEAR:
      return LinearDecline(g, n);
    case OpType::kBATCH_MATMUL: {
      if (!AllF32(g, n, 2)) return "BATCH_MATMUL runs with f32 operands only";
      const backend::ActQuantView a = g.ActQuant(n, 0), b = g.ActQuant(n, 1);
      for (const backend::ActQuantView* q : {&a, &b}) {
        if (q->enabled && q->dtype != DType::kINT8 && !IsFp8(q->dtype)) {
          return "BATCH_MATMUL operand quantization is neither FP8 nor INT8";
        }
      }
      return nullptr;
    }
    case OpType::kADD:
    case OpType::kMUL:
      return AllF32(g, n, 2) ? nullptr : "ADD/MUL run with f32 tensors only";
    case OpType::kGELU:
    case OpType::kTANH:
      return AllF32(g, n, 1) ? nullptr : "GELU/TANH run with f32 tensors only";
    case OpType::kLAYER_NORM:
      return AllF32(g, n, 3) ? nullptr : "LAYER_NORM runs with f32 input, gamma and beta only";
    case OpType::kSOFTMAX: {
      if (!AllF32(g, n, 1)) return "SOFTMAX runs with f32 input only";
      const int64_t mode = g.AttrInt(n, FP8_ATTR_MASK_MODE);
      if (mode == FP8_MASK_ADDITIVE && g.TensorDType(g.Input(n, 1)) != DType::kF32) {
        return "SOFTMAX additive mask must be f32";
      }
      if (mode == FP8_MASK_KEY_PADDING) {
        const DType m = g.TensorDType(g.Input(n, 1));
        if (m != DType::kINT64 && m != DType::kINT32 && m != DType::kUINT8 && m != DType::kF32) {
          return "SOFTMAX key-padding mask must be int64, int32, uint8 or f32";
        }
      }
      return nullptr;
    }
    case OpType::kGATHER: {
      const int32_t data = g.Input(n, 0);
      const DType dt = g.TensorDType(data);
      if (dt != g.TensorDType(g.Output(n))) {
        // Decoded lookups of constant tables along axis 0, scales per tensor
        // or per row.
        const int64_t axis = g.AttrInt(n, FP8_ATTR_AXIS);
        const backend::QuantView q = g.Quant(data);
        if (!g.ConstData(data) || (axis != 0 && axis != -g.PlanShape(data).rank) ||
            (q.quantized && q.axis > 0)) {
          return "GATHER of a quantized or half-precision table is supported along axis 0 of a "
                 "constant table with per-tensor or per-row scales";
        }
      }
      const DType it = g.TensorDType(g.Input(n, 1));
      if (it != DType::kINT64 && it != DType::kINT32) return "GATHER indices must be int32/int64";
      return nullptr;
    }
    case OpType::kRESHAPE:
    case OpType::kTRANSPOSE:
    case OpType::kSPLIT_HEADS:
    case OpType::kMERGE_HEADS:
    case OpType::kSLICE:
      return nullptr;
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE: {
      const int32_t qt = g.Op(n) == OpType::kQUANTIZE ? g.Output(n) : g.Input(n, 0);
      if (!IsQuantized(g.TensorDType(qt))) return "QUANTIZE/DEQUANTIZE of a non-quantized tensor";
      return nullptr;
    }
  }
  return "unknown operator";
}

}  // namespace onednn
}  // namespace fp8sdk
