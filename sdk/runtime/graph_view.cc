#include "sdk/runtime/graph_view.h"

namespace fp8sdk {
namespace {

// Accessors validate their indices: a plugin passing a bad index gets a
// neutral answer, never an out-of-bounds read.
const Node* GetNode(const fp8_graph_t* g, size_t n) {
  return n < g->graph->nodes.size() ? &g->graph->nodes[n] : nullptr;
}

const TensorDesc* GetTensor(const fp8_graph_t* g, int32_t t) {
  return t >= 0 && static_cast<size_t>(t) < g->graph->tensors.size()
             ? &g->graph->tensors[static_cast<size_t>(t)]
             : nullptr;
}

fp8_fp8_format_t ToAbi(const Fp8Format& f) {
  return fp8_fp8_format_t{f.exp_bits, f.man_bits, f.bias,
                          static_cast<fp8_fp8_specials_t>(f.specials)};
}

size_t NodeCount(const fp8_graph_t* g) { return g->graph->nodes.size(); }
fp8_op_type_t NodeOp(const fp8_graph_t* g, size_t n) {
  const Node* node = GetNode(g, n);
  return node ? static_cast<fp8_op_type_t>(node->type) : FP8_OP_FORCE_32BIT;
}
const char* NodeName(const fp8_graph_t* g, size_t n) {
  const Node* node = GetNode(g, n);
  return node ? node->name.c_str() : "";
}
size_t NodeInputCount(const fp8_graph_t* g, size_t n) {
  const Node* node = GetNode(g, n);
  return node ? node->inputs.size() : 0;
}
int32_t NodeInput(const fp8_graph_t* g, size_t n, size_t i) {
  const Node* node = GetNode(g, n);
  return node && i < node->inputs.size() ? node->inputs[i] : -1;
}
size_t NodeOutputCount(const fp8_graph_t* g, size_t n) {
  const Node* node = GetNode(g, n);
  return node ? node->outputs.size() : 0;
}
int32_t NodeOutput(const fp8_graph_t* g, size_t n, size_t i) {
  const Node* node = GetNode(g, n);
  return node && i < node->outputs.size() ? node->outputs[i] : -1;
}

int64_t NodeAttrInt(const fp8_graph_t* g, size_t n, fp8_attr_t attr) {
  const Node* node = GetNode(g, n);
  if (!node) return 0;
  const NodeAttrs& a = node->attrs;
  switch (attr) {
    case FP8_ATTR_AXIS:
      return a.axis;
    case FP8_ATTR_TRANSPOSE_B:
      return a.transpose_b ? 1 : 0;
    case FP8_ATTR_MASK_MODE:
      return static_cast<int64_t>(a.mask_mode);
    case FP8_ATTR_GELU_APPROX:
      return static_cast<int64_t>(a.gelu);
    case FP8_ATTR_NUM_HEADS:
      return a.num_heads;
    case FP8_ATTR_SLICE_START:
      return a.start;
    case FP8_ATTR_SLICE_END:
      return a.end;
    case FP8_ATTR_LIKE_AXIS:
      return a.like_axis;
    default:
      return 0;
  }
}

float NodeAttrFloat(const fp8_graph_t* g, size_t n, fp8_attr_t attr) {
  const Node* node = GetNode(g, n);
  if (!node) return 0.0f;
  switch (attr) {
    case FP8_ATTR_EPSILON:
      return node->attrs.epsilon;
    case FP8_ATTR_ALPHA:
      return node->attrs.alpha;
    case FP8_ATTR_SOFTMAX_SCALE:
      return node->attrs.softmax_scale;
    default:
      return 0.0f;
  }
}

size_t NodeAttrInts(const fp8_graph_t* g, size_t n, fp8_attr_t attr, const int64_t** out) {
  const Node* node = GetNode(g, n);
  *out = nullptr;
  if (!node) return 0;
  const std::vector<int64_t>* v = attr == FP8_ATTR_SHAPE  ? &node->attrs.shape
                                  : attr == FP8_ATTR_PERM ? &node->attrs.perm
                                                          : nullptr;
  if (!v) return 0;
  *out = v->data();
  return v->size();
}

int NodeActQuant(const fp8_graph_t* g, size_t n, int which, fp8_act_quant_t* out) {
  const Node* node = GetNode(g, n);
  if (!node) return 0;
  const ActQuant* q = nullptr;
  if (node->type == OpType::kLINEAR && which == 0) q = &node->attrs.input_quant;
  if (node->type == OpType::kBATCH_MATMUL)
    q = which == 0 ? &node->attrs.a_quant : &node->attrs.b_quant;
  if (!q || !q->enabled) return 0;
  out->dtype = static_cast<fp8_dtype_t>(q->dtype);
  out->scale = q->scale;
  out->format = ToAbi(Fp8FormatOf(q->dtype, q->fp8));
  return 1;
}

size_t TensorCount(const fp8_graph_t* g) { return g->graph->tensors.size(); }
const char* TensorName(const fp8_graph_t* g, int32_t t) {
  const TensorDesc* d = GetTensor(g, t);
  return d ? d->name.c_str() : "";
}
fp8_dtype_t TensorDType(const fp8_graph_t* g, int32_t t) {
  const TensorDesc* d = GetTensor(g, t);
  return d ? static_cast<fp8_dtype_t>(d->dtype) : FP8_DTYPE_FORCE_32BIT;
}
size_t TensorRank(const fp8_graph_t* g, int32_t t) {
  return GetTensor(g, t) ? static_cast<size_t>((*g->plan_shapes)[static_cast<size_t>(t)].rank) : 0;
}
int64_t TensorDim(const fp8_graph_t* g, int32_t t, size_t i) {
  if (!GetTensor(g, t)) return 0;
  const Shape& s = (*g->plan_shapes)[static_cast<size_t>(t)];
  return i < static_cast<size_t>(s.rank) ? s[static_cast<int>(i)] : 0;
}
int TensorQuant(const fp8_graph_t* g, int32_t t, fp8_quant_info_t* out) {
  const TensorDesc* d = GetTensor(g, t);
  if (!d || d->quant.empty()) return 0;
  out->dtype = static_cast<fp8_dtype_t>(d->dtype);
  out->scale_count = d->quant.scales.size();
  out->scales = d->quant.scales.data();
  out->axis = d->quant.axis;
  out->format = ToAbi(Fp8FormatOf(d->dtype, d->quant.fp8));
  return 1;
}
const void* TensorConstData(const fp8_graph_t* g, int32_t t, size_t* size) {
  const TensorDesc* d = GetTensor(g, t);
  if (!d || !d->IsConstant()) {
    if (size) *size = 0;
    return nullptr;
  }
  if (size) *size = d->data_size;
  return d->data();
}

const fp8_graph_api_t kApi = {
    sizeof(fp8_graph_api_t),
    NodeCount,
    NodeOp,
    NodeName,
    NodeInputCount,
    NodeInput,
    NodeOutputCount,
    NodeOutput,
    NodeAttrInt,
    NodeAttrFloat,
    NodeAttrInts,
    NodeActQuant,
    TensorCount,
    TensorName,
    TensorDType,
    TensorRank,
    TensorDim,
    TensorQuant,
    TensorConstData,
};

}  // namespace

const fp8_graph_api_t* GraphApi() { return &kApi; }

}  // namespace fp8sdk
