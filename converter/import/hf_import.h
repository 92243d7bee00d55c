// Importing a Hugging Face BERT checkpoint directory: config.json +
// model.safetensors (F32, F16 or BF16) (+ vocab.txt), for BertModel and
// BertForSequenceClassification.
#ifndef FP8SDK_CONVERTER_IMPORT_HF_IMPORT_H_
#define FP8SDK_CONVERTER_IMPORT_HF_IMPORT_H_

#include <memory>
#include <string>
#include <vector>

#include "converter/import/bert_graph.h"
#include "converter/import/safetensors.h"

namespace fp8sdk {
namespace convert {

// An imported model: the float32 graph, and whatever its weights point into
// (which must outlive the graph).
struct ImportedModel {
  Graph graph;
  BertConfig config;
  std::string vocab_path;  // empty if the source has no vocabulary
  std::string source;      // what was read
  std::string source_sha256;
  uint64_t source_bytes = 0;
  // Every file the import read (model, weights, external data,
  // configuration): outputs must not replace them.
  std::vector<std::string> input_files;
  std::vector<std::shared_ptr<void>> keep_alive;
};

// F32 weights are used in place from the mapped file; F16/BF16 are converted.
Result<std::unique_ptr<ImportedModel>> ImportHfDirectory(const std::string& dir);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_IMPORT_HF_IMPORT_H_
