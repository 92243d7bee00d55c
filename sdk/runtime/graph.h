// The in-memory model: tensors and operators as loaded from a model file or
// built by the converter. The model writer serializes it; the loader builds
// it (with constant data pointing into the mapped file) after verifying the
// file. Immutable once loaded; shared by every session.
#ifndef FP8SDK_SDK_RUNTIME_GRAPH_H_
#define FP8SDK_SDK_RUNTIME_GRAPH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fp8sdk/types.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {

enum class DType : uint8_t {
#define FP8_DTYPE(name, value, bytes, text) k##name = value,
#include "fp8sdk/dtypes.inc"
#undef FP8_DTYPE
};
constexpr int kNumDTypes = 10;

enum class OpType : uint16_t {
#define FP8_OP(name, value) k##name = value,
#include "fp8sdk/op_types.inc"
#undef FP8_OP
};
constexpr int kNumOpTypes = 16;

const char* DTypeName(DType t);  // "f32"
size_t DTypeSize(DType t);       // bytes per element; 0 if unknown
bool IsValidDType(int value);
bool IsFp8(DType t);               // E4M3, E5M2, custom
bool IsQuantized(DType t);         // FP8 or INT8
bool IsFloatLike(DType t);         // F32, F16, BF16 or quantized: decodes to float
bool IsInteger(DType t);           // INT32, INT64, UINT8 (INT8 is quantized)
const char* OpTypeName(OpType t);  // "LINEAR"
bool IsValidOpType(int value);

// The FP8 format of an FP8 dtype (custom formats come from the quantization).
Fp8Format Fp8FormatOf(DType t, const Fp8Format& custom);

constexpr int kMaxRank = FP8_MAX_RANK;

// A concrete shape, fixed capacity: shapes are computed during run without
// allocating.
struct Shape {
  int rank = 0;
  std::array<int64_t, kMaxRank> dims{};
  int64_t NumElements() const;
  int64_t operator[](int i) const { return dims[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return dims[static_cast<size_t>(i)]; }
  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string ToString() const;  // "[2, 128, 768]"
  static Shape Of(std::initializer_list<int64_t> d);
};

// A declared dimension: fixed (value >= 0) or symbolic (value -1, symbol set).
struct Dim {
  int64_t value = -1;
  std::string symbol;
  bool IsSymbolic() const { return value < 0; }
};

struct QuantParams {
  std::vector<float> scales;  // empty: not quantized
  int axis = -1;              // -1: per tensor
  Fp8Format fp8 = kE4M3;      // the format of FP8_CUSTOM tensors
  std::vector<float> amax;    // calibration statistics (informational)
  bool empty() const { return scales.empty(); }
};

struct TensorDesc {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<Dim> shape;
  QuantParams quant;
  // Constant data (weights): either `external` (the loaded model file's data
  // segment, which outlives the graph) or `owned` (graphs built in memory).
  bool constant = false;
  const void* external = nullptr;
  std::vector<uint8_t> owned;
  size_t data_size = 0;
  bool IsConstant() const { return constant; }
  const void* data() const { return external ? external : owned.data(); }
  // The fixed shape (every dimension fixed); rank -1 if any is symbolic.
  Shape FixedShape() const;
};

enum class GeluApprox : uint8_t { kErf = 0, kTanh = 1 };
enum class MaskMode : uint8_t { kNone = 0, kKeyPadding = 1, kAdditive = 2 };

// Quantization of an activation input of LINEAR / BATCH_MATMUL.
struct ActQuant {
  bool enabled = false;
  DType dtype = DType::kFP8_E4M3;
  float scale = 1.0f;
  Fp8Format fp8 = kE4M3;  // for FP8_CUSTOM
};

// Every operator option, flattened; each op reads its own fields.
struct NodeAttrs {
  int axis = 0;                          // GATHER, SLICE
  float epsilon = 1e-12f;                // LAYER_NORM
  ActQuant input_quant;                  // LINEAR
  bool transpose_b = false;              // BATCH_MATMUL
  float alpha = 1.0f;                    // BATCH_MATMUL
  ActQuant a_quant, b_quant;             // BATCH_MATMUL
  float softmax_scale = 1.0f;            // SOFTMAX
  MaskMode mask_mode = MaskMode::kNone;  // SOFTMAX
  GeluApprox gelu = GeluApprox::kErf;    // GELU
  std::vector<int64_t> shape;            // RESHAPE
  std::vector<int64_t> perm;             // TRANSPOSE
  int num_heads = 0;                     // SPLIT_HEADS, MERGE_HEADS
  int64_t start = 0;                     // SLICE
  int64_t end = INT64_MAX;               // SLICE
  int like_axis = 0;                     // SLICE
};

struct Node {
  OpType type = OpType::kADD;
  std::string name;
  std::vector<int> inputs;  // tensor indices; -1 = absent optional input
  std::vector<int> outputs;
  NodeAttrs attrs;
  // "operator 3 'encoder.0.ffn.up' (LINEAR)" for messages.
  std::string Label(size_t index) const;
};

struct CalibrationInfo {
  std::string method;
  double percentile = 0.0;
  uint32_t num_samples = 0;
  std::string dataset;
};

struct Metadata {
  std::string producer;
  std::string producer_version;
  std::string source_model;
  std::string source_model_sha256;
  CalibrationInfo calibration;
  std::vector<std::string> label_names;
  std::vector<std::pair<std::string, int64_t>> dim_limits;  // ("sequence", 512)
  std::vector<std::pair<std::string, std::string>> extra;
};

struct Graph {
  std::vector<TensorDesc> tensors;
  std::vector<Node> nodes;  // topological order
  std::vector<int> inputs;
  std::vector<int> outputs;
  Metadata metadata;
  // True when external constant data lives in a read-only private mapping of
  // the model file: pages nobody needs may be dropped (madvise) and are read
  // back from the file on the next touch.
  bool constants_file_mapped = false;

  // Index of the tensor named `name`, or -1.
  int FindTensor(const std::string& name) const;
  // "tensor 7 'encoder.0.attn.q.weight'" for messages.
  std::string TensorLabel(int index) const;
};

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_GRAPH_H_
