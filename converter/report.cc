#include "converter/report.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fp8sdk {
namespace convert {

namespace {

// JSON has no infinity: a lossless tensor's SQNR is written as null.
nlohmann::json Db(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

std::string DbText(double v) {
  if (!std::isfinite(v)) return "exact";
  char b[32];
  std::snprintf(b, sizeof(b), "%.1f dB", v);
  return b;
}

std::string Mb(uint64_t bytes) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.2f MB", static_cast<double>(bytes) / 1e6);
  return b;
}

}  // namespace

double PeakRssMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return 0.0;
}

std::string ConvertReport::ToJson() const {
  nlohmann::json j;
  j["source"] = {{"path", source},
                 {"format", source_format},
                 {"sha256", source_sha256},
                 {"bytes", source_bytes}};
  j["output"] = {{"path", output}, {"bytes", output_bytes}};
  j["recipe"] = {{"summary", recipe},
                 {"quantized", quantized},
                 {"dtype", DTypeName(options.dtype)},
                 {"weights", options.per_channel_weights ? "per-channel" : "per-tensor"},
                 {"activations", options.quantize_activations ? "per-tensor" : "float32"},
                 {"calibration", CalibMethodName(options.method)},
                 {"percentile", options.percentile},
                 {"search_format", options.search_format},
                 {"attention", options.attention},
                 {"head", options.head},
                 {"skip", options.skip},
                 {"keep_first", options.keep_first},
                 {"keep_last", options.keep_last}};
  j["calibration"] = {
      {"sentences", calib_sentences}, {"batches", calib_batches}, {"max_length", max_length}};
  std::map<std::string, double> out_sqnr(output_sqnr_db.begin(), output_sqnr_db.end());
  nlohmann::json rows = nlohmann::json::array();
  for (const TensorReport& t : tensors) {
    nlohmann::json r = {{"node", t.node},
                        {"tensor", t.tensor},
                        {"kind", t.kind},
                        {"format", t.format},
                        {"granularity", t.granularity},
                        {"amax", t.amax},
                        {"scale_min", t.scale_min},
                        {"scale_max", t.scale_max},
                        {"clipped_percent", t.clipped_pct},
                        {"sqnr_db", Db(t.sqnr_db)}};
    auto it = out_sqnr.find(t.node);
    if (it != out_sqnr.end()) r["output_sqnr_db"] = Db(it->second);
    rows.push_back(r);
  }
  j["tensors"] = rows;
  nlohmann::json kept_json = nlohmann::json::array();
  for (const auto& k : kept)
    kept_json.push_back({{"node", k.node}, {"op", k.op}, {"reason", k.reason}});
  j["kept_in_float32"] = kept_json;
  j["evaluation"] = {
      {"sentences", eval_sentences},
      {"final_output_sqnr_db", Db(final_sqnr_db)},
      {"argmax_agreement", eval_rows ? static_cast<double>(eval_argmax_agree) / eval_rows : 0.0},
      {"rows", eval_rows}};
  j["size"] = {
      {"fp32_weight_bytes", fp32_weight_bytes},
      {"output_bytes", output_bytes},
      {"ratio", output_bytes ? static_cast<double>(fp32_weight_bytes) / output_bytes : 0.0}};
  j["seconds"] = {{"import", import_s},     {"calibrate", calibrate_s}, {"quantize", quantize_s},
                  {"evaluate", evaluate_s}, {"write", write_s},         {"total", total_s}};
  j["peak_rss_mb"] = peak_rss_mb;
  return j.dump(2);
}

std::string ConvertReport::ToTable() const {
  std::ostringstream o;
  char line[512];
  o << "fp8conv: " << source << " (" << source_format << ") -> " << output << "\n";
  o << "recipe: " << recipe << "\n";
  if (quantized) {
    o << "calibration: " << calib_sentences << " sentences, up to " << max_length << " tokens\n\n";
    std::snprintf(line, sizeof(line), "%-48s %-6s %-12s %10s %16s %8s %9s %9s\n", "tensor", "kind",
                  "format", "amax", "scale", "clipped", "SQNR", "out SQNR");
    o << line;
    std::map<std::string, double> out_sqnr(output_sqnr_db.begin(), output_sqnr_db.end());
    for (const TensorReport& t : tensors) {
      std::string scale;
      char b[64];
      if (t.scale_min == t.scale_max) {
        std::snprintf(b, sizeof(b), "%.3g", t.scale_min);
      } else {
        std::snprintf(b, sizeof(b), "%.2g..%.2g", t.scale_min, t.scale_max);
      }
      scale = b;
      auto it = out_sqnr.find(t.node);
      const std::string out = t.kind == "weight" && it != out_sqnr.end() ? DbText(it->second) : "";
      std::snprintf(line, sizeof(line), "%-48s %-6s %-12s %10.4g %16s %7.3f%% %9s %9s\n",
                    t.tensor.substr(0, 48).c_str(), t.kind == "weight" ? "weight" : "input",
                    t.format.substr(0, 12).c_str(), t.amax, scale.c_str(), t.clipped_pct,
                    DbText(t.sqnr_db).c_str(), out.c_str());
      o << line;
    }
    // What stayed in float32, grouped by reason.
    std::map<std::string, std::vector<std::string>> by_reason;
    for (const auto& k : kept) by_reason[k.reason].push_back(k.node + " (" + k.op + ")");
    o << "\nkept in float32:\n";
    for (const auto& [reason, nodes] : by_reason) {
      o << "  " << nodes.size() << " operator" << (nodes.size() == 1 ? "" : "s") << ": " << reason
        << "\n";
      if (nodes.size() <= 4) {
        for (const std::string& n : nodes) o << "      " << n << "\n";
      }
    }
    if (eval_sentences > 0) {
      std::snprintf(line, sizeof(line),
                    "\nevaluation on %d calibration sentences: final output SQNR %s vs FP32, "
                    "argmax agreement %llu/%llu (%.1f%%)\n",
                    eval_sentences, DbText(final_sqnr_db).c_str(),
                    static_cast<unsigned long long>(eval_argmax_agree),
                    static_cast<unsigned long long>(eval_rows),
                    eval_rows ? 100.0 * static_cast<double>(eval_argmax_agree) / eval_rows : 0.0);
      o << line;
    }
  }
  std::snprintf(line, sizeof(line), "size: float32 weights %s -> model file %s (%.2fx smaller)\n",
                Mb(fp32_weight_bytes).c_str(), Mb(output_bytes).c_str(),
                output_bytes ? static_cast<double>(fp32_weight_bytes) / output_bytes : 0.0);
  o << line;
  std::snprintf(line, sizeof(line),
                "time: %.1f s (import %.1f, calibrate %.1f, quantize %.1f, evaluate %.1f, write "
                "%.1f); peak memory %.0f MB\n",
                total_s, import_s, calibrate_s, quantize_s, evaluate_s, write_s, peak_rss_mb);
  o << line;
  return o.str();
}

}  // namespace convert
}  // namespace fp8sdk
