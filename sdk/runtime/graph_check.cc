#include "sdk/runtime/graph_check.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace fp8sdk {

namespace {

// Elements beyond this are refused: 2^40 elements is far past any model, and
// keeps every byte size below 2^63.
constexpr int64_t kMaxElements = int64_t{1} << 40;

struct Arity {
  int min_inputs, max_inputs;
};

Arity ArityOf(OpType t) {
  switch (t) {
    case OpType::kGATHER:
      return {2, 2};
    case OpType::kADD:
      return {2, 2};
    case OpType::kMUL:
      return {2, 2};
    case OpType::kLAYER_NORM:
      return {2, 3};
    case OpType::kLINEAR:
      return {2, 3};
    case OpType::kBATCH_MATMUL:
      return {2, 2};
    case OpType::kSOFTMAX:
      return {1, 2};
    case OpType::kGELU:
      return {1, 1};
    case OpType::kTANH:
      return {1, 1};
    case OpType::kRESHAPE:
      return {1, 1};
    case OpType::kTRANSPOSE:
      return {1, 1};
    case OpType::kSPLIT_HEADS:
      return {1, 1};
    case OpType::kMERGE_HEADS:
      return {1, 1};
    case OpType::kQUANTIZE:
      return {1, 1};
    case OpType::kDEQUANTIZE:
      return {1, 1};
    case OpType::kSLICE:
      return {1, 2};
  }
  return {0, 0};
}

// Inputs that may be absent (-1).
bool InputOptional(OpType t, size_t i) {
  return (t == OpType::kLAYER_NORM && i == 2) || (t == OpType::kLINEAR && i == 2) ||
         (t == OpType::kSOFTMAX && i == 1) || (t == OpType::kSLICE && i == 1);
}

bool ValidScale(float s) { return std::isfinite(s) && s > 0.0f; }

Status CheckActQuant(const ActQuant& q, const std::string& label, const char* which) {
  if (!q.enabled) return Status::Ok();
  if (!IsQuantized(q.dtype)) {
    return InvalidModel(StrFormat("%s: %s quantization dtype %s is not FP8 or INT8", label.c_str(),
                                  which, DTypeName(q.dtype)));
  }
  if (!ValidScale(q.scale)) {
    return InvalidModel(StrFormat("%s: %s quantization scale %g must be finite and positive",
                                  label.c_str(), which, q.scale));
  }
  std::string why;
  if (q.dtype == DType::kFP8_CUSTOM && !ValidateFp8Format(q.fp8, &why)) {
    return InvalidModel(
        StrFormat("%s: %s quantization format: %s", label.c_str(), which, why.c_str()));
  }
  return Status::Ok();
}

Status CheckTensor(const Graph& g, int index) {
  const TensorDesc& t = g.tensors[static_cast<size_t>(index)];
  const std::string label = g.TensorLabel(index);
  if (t.name.empty()) return InvalidModel(label + ": empty name");
  if (!IsValidDType(static_cast<int>(t.dtype))) {
    return InvalidModel(
        StrFormat("%s: unknown dtype %d", label.c_str(), static_cast<int>(t.dtype)));
  }
  if (t.shape.size() > static_cast<size_t>(kMaxRank)) {
    return InvalidModel(
        StrFormat("%s: rank %zu exceeds the maximum %d", label.c_str(), t.shape.size(), kMaxRank));
  }
  for (size_t i = 0; i < t.shape.size(); ++i) {
    const Dim& d = t.shape[i];
    if (d.IsSymbolic() && d.symbol.empty()) {
      return InvalidModel(StrFormat("%s: dimension %zu is negative (%lld) and has no symbol",
                                    label.c_str(), i, static_cast<long long>(d.value)));
    }
    if (!d.IsSymbolic() && d.value > kMaxElements) {
      return InvalidModel(StrFormat("%s: dimension %zu is too large (%lld)", label.c_str(), i,
                                    static_cast<long long>(d.value)));
    }
  }
  const QuantParams& q = t.quant;
  std::string why;
  if (t.dtype == DType::kFP8_CUSTOM && !ValidateFp8Format(q.fp8, &why)) {
    return InvalidModel(label + ": FP8 format: " + why);
  }
  if (!q.empty()) {
    if (!IsQuantized(t.dtype)) {
      return InvalidModel(StrFormat("%s: has quantization scales but dtype %s is not quantized",
                                    label.c_str(), DTypeName(t.dtype)));
    }
    const int rank = static_cast<int>(t.shape.size());
    if (q.axis < -1 || q.axis >= rank) {
      return InvalidModel(StrFormat("%s: quantization axis %d out of range for rank %d",
                                    label.c_str(), q.axis, rank));
    }
    if (q.axis == -1 && q.scales.size() != 1) {
      return InvalidModel(StrFormat("%s: per-tensor quantization needs 1 scale, has %zu",
                                    label.c_str(), q.scales.size()));
    }
    if (q.axis >= 0) {
      const Dim& d = t.shape[static_cast<size_t>(q.axis)];
      if (d.IsSymbolic() || static_cast<size_t>(d.value) != q.scales.size()) {
        return InvalidModel(
            StrFormat("%s: per-channel quantization on axis %d needs one scale "
                      "per index, has %zu",
                      label.c_str(), q.axis, q.scales.size()));
      }
    }
    for (size_t i = 0; i < q.scales.size(); ++i) {
      if (!ValidScale(q.scales[i])) {
        return InvalidModel(StrFormat("%s: scale %zu is %g; scales must be finite and positive",
                                      label.c_str(), i, q.scales[i]));
      }
    }
  }
  if (t.IsConstant()) {
    const Shape s = t.FixedShape();
    if (s.rank < 0) return InvalidModel(label + ": a constant must have a fixed shape");
    int64_t n = 1;
    for (int i = 0; i < s.rank; ++i) {
      if (__builtin_mul_overflow(n, s[i], &n) || n > kMaxElements) {
        return InvalidModel(label + ": element count overflows");
      }
    }
    const uint64_t want = static_cast<uint64_t>(n) * DTypeSize(t.dtype);
    if (want != t.data_size) {
      return InvalidModel(StrFormat("%s: shape %s of %s needs %llu bytes, data has %llu",
                                    label.c_str(), s.ToString().c_str(), DTypeName(t.dtype),
                                    static_cast<unsigned long long>(want),
                                    static_cast<unsigned long long>(t.data_size)));
    }
    if (IsQuantized(t.dtype) && q.empty()) {
      return InvalidModel(StrFormat("%s: a %s constant needs quantization scales", label.c_str(),
                                    DTypeName(t.dtype)));
    }
  }
  return Status::Ok();
}

// dtype rules: which input dtypes each operator takes and what it produces.
Status CheckNodeTypes(const Graph& g, size_t ni) {
  const Node& n = g.nodes[ni];
  const std::string label = n.Label(ni);
  auto in = [&](size_t i) -> const TensorDesc* {
    if (i >= n.inputs.size() || n.inputs[i] < 0) return nullptr;
    return &g.tensors[static_cast<size_t>(n.inputs[i])];
  };
  auto fail = [&](const std::string& what) { return InvalidModel(label + ": " + what); };
  auto need = [&](size_t i, bool ok, const char* what) -> Status {
    if (ok) return Status::Ok();
    return fail(StrFormat("input %zu (%s) has dtype %s; expected %s", i,
                          g.TensorLabel(n.inputs[i]).c_str(), DTypeName(in(i)->dtype), what));
  };
  DType out = DType::kF32;
  switch (n.type) {
    case OpType::kGATHER:
      FP8_RETURN_IF_ERROR(need(1, in(1)->dtype == DType::kINT32 || in(1)->dtype == DType::kINT64,
                               "int32 or int64 indices"));
      out = IsFloatLike(in(0)->dtype) ? DType::kF32 : in(0)->dtype;
      break;
    case OpType::kADD:
    case OpType::kMUL:
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      FP8_RETURN_IF_ERROR(need(1, in(1)->dtype == DType::kF32, "f32"));
      break;
    case OpType::kLAYER_NORM:
      for (size_t i = 0; i < 3; ++i) {
        if (in(i)) FP8_RETURN_IF_ERROR(need(i, in(i)->dtype == DType::kF32, "f32"));
      }
      break;
    case OpType::kLINEAR:
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      FP8_RETURN_IF_ERROR(need(1, IsFloatLike(in(1)->dtype), "a float or quantized weight"));
      if (IsQuantized(in(1)->dtype) && in(1)->quant.axis > 0) {
        return fail("weight quantization must be per tensor or per output channel (axis 0)");
      }
      if (in(2)) FP8_RETURN_IF_ERROR(need(2, in(2)->dtype == DType::kF32, "f32 bias"));
      FP8_RETURN_IF_ERROR(CheckActQuant(n.attrs.input_quant, label, "input"));
      break;
    case OpType::kBATCH_MATMUL:
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      FP8_RETURN_IF_ERROR(need(1, in(1)->dtype == DType::kF32, "f32"));
      FP8_RETURN_IF_ERROR(CheckActQuant(n.attrs.a_quant, label, "a"));
      FP8_RETURN_IF_ERROR(CheckActQuant(n.attrs.b_quant, label, "b"));
      if (!std::isfinite(n.attrs.alpha)) return fail("alpha must be finite");
      break;
    case OpType::kSOFTMAX: {
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      const MaskMode m = n.attrs.mask_mode;
      if (m != MaskMode::kNone && m != MaskMode::kKeyPadding && m != MaskMode::kAdditive) {
        return fail(StrFormat("unknown mask mode %d", static_cast<int>(m)));
      }
      if ((m == MaskMode::kNone) != (in(1) == nullptr)) {
        return fail(m == MaskMode::kNone ? "has a mask input but mask mode NONE"
                                         : "mask mode needs a mask input");
      }
      if (m == MaskMode::kAdditive)
        FP8_RETURN_IF_ERROR(need(1, in(1)->dtype == DType::kF32, "f32"));
      if (m == MaskMode::kKeyPadding) {
        FP8_RETURN_IF_ERROR(need(1, IsInteger(in(1)->dtype) || in(1)->dtype == DType::kF32,
                                 "an integer or f32 0/1 mask"));
      }
      if (!std::isfinite(n.attrs.softmax_scale)) return fail("scale must be finite");
      break;
    }
    case OpType::kGELU:
      if (n.attrs.gelu != GeluApprox::kErf && n.attrs.gelu != GeluApprox::kTanh) {
        return fail("unknown GELU approximation");
      }
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      break;
    case OpType::kTANH:
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      break;
    case OpType::kRESHAPE:
    case OpType::kTRANSPOSE:
    case OpType::kSPLIT_HEADS:
    case OpType::kMERGE_HEADS:
    case OpType::kSLICE:
      out = in(0)->dtype;
      if (IsQuantized(out)) return fail("layout operators take unquantized tensors");
      break;
    case OpType::kQUANTIZE: {
      FP8_RETURN_IF_ERROR(need(0, in(0)->dtype == DType::kF32, "f32"));
      const TensorDesc& o = g.tensors[static_cast<size_t>(n.outputs[0])];
      if (!IsQuantized(o.dtype) || o.quant.empty()) {
        return fail("output " + g.TensorLabel(n.outputs[0]) +
                    " must have a quantized dtype and scales");
      }
      out = o.dtype;
      break;
    }
    case OpType::kDEQUANTIZE:
      FP8_RETURN_IF_ERROR(need(0, IsQuantized(in(0)->dtype) && !in(0)->quant.empty(),
                               "a quantized tensor with scales"));
      break;
  }
  const TensorDesc& o = g.tensors[static_cast<size_t>(n.outputs[0])];
  if (o.dtype != out) {
    return fail(StrFormat("output %s has dtype %s; this operator produces %s",
                          g.TensorLabel(n.outputs[0]).c_str(), DTypeName(o.dtype), DTypeName(out)));
  }
  return Status::Ok();
}

// Probe size for symbols during CheckGraph: small, and distinct from 1 so
// that broadcasting mistakes are not hidden.
constexpr int64_t kProbeSize = 3;

}  // namespace

