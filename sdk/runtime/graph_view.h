// The graph as backends see it through the plugin ABI: fp8_graph_t and the
// fp8_graph_api_t accessors over a Graph and a session's planning shapes.
#ifndef FP8SDK_SDK_RUNTIME_GRAPH_VIEW_H_
#define FP8SDK_SDK_RUNTIME_GRAPH_VIEW_H_

#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/runtime/graph.h"

struct fp8_graph {
  const fp8sdk::Graph* graph;
  const std::vector<fp8sdk::Shape>* plan_shapes;  // one per tensor
};

namespace fp8sdk {

// The accessor table (static; valid for the process's life).
const fp8_graph_api_t* GraphApi();

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_GRAPH_VIEW_H_
