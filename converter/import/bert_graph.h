// The canonical BERT encoder graph the converter produces from any source
// (Hugging Face checkpoint or ONNX): embeddings (word + position + token
// type, LayerNorm), N encoder layers (Q/K/V LINEAR, SPLIT_HEADS, scaled
// QK^T BATCH_MATMUL, key-padding SOFTMAX, PV BATCH_MATMUL, MERGE_HEADS,
// output LINEAR, residual ADD, LayerNorm, FFN LINEAR-GELU-LINEAR, residual,
// LayerNorm), then the pooler (first token, LINEAR, TANH) and, for
// classification, the classifier LINEAR. Weights are float32 (in place where
// the source allows) and named as in Hugging Face checkpoints.
#ifndef FP8SDK_CONVERTER_IMPORT_BERT_GRAPH_H_
#define FP8SDK_CONVERTER_IMPORT_BERT_GRAPH_H_

#include <functional>
#include <string>
#include <vector>

#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {
namespace convert {

struct BertConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position = 512;
  int type_vocab_size = 2;
  float layer_norm_eps = 1e-12f;
  GeluApprox gelu = GeluApprox::kErf;
  bool classifier = true;  // BertForSequenceClassification; else BertModel
  int num_labels = 2;
  std::vector<std::string> labels;  // by id

  // Checks sizes (positive, hidden divisible by heads, sane limits).
  Status Validate() const;
};

// Parses a Hugging Face config.json (BertConfig fields). Errors name the file
// and the field.
Result<BertConfig> ParseBertConfigFile(const std::string& path);
Result<BertConfig> ParseBertConfigJson(const std::string& json, const std::string& where);

// A float32 weight: either borrowed (external, must outlive the graph) or
// owned values.
struct WeightData {
  const float* external = nullptr;
  std::vector<float> owned;
  const float* data() const { return external ? external : owned.data(); }
};

// Returns the weight named (in Hugging Face naming, without the "bert."
// prefix: "embeddings.word_embeddings.weight", "encoder.layer.0...",
// "pooler.dense.weight", "classifier.weight") with the expected shape
// ([out, in] for linear weights), or an error naming it.
using WeightFn =
    std::function<Result<WeightData>(const std::string& name, const std::vector<int64_t>& shape)>;

// Builds the graph. Inputs "input_ids", "token_type_ids", "attention_mask"
// ([batch, sequence], int64); outputs "logits" (classification) or
// "last_hidden_state" and "pooler_output".
Result<Graph> BuildBertGraph(const BertConfig& config, const WeightFn& weights);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_IMPORT_BERT_GRAPH_H_
