// Importing BERT-family ONNX models as torch.onnx / Hugging Face export them
// (opsets 11-17): with or without constant folding (Linear weights as
// transposed MatMul initializers, Gemm, or Transpose of the parameter),
// LayerNorm as LayerNormalization or decomposed (ReduceMean, Sub, Pow, Sqrt,
// Div), GELU in erf or tanh form, attention with a scale Div/Mul and an
// extended-mask Add, initializers embedded or as external data.
//
// The importer reads the ONNX protobuf with Debian's libonnx (ONNX's own
// schema), checks that every operator is one BERT exports use (an unknown
// one is an error naming the node, op and opset), recovers the architecture
// (layers, hidden size, heads from the attention scale, GELU form, LayerNorm
// epsilon) and the parameters (by their exported names, following the bias
// Add to its MatMul/Gemm for folded weights), and builds the canonical BERT
// graph (bert_graph.h) — the same graph a Hugging Face checkpoint gives.
#ifndef FP8SDK_CONVERTER_IMPORT_ONNX_IMPORT_H_
#define FP8SDK_CONVERTER_IMPORT_ONNX_IMPORT_H_

#include <cstddef>
#include <memory>
#include <string>

#include "converter/import/hf_import.h"

namespace fp8sdk {
namespace convert {

Result<std::unique_ptr<ImportedModel>> ImportOnnxFile(const std::string& path);

// The same from bytes in memory (`name` appears in messages and as the
// source): no external data (tensors stored outside the file are an error),
// no config.json or vocab.txt beside it, no source digest.
Result<std::unique_ptr<ImportedModel>> ImportOnnxBytes(const void* data, size_t size,
                                                       const std::string& name);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_IMPORT_ONNX_IMPORT_H_
