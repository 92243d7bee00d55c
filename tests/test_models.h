// Test-only: a BERT-shaped encoder for classification built with the writer
// API from seeded random weights, and an independent float64 computation of
// the same network. Shared by the loader, runtime and backend suites.
#ifndef FP8SDK_TESTS_TEST_MODELS_H_
#define FP8SDK_TESTS_TEST_MODELS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fp8sdk/types.h"
#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {
class Session;
namespace testing {

struct TinyBertConfig {
  int vocab = 1000;
  int hidden = 128;
  int layers = 2;
  int heads = 4;
  int intermediate = 512;
  int max_position = 64;
  int type_vocab = 2;
  int labels = 2;
  float layer_norm_eps = 1e-12f;
  GeluApprox gelu = GeluApprox::kErf;
  uint32_t seed = 1;
};

// Named float32 weights in BertForSequenceClassification's naming:
// "embeddings.word_embeddings.weight", "encoder.layer.0.attention.self.query.weight"
// ([out, in] like torch.nn.Linear), ... "classifier.bias".
struct TinyBertWeights {
  std::map<std::string, std::vector<float>> w;
  const std::vector<float>& at(const std::string& name) const { return w.at(name); }
};
TinyBertWeights MakeTinyBertWeights(const TinyBertConfig& config);

// How the Linear layers of the encoder are stored and run.
struct TinyBertQuant {
  DType weight_dtype = DType::kFP8_E4M3;  // FP8_*, INT8, F16, BF16 or F32
  bool per_channel = true;                // weight scales per output channel
  bool quantize_inputs = true;            // activation quantization
  DType input_dtype = DType::kFP8_E4M3;
  // Activation scale per Linear, by the Linear's weight name; missing ->
  // default_input_scale.
  std::map<std::string, float> input_scales;
  float default_input_scale = 8.0f / 448.0f;
  bool quantize_pooler_and_classifier = false;
};

// Inputs "input_ids", "token_type_ids", "attention_mask" ([batch, sequence],
// int64); output "logits" [batch, labels]. quant == nullptr: all FP32.
Graph BuildTinyBert(const TinyBertConfig& config, const TinyBertWeights& weights,
                    const TinyBertQuant* quant = nullptr);

// y = LINEAR(x [3, 5], w [4, 5]) with w an input, not a constant: an
// operator the CPU backends decline.
Graph BuildLinearOfActivations();

// Names of the encoder's Linear weights (the ones TinyBertQuant applies to).
std::vector<std::string> TinyBertLinearNames(const TinyBertConfig& config);

struct TinyBertInputs {
  int batch = 0, sequence = 0;
  std::vector<int64_t> input_ids, token_type_ids, attention_mask;
};
// Random ids with trailing padding on some rows (mask 0).
TinyBertInputs MakeTinyBertInputs(const TinyBertConfig& config, int batch, int sequence,
                                  uint32_t seed);

// The same network in float64, written from the textbook definitions
// (no code shared with the runtime). Returns logits [batch * labels].
std::vector<double> TinyBertForwardFloat64(const TinyBertConfig& config,
                                           const TinyBertWeights& weights,
                                           const TinyBertInputs& inputs);

// The quantized network (quant != nullptr) or the FP32 one (nullptr) in
// float32, step by step in the order the reference backend defines
// (backends/reference/kernels_*.cc): quantized Linears decode their codes,
// accumulate in increasing k, then scale (s_x * s_w[n]) and add the bias.
// Returns logits [batch * labels].
std::vector<float> TinyBertSimulateFloat32(const TinyBertConfig& config,
                                           const TinyBertWeights& weights,
                                           const TinyBertQuant* quant,
                                           const TinyBertInputs& inputs);

// Sets a session's three BERT inputs, [batch, sequence] int64 each.
Status SetBertInputs(Session* s, int64_t batch, int64_t sequence, const int64_t* input_ids,
                     const int64_t* token_type_ids, const int64_t* attention_mask);
Status SetBertInputs(Session* s, const TinyBertInputs& inputs);

// Sets the inputs, runs and returns the output "logits", flattened; empty on
// an error, which goes to *status (when given) or stderr.
std::vector<float> RunBertSession(Session* s, const TinyBertInputs& inputs,
                                  Status* status = nullptr);

// max |got[i] - want[i]| / max |want[i]| (sizes equal).
double MaxRelDiff(const std::vector<float>& got, const std::vector<float>& want);

// Runs a BERT graph (inputs input_ids, token_type_ids, attention_mask) in a
// fresh session and returns its first output, flattened.
std::vector<float> RunBertGraph(const Graph& graph, const TinyBertInputs& inputs,
                                fp8_device_kind_t device = FP8_DEVICE_AUTO);

}  // namespace testing
}  // namespace fp8sdk

#endif  // FP8SDK_TESTS_TEST_MODELS_H_
