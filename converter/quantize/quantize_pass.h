// The BERT quantization recipe, applied to a float32 graph.
//
// Default (the evidence in ../shared/DESIGN.md): the encoder's LINEAR layers
// (Q, K, V, attention output, both FFN layers) in FP8 E4M3 — weights per
// output channel (min-max), input activations per tensor (calibrated);
// embeddings, LayerNorm, Softmax, GELU, residual adds, pooler and classifier
// stay in float32. Options: E5M2, INT8 (the baseline), per-tensor weights,
// weight-only, FP8 attention batched matmuls, a skip list, the first/last N
// layers in float32, and a per-layer choice of FP8 format by MSE.
#ifndef FP8SDK_CONVERTER_QUANTIZE_QUANTIZE_PASS_H_
#define FP8SDK_CONVERTER_QUANTIZE_QUANTIZE_PASS_H_

#include <string>
#include <vector>

#include "converter/calibrate/range_observer.h"
#include "converter/quantize/scale_search.h"
#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {
namespace convert {

struct QuantOptions {
  DType dtype = DType::kFP8_E4M3;  // FP8_E4M3, FP8_E5M2 or INT8 (weights and activations)
  bool per_channel_weights = true;
  bool quantize_activations = true;
  CalibMethod method = CalibMethod::kMinMax;
  double percentile = 99.99;
  bool search_format = false;  // per-layer E2M5..E5M2 for activations, by MSE
  bool attention = false;      // QK^T and PV batched matmuls too
  bool head = false;           // pooler and classifier too
  // The word-embedding table in FP8 E4M3 with one scale per row (a smaller
  // model and resident set; lookups decode only the rows they read).
  bool embeddings = false;
  std::vector<std::string> skip;      // operators whose name contains any of these stay float
  int keep_first = 0, keep_last = 0;  // encoder layers kept in float32
};

// Which operators are quantized, and why the others are not.
struct Selection {
  std::vector<size_t> nodes;  // LINEAR (and BATCH_MATMUL with attention)
  struct Kept {
    std::string node;
    std::string op;
    std::string reason;
  };
  std::vector<Kept> kept;
};
Selection SelectNodes(const Graph& g, const QuantOptions& o);

// Activation tensors whose ranges calibration must observe: the quantized
// inputs of the selected nodes (one entry per distinct tensor).
std::vector<int> ActivationTensors(const Graph& g, const Selection& s, const QuantOptions& o);

// One row of the report.
struct TensorReport {
  std::string node;
  std::string tensor;
  std::string kind;         // "weight" or "activation"
  std::string format;       // "E4M3", "E5M2", "INT8", "E3M4(bias=3,finite)"
  std::string granularity;  // "per-channel" / "per-tensor"
  float amax = 0;
  float scale_min = 0, scale_max = 0;
  double clipped_pct = 0;
  double sqnr_db = 0;  // of the tensor itself (weights: exact; activations: on calibration data)
};

// Quantizes the selected nodes of `g` in place: weights become FP8/INT8
// constants with scales, activation inputs get the chosen scales.
// observers[i] belongs to ActivationTensors(...)[i].
// With o.embeddings, also quantizes the word-embedding table (see
// QuantOptions). Float32 weight data the graph owned is moved to `retired` (if non-null)
// rather than freed, so that a ShareGraph copy of the float32 graph stays
// valid.
Status ApplyQuantization(Graph* g, const Selection& s, const QuantOptions& o,
                         const std::vector<int>& act_tensors,
                         const std::vector<RangeObserver>& observers,
                         std::vector<TensorReport>* report,
                         std::vector<std::vector<uint8_t>>* retired = nullptr);

// The word-embedding table ("embeddings.word"'s data) in E4M3, one scale per
// row, with a report row.
Status QuantizeEmbeddingTable(Graph* g, std::vector<TensorReport>* report,
                              std::vector<std::vector<uint8_t>>* retired);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_QUANTIZE_QUANTIZE_PASS_H_
