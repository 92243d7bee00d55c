// fp8conv's pipeline: import (Hugging Face directory or ONNX file) ->
// calibration data -> select operators by the recipe -> observe activations
// on the FP32 graph -> quantize -> evaluate against FP32 -> write the model
// file and the report.
#ifndef FP8SDK_CONVERTER_CONVERT_H_
#define FP8SDK_CONVERTER_CONVERT_H_

#include <functional>
#include <string>
#include <vector>

#include "converter/calibrate/calibrator.h"
#include "converter/quantize/quantize_pass.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {
namespace convert {

struct ConvertOptions {
  std::string input;   // HF directory or .onnx file
  std::string output;  // model file to write
  std::string calib;   // sentences (TSV or text), or pre-tokenized ids with calib_is_ids
  bool calib_is_ids = false;
  std::string vocab;        // vocabulary; default: the HF directory's vocab.txt
  std::string report_json;  // optional path of the JSON report
  bool quantize = true;     // false: write the FP32 model as is
  QuantOptions quant;
  int samples = 128;     // calibration sentences
  int max_length = 128;  // tokens per sentence, [CLS]/[SEP] included
  int batch = 8;
  int eval_samples = 32;  // sentences for the FP32-vs-quantized evaluation (0: none)
  int threads = 0;
  // Backend for calibration and evaluation. The reference backend reads the
  // weights in place (the least memory: peak ~1.7x the FP32 model for
  // BERT-base); the oneDNN CPU backend is faster but holds reordered copies.
  fp8_device_kind_t device = FP8_DEVICE_REFERENCE;
  bool progress = false;  // progress bars on stderr
};

// One row per quantized tensor plus evaluation and sizes; see report.h.
struct ConvertReport;

// Runs the whole conversion. On success fills `report` (if non-null).
Status RunConvert(const ConvertOptions& options, ConvertReport* report);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_CONVERT_H_
