// Writing model files: the C++ API the converter and the tests build models
// with. A written file always loads: the graph passes the loader's checks
// before any byte is written.
#ifndef FP8SDK_FORMATS_MODEL_WRITER_H_
#define FP8SDK_FORMATS_MODEL_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {

// The whole file: header, FlatBuffer, aligned data segment.
Result<std::vector<uint8_t>> SerializeModel(const Graph& graph);
// For tests of the loader's checks only: serializes without checking, so
// that invalid graphs can be written.
std::vector<uint8_t> SerializeModelUnchecked(const Graph& graph);
// Writes SerializeModel(graph) to `path` (replacing it atomically).
Status WriteModelFile(const Graph& graph, const std::string& path);

// Convenience for building graphs in code. Indices returned are tensor or
// node indices in the graph; names must be unique.
class GraphBuilder {
 public:
  // A model input; dims are fixed sizes or symbols ("batch").
  int AddInput(const std::string& name, DType dtype, const std::vector<Dim>& shape);
  // An intermediate or output tensor; its shape is inferred at load time, so
  // only dtype is needed (shape may be given for documentation).
  int AddTensor(const std::string& name, DType dtype, const std::vector<Dim>& shape = {});
  // A constant; `bytes` must hold the tensor's exact size.
  int AddConstant(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                  const void* bytes, size_t size, const QuantParams& quant = {});
  int AddConstantF32(const std::string& name, const std::vector<int64_t>& shape,
                     const std::vector<float>& values);
  // Returns the node index.
  int AddNode(OpType type, const std::string& name, const std::vector<int>& inputs,
              const std::vector<int>& outputs, const NodeAttrs& attrs = {});
  void AddOutput(int tensor) { graph_.outputs.push_back(tensor); }
  Metadata& metadata() { return graph_.metadata; }
  Graph& graph() { return graph_; }
  Graph Finish() { return std::move(graph_); }

 private:
  Graph graph_;
};

// Dim helpers: Dim fixed(768), Dim symbolic("batch").
inline Dim FixedDim(int64_t v) { return Dim{v, ""}; }
inline Dim SymbolDim(const std::string& s) { return Dim{-1, s}; }

}  // namespace fp8sdk

#endif  // FP8SDK_FORMATS_MODEL_WRITER_H_
