#include "sdk/runtime/graph.h"

#include <cstdio>

namespace fp8sdk {

const char* DTypeName(DType t) {
  switch (t) {
#define FP8_DTYPE(name, value, bytes, text) \
  case DType::k##name:                      \
    return text;
#include "fp8sdk/dtypes.inc"
#undef FP8_DTYPE
  }
  return "unknown";
}

size_t DTypeSize(DType t) {
  switch (t) {
#define FP8_DTYPE(name, value, bytes, text) \
  case DType::k##name:                      \
    return bytes;
#include "fp8sdk/dtypes.inc"
#undef FP8_DTYPE
  }
  return 0;
}

bool IsValidDType(int value) { return value >= 0 && value < kNumDTypes; }

bool IsFp8(DType t) {
  return t == DType::kFP8_E4M3 || t == DType::kFP8_E5M2 || t == DType::kFP8_CUSTOM;
}
bool IsQuantized(DType t) { return IsFp8(t) || t == DType::kINT8; }
bool IsFloatLike(DType t) {
  return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16 || IsQuantized(t);
}
bool IsInteger(DType t) { return t == DType::kINT32 || t == DType::kINT64 || t == DType::kUINT8; }

const char* OpTypeName(OpType t) {
  switch (t) {
#define FP8_OP(name, value) \
  case OpType::k##name:     \
    return #name;
#include "fp8sdk/op_types.inc"
#undef FP8_OP
  }
  return "unknown";
}

bool IsValidOpType(int value) { return value >= 0 && value < kNumOpTypes; }

Fp8Format Fp8FormatOf(DType t, const Fp8Format& custom) {
  if (t == DType::kFP8_E4M3) return kE4M3;
  if (t == DType::kFP8_E5M2) return kE5M2;
  return custom;
}

int64_t Shape::NumElements() const {
  int64_t n = 1;
  for (int i = 0; i < rank; ++i) n *= dims[static_cast<size_t>(i)];
  return n;
}

bool Shape::operator==(const Shape& o) const {
  if (rank != o.rank) return false;
  for (int i = 0; i < rank; ++i) {
    if (dims[static_cast<size_t>(i)] != o.dims[static_cast<size_t>(i)]) return false;
  }
  return true;
}

std::string Shape::ToString() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims[static_cast<size_t>(i)]);
  }
  return s + "]";
}

Shape Shape::Of(std::initializer_list<int64_t> d) {
  Shape s;
  for (int64_t v : d) s.dims[static_cast<size_t>(s.rank++)] = v;
  return s;
}

Shape TensorDesc::FixedShape() const {
  Shape s;
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    s.rank = -1;
    return s;
  }
  for (const Dim& d : shape) {
    if (d.IsSymbolic()) {
      s.rank = -1;
      return s;
    }
    s.dims[static_cast<size_t>(s.rank++)] = d.value;
  }
  return s;
}

std::string Node::Label(size_t index) const {
  std::string s = "operator " + std::to_string(index);
  if (!name.empty()) s += " '" + name + "'";
  return s + " (" + OpTypeName(type) + ")";
}

int Graph::FindTensor(const std::string& name) const {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::string Graph::TensorLabel(int index) const {
  if (index < 0 || static_cast<size_t>(index) >= tensors.size()) {
    return "tensor " + std::to_string(index);
  }
  return "tensor " + std::to_string(index) + " '" + tensors[static_cast<size_t>(index)].name + "'";
}

}  // namespace fp8sdk