bool SymbolValues::Get(const std::string& symbol, int64_t* out) const {
  for (const auto& [k, v] : values) {
    if (k == symbol) {
      *out = v;
      return true;
    }
  }
  return false;
}

void SymbolValues::Set(const std::string& symbol, int64_t value) {
  for (auto& [k, v] : values) {
    if (k == symbol) {
      v = value;
      return;
    }
  }
  values.emplace_back(symbol, value);
}

Status ResolveInputShapes(const Graph& g, const SymbolValues& symbols,
                          std::vector<Shape>* input_shapes) {
  input_shapes->resize(g.inputs.size());
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const TensorDesc& t = g.tensors[static_cast<size_t>(g.inputs[i])];
    Shape& s = (*input_shapes)[i];
    s.rank = static_cast<int>(t.shape.size());
    for (int d = 0; d < s.rank; ++d) {
      const Dim& dim = t.shape[static_cast<size_t>(d)];
      if (!dim.IsSymbolic()) {
        s[d] = dim.value;
      } else if (!symbols.Get(dim.symbol, &s[d])) {
        return InvalidArgument(StrFormat("input '%s': no size given for dimension '%s'",
                                         t.name.c_str(), dim.symbol.c_str()));
      }
    }
  }
  return Status::Ok();
}

Status InferNodeShapes(const Graph& g, size_t ni, std::vector<Shape>* shapes_ptr) {
  std::vector<Shape>& shapes = *shapes_ptr;
  const Node& n = g.nodes[ni];
  const NodeAttrs& a = n.attrs;
  auto fail = [&](const std::string& what) { return InvalidModel(n.Label(ni) + ": " + what); };
  auto in = [&](size_t i) -> const Shape& { return shapes[static_cast<size_t>(n.inputs[i])]; };
  auto has = [&](size_t i) { return i < n.inputs.size() && n.inputs[i] >= 0; };
  Shape out;
  switch (n.type) {
    case OpType::kGATHER: {
      const Shape& data = in(0);
      const Shape& idx = in(1);
      const int axis = a.axis < 0 ? a.axis + data.rank : a.axis;
      if (axis < 0 || axis >= data.rank) {
        return fail(StrFormat("axis %d out of range for data of rank %d", a.axis, data.rank));
      }
      if (data.rank - 1 + idx.rank > kMaxRank) return fail("output rank exceeds the maximum");
      for (int i = 0; i < axis; ++i) out[out.rank++] = data[i];
      for (int i = 0; i < idx.rank; ++i) out[out.rank++] = idx[i];
      for (int i = axis + 1; i < data.rank; ++i) out[out.rank++] = data[i];
      break;
    }
    case OpType::kADD:
    case OpType::kMUL: {
      const Shape& x = in(0);
      const Shape& y = in(1);
      out.rank = std::max(x.rank, y.rank);
      for (int i = 0; i < out.rank; ++i) {
        const int xi = x.rank - out.rank + i, yi = y.rank - out.rank + i;
        const int64_t dx = xi >= 0 ? x[xi] : 1, dy = yi >= 0 ? y[yi] : 1;
        if (dx != dy && dx != 1 && dy != 1) {
          return fail(StrFormat("shapes %s and %s do not broadcast", x.ToString().c_str(),
                                y.ToString().c_str()));
        }
        out[i] = dx == 1 ? dy : dx;
      }
      break;
    }
    case OpType::kLAYER_NORM: {
      const Shape& x = in(0);
      if (x.rank < 1) return fail("input must have rank >= 1");
      const int64_t c = x[x.rank - 1];
      for (size_t i = 1; i < 3; ++i) {
        if (has(i) && (in(i).rank != 1 || in(i)[0] != c)) {
          return fail(StrFormat("%s must have shape [%lld], has %s", i == 1 ? "gamma" : "beta",
                                static_cast<long long>(c), in(i).ToString().c_str()));
        }
      }
      if (!(a.epsilon >= 0.0f) || !std::isfinite(a.epsilon)) {
        return fail("epsilon must be finite and >= 0");
      }
      out = x;
      break;
    }
    case OpType::kLINEAR: {
      const Shape& x = in(0);
      const Shape& w = in(1);
      if (x.rank < 1) return fail("input must have rank >= 1");
      if (w.rank != 2) return fail("weight must be [N, K], has " + w.ToString());
      if (x[x.rank - 1] != w[1]) {
        return fail(StrFormat("input %s and weight %s disagree on K", x.ToString().c_str(),
                              w.ToString().c_str()));
      }
      if (has(2) && (in(2).rank != 1 || in(2)[0] != w[0])) {
        return fail(StrFormat("bias must be [%lld], has %s", static_cast<long long>(w[0]),
                              in(2).ToString().c_str()));
      }
      out = x;
      out[out.rank - 1] = w[0];
      break;
    }
    case OpType::kBATCH_MATMUL: {
      const Shape& x = in(0);
      const Shape& y = in(1);
      if (x.rank < 2 || x.rank != y.rank) {
        return fail(StrFormat("operands must have equal rank >= 2, have %s and %s",
                              x.ToString().c_str(), y.ToString().c_str()));
      }
      const int r = x.rank;
      const int64_t k_b = a.transpose_b ? y[r - 1] : y[r - 2];
      const int64_t n_b = a.transpose_b ? y[r - 2] : y[r - 1];
      if (x[r - 1] != k_b) {
        return fail(StrFormat("%s @ %s%s: inner dimensions differ", x.ToString().c_str(),
                              y.ToString().c_str(), a.transpose_b ? "^T" : ""));
      }
      out.rank = r;
      for (int i = 0; i < r - 2; ++i) {
        if (x[i] != y[i] && x[i] != 1 && y[i] != 1) {
          return fail(StrFormat("batch dimensions of %s and %s do not broadcast",
                                x.ToString().c_str(), y.ToString().c_str()));
        }
        out[i] = x[i] == 1 ? y[i] : x[i];
      }
      out[r - 2] = x[r - 2];
      out[r - 1] = n_b;
      break;
    }
    case OpType::kSOFTMAX: {
      const Shape& x = in(0);
      if (x.rank < 1) return fail("input must have rank >= 1");
      if (a.mask_mode == MaskMode::kKeyPadding) {
        const Shape& m = in(1);
        if (m.rank != 2 || x.rank < 2 || m[0] != x[0] || m[1] != x[x.rank - 1]) {
          return fail(StrFormat("key-padding mask %s must be [batch, keys] of input %s",
                                m.ToString().c_str(), x.ToString().c_str()));
        }
      } else if (a.mask_mode == MaskMode::kAdditive) {
        const Shape& m = in(1);
        if (m.rank > x.rank) return fail("additive mask has a larger rank than the input");
        for (int i = 0; i < m.rank; ++i) {
          const int64_t dm = m[i], dx = x[x.rank - m.rank + i];
          if (dm != dx && dm != 1) {
            return fail(StrFormat("additive mask %s does not broadcast to %s", m.ToString().c_str(),
                                  x.ToString().c_str()));
          }
        }
      }
      out = x;
      break;
    }
    case OpType::kGELU:
    case OpType::kTANH:
    case OpType::kQUANTIZE:
    case OpType::kDEQUANTIZE:
      out = in(0);
      break;
    case OpType::kRESHAPE: {
      const Shape& x = in(0);
      if (a.shape.size() > static_cast<size_t>(kMaxRank)) return fail("target rank too large");
      out.rank = static_cast<int>(a.shape.size());
      int infer = -1;
      int64_t known = 1;
      for (int i = 0; i < out.rank; ++i) {
        int64_t d = a.shape[static_cast<size_t>(i)];
        if (d == 0) {
          if (i >= x.rank) return fail(StrFormat("target dimension %d copies a missing one", i));
          d = x[i];
        } else if (d == -1) {
          if (infer >= 0) return fail("more than one -1 in the target shape");
          infer = i;
          continue;
        } else if (d < 0) {
          return fail(StrFormat("target dimension %d is %lld", i, static_cast<long long>(d)));
        }
        out[i] = d;
        if (__builtin_mul_overflow(known, d, &known)) return fail("target size overflows");
      }
      const int64_t total = x.NumElements();
      if (infer >= 0) {
        if (known == 0 || total % known != 0) {
          return fail(StrFormat("cannot reshape %s to the target", x.ToString().c_str()));
        }
        out[infer] = total / known;
      } else if (known != total) {
        return fail(StrFormat("cannot reshape %s (%lld elements) to %lld elements",
                              x.ToString().c_str(), static_cast<long long>(total),
                              static_cast<long long>(known)));
      }
      break;
    }
    case OpType::kTRANSPOSE: {
      const Shape& x = in(0);
      if (a.perm.size() != static_cast<size_t>(x.rank)) {
        return fail(StrFormat("perm has %zu entries for rank %d", a.perm.size(), x.rank));
      }
      uint32_t seen = 0;
      out.rank = x.rank;
      for (int i = 0; i < x.rank; ++i) {
        const int64_t p = a.perm[static_cast<size_t>(i)];
        if (p < 0 || p >= x.rank || (seen & (1u << p))) return fail("perm is not a permutation");
        seen |= 1u << p;
        out[i] = x[static_cast<int>(p)];
      }
      break;
    }
    case OpType::kSPLIT_HEADS: {
      const Shape& x = in(0);
      if (x.rank != 3) return fail("input must be [batch, seq, hidden], has " + x.ToString());
      if (a.num_heads <= 0 || x[2] % a.num_heads != 0) {
        return fail(StrFormat("hidden size %lld is not divisible by %d heads",
                              static_cast<long long>(x[2]), a.num_heads));
      }
      out = Shape::Of({x[0], a.num_heads, x[1], x[2] / a.num_heads});
      break;
    }
    case OpType::kMERGE_HEADS: {
      const Shape& x = in(0);
      if (x.rank != 4 || x[1] != a.num_heads) {
        return fail(StrFormat("input must be [batch, %d heads, seq, dim], has %s", a.num_heads,
                              x.ToString().c_str()));
      }
      out = Shape::Of({x[0], x[2], x[1] * x[3]});
      break;
    }
    case OpType::kSLICE: {
      const Shape& x = in(0);
      const int axis = a.axis < 0 ? a.axis + x.rank : a.axis;
      if (axis < 0 || axis >= x.rank) return fail(StrFormat("axis %d out of range", a.axis));
      if (a.start < 0 || a.end < a.start) return fail("slice needs 0 <= start <= end");
      int64_t end = std::min(a.end, x[axis]);
      if (has(1)) {
        const Shape& like = in(1);
        const int la = a.like_axis < 0 ? a.like_axis + like.rank : a.like_axis;
        if (la < 0 || la >= like.rank) return fail("like_axis out of range");
        end = a.start + like[la];
        if (end > x[axis]) {
          return fail(StrFormat("slice end %lld exceeds dimension %lld of %s",
                                static_cast<long long>(end), static_cast<long long>(x[axis]),
                                x.ToString().c_str()));
        }
      }
      out = x;
      out[axis] = std::max<int64_t>(0, end - a.start);
      break;
    }
  }
  int64_t total = 1;
  for (int i = 0; i < out.rank; ++i) {
    if (out[i] < 0 || __builtin_mul_overflow(total, out[i], &total) || total > kMaxElements) {
      return fail("output shape " + out.ToString() + " is too large");
    }
  }
  shapes[static_cast<size_t>(n.outputs[0])] = out;
  return Status::Ok();
}

