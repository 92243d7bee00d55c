// Semantic checks of a graph and shape inference. The loader runs CheckGraph
// on every file after the FlatBuffers verifier; the writer runs it before
// writing. Sessions run InferShapes with their planning bounds and again, on
// each run, with the actual input shapes (without allocating).
#ifndef FP8SDK_SDK_RUNTIME_GRAPH_CHECK_H_
#define FP8SDK_SDK_RUNTIME_GRAPH_CHECK_H_

#include <string>
#include <vector>

#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {

// Everything that can be checked without input values: names, dtypes, shapes
// of constants against their byte sizes, quantization parameters, indices,
// single producers, topological order, per-operator arity, dtypes and
// options, and shape consistency (symbolic dimensions bound to small probe
// sizes). Errors name the tensor or operator.
Status CheckGraph(const Graph& graph);

// Binds symbolic dimensions ("batch" -> 8). Unbound symbols are errors.
struct SymbolValues {
  std::vector<std::pair<std::string, int64_t>> values;
  bool Get(const std::string& symbol, int64_t* out) const;
  void Set(const std::string& symbol, int64_t value);
};

// The concrete shape of every model input under `symbols`.
Status ResolveInputShapes(const Graph& graph, const SymbolValues& symbols,
                          std::vector<Shape>* input_shapes);

// Shapes of all tensors given the model inputs' shapes (in graph.inputs
// order). `shapes` must have graph.tensors.size() entries; constants get
// their fixed shapes. Allocates nothing when `shapes` is already sized.
Status InferShapes(const Graph& graph, const std::vector<Shape>& input_shapes,
                   std::vector<Shape>* shapes);

// One node's output shapes from its inputs' shapes (already in `shapes`).
Status InferNodeShapes(const Graph& graph, size_t node_index, std::vector<Shape>* shapes);

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_GRAPH_CHECK_H_
