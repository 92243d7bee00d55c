// The conversion report: what was quantized and how well, what stayed in
// float32 and why, model sizes, timings. Written as JSON (for tools) and as a
// readable table (for people).
#ifndef FP8SDK_CONVERTER_REPORT_H_
#define FP8SDK_CONVERTER_REPORT_H_

#include <string>
#include <vector>

#include "converter/convert.h"

namespace fp8sdk {
namespace convert {

struct ConvertReport {
  std::string source, source_format, source_sha256, output;
  uint64_t source_bytes = 0;       // the source's weight bytes (FP32 or as stored)
  uint64_t fp32_weight_bytes = 0;  // all constants as float32
  uint64_t output_bytes = 0;
  std::string recipe;  // one-line description
  QuantOptions options;
  bool quantized = false;
  int calib_sentences = 0, calib_batches = 0, max_length = 0;
  std::vector<TensorReport> tensors;
  std::vector<Selection::Kept> kept;
  // Per quantized operator: SQNR of its output on the evaluation data (the
  // quantized model's end-to-end drift at that point) vs FP32.
  std::vector<std::pair<std::string, double>> output_sqnr_db;
  int eval_sentences = 0;
  double final_sqnr_db = 0;
  uint64_t eval_rows = 0, eval_argmax_agree = 0;
  double import_s = 0, calibrate_s = 0, quantize_s = 0, evaluate_s = 0, write_s = 0, total_s = 0;
  double peak_rss_mb = 0;

  std::string ToJson() const;
  std::string ToTable() const;
};

// Peak resident set size of this process so far, in MB (from /proc).
double PeakRssMb();

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_REPORT_H_