Status InferShapes(const Graph& g, const std::vector<Shape>& input_shapes,
                   std::vector<Shape>* shapes) {
  shapes->resize(g.tensors.size());
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    if (g.tensors[i].IsConstant()) (*shapes)[i] = g.tensors[i].FixedShape();
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    (*shapes)[static_cast<size_t>(g.inputs[i])] = input_shapes[i];
  }
  for (size_t ni = 0; ni < g.nodes.size(); ++ni)
    FP8_RETURN_IF_ERROR(InferNodeShapes(g, ni, shapes));
  return Status::Ok();
}

Status CheckGraph(const Graph& g) {
  const size_t nt = g.tensors.size();
  if (nt > (size_t{1} << 24) || g.nodes.size() > (size_t{1} << 24)) {
    return InvalidModel("too many tensors or operators");
  }
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < nt; ++i) {
    FP8_RETURN_IF_ERROR(CheckTensor(g, static_cast<int>(i)));
    if (!names.insert(g.tensors[i].name).second) {
      return InvalidModel(
          StrFormat("%s: name used twice", g.TensorLabel(static_cast<int>(i)).c_str()));
    }
  }
  // ready[t]: tensor t has a value before the current node runs.
  std::vector<uint8_t> ready(nt, 0), is_input(nt, 0);
  for (size_t i = 0; i < nt; ++i) ready[i] = g.tensors[i].IsConstant();
  if (g.inputs.empty()) return InvalidModel("the model has no inputs");
  if (g.outputs.empty()) return InvalidModel("the model has no outputs");
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int t = g.inputs[i];
    if (t < 0 || static_cast<size_t>(t) >= nt) {
      return InvalidModel(StrFormat("model input %zu refers to tensor %d of %zu", i, t, nt));
    }
    if (ready[static_cast<size_t>(t)]) {
      return InvalidModel(g.TensorLabel(t) + ": listed as a model input twice or is a constant");
    }
    ready[static_cast<size_t>(t)] = 1;
    is_input[static_cast<size_t>(t)] = 1;
  }
  for (size_t ni = 0; ni < g.nodes.size(); ++ni) {
    const Node& n = g.nodes[ni];
    if (!IsValidOpType(static_cast<int>(n.type))) {
      return InvalidModel(
          StrFormat("operator %zu: unknown operator type %d (this runtime knows "
                    "0..%d; the file may need a newer fp8sdk)",
                    ni, static_cast<int>(n.type), kNumOpTypes - 1));
    }
    const std::string label = n.Label(ni);
    const Arity ar = ArityOf(n.type);
    if (n.inputs.size() < static_cast<size_t>(ar.min_inputs) ||
        n.inputs.size() > static_cast<size_t>(ar.max_inputs)) {
      return InvalidModel(StrFormat("%s: has %zu inputs; takes %d to %d", label.c_str(),
                                    n.inputs.size(), ar.min_inputs, ar.max_inputs));
    }
    if (n.outputs.size() != 1) {
      return InvalidModel(
          StrFormat("%s: has %zu outputs; takes 1", label.c_str(), n.outputs.size()));
    }
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const int t = n.inputs[i];
      if (t == -1 && InputOptional(n.type, i)) continue;
      if (t < 0 || static_cast<size_t>(t) >= nt) {
        return InvalidModel(
            StrFormat("%s: input %zu refers to tensor %d of %zu", label.c_str(), i, t, nt));
      }
      if (!ready[static_cast<size_t>(t)]) {
        return InvalidModel(StrFormat("%s: input %zu (%s) is not produced by an earlier operator",
                                      label.c_str(), i, g.TensorLabel(t).c_str()));
      }
    }
    const int o = n.outputs[0];
    if (o < 0 || static_cast<size_t>(o) >= nt) {
      return InvalidModel(StrFormat("%s: output refers to tensor %d of %zu", label.c_str(), o, nt));
    }
    if (ready[static_cast<size_t>(o)]) {
      return InvalidModel(
          StrFormat("%s: output %s is already defined (a constant, a model input "
                    "or another operator's output)",
                    label.c_str(), g.TensorLabel(o).c_str()));
    }
    FP8_RETURN_IF_ERROR(CheckNodeTypes(g, ni));
    ready[static_cast<size_t>(o)] = 1;
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int t = g.outputs[i];
    if (t < 0 || static_cast<size_t>(t) >= nt) {
      return InvalidModel(StrFormat("model output %zu refers to tensor %d of %zu", i, t, nt));
    }
    if (!ready[static_cast<size_t>(t)] || g.tensors[static_cast<size_t>(t)].IsConstant() ||
        is_input[static_cast<size_t>(t)]) {
      return InvalidModel(g.TensorLabel(t) + ": a model output must be an operator's output");
    }
  }
  // Shapes with every symbol bound to a probe size.
  SymbolValues probe;
  for (int t : g.inputs) {
    for (const Dim& d : g.tensors[static_cast<size_t>(t)].shape) {
      if (d.IsSymbolic()) probe.Set(d.symbol, kProbeSize);
    }
  }
  std::vector<Shape> input_shapes, shapes;
  FP8_RETURN_IF_ERROR(ResolveInputShapes(g, probe, &input_shapes));
  FP8_RETURN_IF_ERROR(InferShapes(g, input_shapes, &shapes));
  for (const auto& [sym, max] : g.metadata.dim_limits) {
    if (max <= 0) {
      return InvalidModel(StrFormat("metadata: limit of dimension '%s' is %lld", sym.c_str(),
                                    static_cast<long long>(max)));
    }
  }
  return Status::Ok();
}

}  // namespace fp8sdk
