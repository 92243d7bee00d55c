#include "sdk/runtime/graph_view.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

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

void TensorConstDone(const fp8_graph_t* g, int32_t t) {
  if (g->release && GetTensor(g, t)) g->release->Done(t);
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
    TensorConstDone,
};

}  // namespace

const fp8_graph_api_t* GraphApi() { return &kApi; }

ConstantRelease::ConstantRelease(const Graph& graph)
    : graph_(graph),
      readers_(graph.tensors.size(), 0),
      done_(graph.tensors.size(), 0),
      partition_(graph.tensors.size(), 0) {
  for (const Node& n : graph.nodes) {
    for (int t : n.inputs) {
      if (t >= 0) ++readers_[static_cast<size_t>(t)];
    }
  }
}

void ConstantRelease::BeginPartition(const std::vector<size_t>& nodes) {
  for (int32_t t : touched_) partition_[static_cast<size_t>(t)] = 0;
  touched_.clear();
  for (size_t n : nodes) {
    for (int t : graph_.nodes[n].inputs) {
      if (t < 0 || !graph_.tensors[static_cast<size_t>(t)].IsConstant()) continue;
      if (partition_[static_cast<size_t>(t)]++ == 0) touched_.push_back(t);
    }
  }
}

void ConstantRelease::Done(int32_t t) {
  const size_t i = static_cast<size_t>(t);
  if (partition_[i] <= 0) return;  // not read here, or already counted
  done_[i] += partition_[i];
  partition_[i] = 0;
  if (done_[i] < readers_[i] || !graph_.constants_file_mapped) return;
  const TensorDesc& d = graph_.tensors[i];
  if (!d.external) return;
  // Whole pages inside the constant only: its neighbours may still be read.
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(d.external);
  const uintptr_t first = (begin + page - 1) / page * page;
  const uintptr_t last = (begin + d.data_size) / page * page;
  if (last <= first) return;
  // A private, read-only file mapping: the pages are read back if touched.
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) == 0) {
    dropped_bytes_ += last - first;
  }
}

}  // namespace fp8sdk
