// The graph as backends see it through the plugin ABI: fp8_graph_t and the
// fp8_graph_api_t accessors over a Graph and a session's planning shapes.
#ifndef FP8SDK_SDK_RUNTIME_GRAPH_VIEW_H_
#define FP8SDK_SDK_RUNTIME_GRAPH_VIEW_H_

#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/runtime/graph.h"

namespace fp8sdk {
class ConstantRelease;
}

struct fp8_graph {
  const fp8sdk::Graph* graph;
  const std::vector<fp8sdk::Shape>* plan_shapes;  // one per tensor
  // Set while a partition is being prepared (tensor_const_done), else null.
  fp8sdk::ConstantRelease* release = nullptr;
};

namespace fp8sdk {

// Which readers of each constant have said they keep their own form of it
// (fp8_graph_api_t::tensor_const_done); once all have, and the model is a
// mapped file, the whole pages inside the constant are dropped from memory.
class ConstantRelease {
 public:
  explicit ConstantRelease(const Graph& graph);
  // Readers (node inputs) of each constant among the partition's nodes.
  void BeginPartition(const std::vector<size_t>& nodes);
  void Done(int32_t tensor);
  // Bytes of file pages dropped so far.
  uint64_t dropped_bytes() const { return dropped_bytes_; }

 private:
  const Graph& graph_;
  std::vector<int> readers_;    // [tensor] node inputs reading it, whole graph
  std::vector<int> done_;       // [tensor] readers whose partition is done with it
  std::vector<int> partition_;  // [tensor] readers in the current partition
  std::vector<int32_t> touched_;
  uint64_t dropped_bytes_ = 0;
};

// The accessor table (static; valid for the process's life).
const fp8_graph_api_t* GraphApi();

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_GRAPH_VIEW_H_
