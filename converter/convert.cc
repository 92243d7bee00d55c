#include "converter/convert.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "converter/calibrate/calib_data.h"
#include "converter/import/hf_import.h"
#include "converter/import/onnx_import.h"
#include "converter/progress.h"
#include "converter/report.h"
#include "formats/model_writer.h"
#include "tools/common/output_path.h"

namespace fp8sdk {
namespace convert {

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

bool IsDirectory(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

uint64_t ConstantBytesAsF32(const Graph& g) {
  uint64_t n = 0;
  for (const TensorDesc& t : g.tensors) {
    if (t.IsConstant() && IsFloatLike(t.dtype)) n += t.data_size / DTypeSize(t.dtype) * 4;
  }
  return n;
}

constexpr int kEvalBatch = 2;

// Rows [row, row + count) of a batch.
CalibBatch SliceBatch(const CalibBatch& b, int row, int count) {
  CalibBatch s;
  s.batch = count;
  s.sequence = b.sequence;
  const size_t begin = static_cast<size_t>(row) * static_cast<size_t>(b.sequence);
  const size_t end = begin + static_cast<size_t>(count) * static_cast<size_t>(b.sequence);
  s.input_ids.assign(b.input_ids.begin() + static_cast<std::ptrdiff_t>(begin),
                     b.input_ids.begin() + static_cast<std::ptrdiff_t>(end));
  s.token_type_ids.assign(b.token_type_ids.begin() + static_cast<std::ptrdiff_t>(begin),
                          b.token_type_ids.begin() + static_cast<std::ptrdiff_t>(end));
  s.attention_mask.assign(b.attention_mask.begin() + static_cast<std::ptrdiff_t>(begin),
                          b.attention_mask.begin() + static_cast<std::ptrdiff_t>(end));
  return s;
}

std::string RecipeSummary(const ConvertOptions& o) {
  if (!o.quantize) return "float32 (no quantization)";
  const QuantOptions& q = o.quant;
  std::string s = std::string(DTypeName(q.dtype)) + " linear layers: weights " +
                  (q.per_channel_weights ? "per output channel" : "per tensor") + " (min-max)";
  if (q.quantize_activations) {
    s += std::string(", input activations per tensor (") + CalibMethodName(q.method);
    if (q.method == CalibMethod::kPercentile) s += StrFormat(" %.4g", q.percentile);
    s += q.search_format ? ", format searched per layer)" : ")";
  } else {
    s += ", activations float32 (weight-only)";
  }
  if (q.attention) s += "; attention matmuls quantized";
  if (q.head) s += "; pooler and classifier quantized";
  if (q.embeddings) s += "; word embeddings E4M3 per row";
  if (q.keep_first) s += StrFormat("; first %d layers float32", q.keep_first);
  if (q.keep_last) s += StrFormat("; last %d layers float32", q.keep_last);
  for (const std::string& p : q.skip) s += "; skip '" + p + "'";
  return s;
}

}  // namespace

Status RunConvert(const ConvertOptions& o, ConvertReport* report_out) {
  const Clock::time_point start = Clock::now();
  ConvertReport report;
  report.options = o.quant;
  report.recipe = RecipeSummary(o);
  report.output = o.output;

  // 1. Import.
  Clock::time_point t = Clock::now();
  std::unique_ptr<ImportedModel> model;
  if (IsDirectory(o.input)) {
    FP8_ASSIGN_OR_RETURN(model, ImportHfDirectory(o.input));
    report.source_format = "huggingface";
  } else {
    FP8_ASSIGN_OR_RETURN(model, ImportOnnxFile(o.input));
    report.source_format = "onnx";
  }
  Graph& g = model->graph;
  report.source = model->source;
  report.source_sha256 = model->source_sha256;
  report.source_bytes = model->source_bytes;
  report.fp32_weight_bytes = ConstantBytesAsF32(g);
  report.import_s = Since(t);

  if (o.quantize) {
    const int layers = model->config.num_layers;
    for (const auto& [flag, n] : {std::pair{"--keep-first", o.quant.keep_first},
                                  std::pair{"--keep-last", o.quant.keep_last}}) {
      if (n > layers) {
        return InvalidArgument(
            StrFormat("%s %d: the model has %d encoder layers", flag, n, layers));
      }
    }
    // 2. Calibration data.
    CalibDataOptions cd;
    cd.path = o.calib;
    cd.pre_tokenized = o.calib_is_ids;
    cd.vocab = !o.vocab.empty() ? o.vocab : model->vocab_path;
    cd.samples = o.samples;
    cd.max_length = std::min(o.max_length, model->config.max_position);
    cd.batch = o.batch;
    cd.vocab_size = model->config.vocab_size;
    if (o.calib.empty()) {
      return InvalidArgument(
          "calibration data is required to quantize (--calib SENTENCES.tsv), "
          "or convert without quantization (--no-quantize)");
    }
    if (!cd.pre_tokenized && cd.vocab.empty()) {
      return InvalidArgument("no vocabulary: the source has no vocab.txt; pass --vocab VOCAB.txt");
    }
    FP8_ASSIGN_OR_RETURN(std::vector<CalibBatch> data, LoadCalibrationData(cd));
    for (const CalibBatch& b : data) report.calib_sentences += b.batch;
    report.calib_batches = static_cast<int>(data.size());
    report.max_length = cd.max_length;

    // 3. Observe the activations to quantize on the FP32 graph.
    t = Clock::now();
    const Selection sel = SelectNodes(g, o.quant);
    report.kept = sel.kept;
    const std::vector<int> acts = ActivationTensors(g, sel, o.quant);
    std::vector<RangeObserver> observers;
    RunOptions ro;
    ro.threads = o.threads;
    ro.device = o.device;
    {
      ProgressBar bar("calibrate", o.progress);
      ro.progress = [&](size_t d, size_t n) { bar.Update(d, n); };
      if (!acts.empty()) FP8_RETURN_IF_ERROR(ObserveTensors(g, acts, data, ro, &observers));
    }
    report.calibrate_s = Since(t);

    // 4. Quantize (a float32 copy of the graph is kept for evaluation).
    t = Clock::now();
    const bool evaluate = o.eval_samples > 0 && !sel.nodes.empty();
    Graph fp32;
    std::vector<std::vector<uint8_t>> retired;  // float32 weights fp32 still points to
    if (evaluate) fp32 = ShareGraph(g);
    FP8_RETURN_IF_ERROR(ApplyQuantization(&g, sel, o.quant, acts, observers, &report.tensors,
                                          evaluate ? &retired : nullptr));
    report.quantized = true;
    report.quantize_s = Since(t);

    // 5. Evaluate: each quantized operator's output and the final output vs FP32.
    if (evaluate) {
      t = Clock::now();
      // Evaluation keeps every compared tensor of two sessions alive at once:
      // small batches bound that memory.
      std::vector<CalibBatch> eval;
      int n = 0;
      for (const CalibBatch& b : data) {
        for (int r = 0; r < b.batch && n < o.eval_samples; r += kEvalBatch) {
          eval.push_back(SliceBatch(b, r, std::min(kEvalBatch, b.batch - r)));
          n += eval.back().batch;
        }
      }
      std::vector<std::string> names;
      for (size_t ni : sel.nodes)
        names.push_back(g.tensors[static_cast<size_t>(g.nodes[ni].outputs[0])].name);
      names.push_back(g.tensors[static_cast<size_t>(g.outputs[0])].name);
      Comparison cmp;
      ProgressBar bar("evaluate", o.progress);
      ro.progress = [&](size_t d, size_t total) { bar.Update(d, total); };
      FP8_RETURN_IF_ERROR(CompareGraphs(fp32, g, names, eval, ro, &cmp));
      for (size_t i = 0; i + 1 < names.size(); ++i) {
        report.output_sqnr_db.emplace_back(g.nodes[sel.nodes[i]].name, cmp.SqnrDb(i));
      }
      report.final_sqnr_db = cmp.SqnrDb(names.size() - 1);
      report.eval_sentences = n;
      report.eval_rows = cmp.rows;
      report.eval_argmax_agree = cmp.argmax_agree;
      report.evaluate_s = Since(t);
    }

    Metadata& md = g.metadata;
    md.calibration.method = CalibMethodName(o.quant.method);
    md.calibration.percentile =
        o.quant.method == CalibMethod::kPercentile ? o.quant.percentile : 0.0;
    md.calibration.num_samples = static_cast<uint32_t>(report.calib_sentences);
    md.calibration.dataset = o.calib;
  }

  // 6. Write.
  t = Clock::now();
  Metadata& md = g.metadata;
  md.producer = "fp8conv";
  md.producer_version = "0.1.0";
  md.extra.emplace_back("recipe", report.recipe);
  md.extra.emplace_back("tokenizer", "bert-wordpiece-uncased");
  // Never over a file the conversion read (external data included).
  std::vector<std::string> inputs = model->input_files;
  inputs.insert(inputs.end(), {o.input, o.vocab, model->vocab_path, o.calib});
  if (const std::string why = tools::CheckOutputPath(o.output, inputs); !why.empty()) {
    return InvalidArgument(why);
  }
  FP8_RETURN_IF_ERROR(WriteModelFile(g, o.output));
  struct stat st;
  if (stat(o.output.c_str(), &st) == 0) report.output_bytes = static_cast<uint64_t>(st.st_size);
  report.write_s = Since(t);
  report.total_s = Since(start);
  report.peak_rss_mb = PeakRssMb();
  if (!o.report_json.empty()) {
    inputs.push_back(o.output);  // written now: the same file under another name is caught too
    if (const std::string why = tools::CheckOutputPath(o.report_json, inputs); !why.empty()) {
      return InvalidArgument("the report: " + why);
    }
    const std::string why = tools::WriteTextFile(o.report_json, report.ToJson() + "\n");
    if (!why.empty()) return IoError("the report: " + why);
  }
  if (report_out) *report_out = std::move(report);
  return Status::Ok();
}

}  // namespace convert
}  // namespace fp8sdk
