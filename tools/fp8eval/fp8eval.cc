// fp8eval: a model and a labelled data set in, metrics out, per backend.
//
// usage: fp8eval MODEL --data LABELLED.tsv [--vocab VOCAB.txt]
//                [--backend auto|cpu|vulkan|cuda|reference|all] [--max-length N] [--batch N]
//                [--limit N] [--threads N] [--json] [--out FILE.json]
//
// MODEL is a converted model file (.fp8), a Hugging Face checkpoint directory
// or an ONNX file (the last two run in FP32, as imported). Sentences are
// tokenized by the converter's WordPiece tokenizer; the vocabulary defaults to
// the checkpoint directory's vocab.txt. Integer labels: accuracy, F1 and
// Matthews correlation (argmax of the logits); numeric labels with a model of
// one output: Pearson and Spearman correlation. With --backend all every
// backend that can run the whole model is evaluated, and every pair is
// compared (label agreement, largest logit difference). --json prints JSON
// instead of the table; --out writes it to a file as well (checked before the
// work: never one of the inputs, in an existing directory; a failed write is
// an error, exit 1).
//
// --max-length defaults to 128, or the model's number of positions when that
// is smaller (the "sequence" limit in its metadata); a larger --max-length is
// an error. A data file without labelled sentences, or a class label outside
// the model's classes (the width of its logits), is an error (exit 2), as are
// other usage errors; --help prints the usage and exits 0.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "converter/import/hf_import.h"
#include "converter/import/onnx_import.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/graph_check.h"
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"
#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"
#include "tools/common/bundled_plugins.h"
#include "tools/common/output_path.h"
#include "tools/fp8eval/metrics.h"

namespace fp8sdk {
namespace {

struct Args {
  std::string model, data, vocab, backend = "auto", out;
  int max_length = 0;  // 0: not given (128, or the model's positions if fewer)
  int batch = 32, limit = 0, threads = 0;
  bool json = false;
};

constexpr int kDefaultMaxLength = 128;

constexpr const char kUsage[] =
    "usage: fp8eval MODEL --data LABELLED.tsv [--vocab VOCAB.txt]\n"
    "               [--backend auto|cpu|vulkan|cuda|reference|all] [--max-length N]\n"
    "               [--batch N] [--limit N] [--threads N] [--json] [--out FILE.json]\n"
    "MODEL: a .fp8 model file, a Hugging Face checkpoint directory, or an .onnx file\n"
    "--max-length: 2..512, default 128 or the model's positions if fewer\n";

// A usage error: the reason and the usage on stderr, exit status 2.
int Usage(const std::string& error) {
  std::fprintf(stderr, "fp8eval: %s\n%s", error.c_str(), kUsage);
  return 2;
}

// The model's limit of the "sequence" dimension (its positions) from its
// metadata, as sessions plan with it; 0 when the model declares none.
int64_t SequenceLimit(const Graph& g) {
  for (const auto& [symbol, max] : g.metadata.dim_limits) {
    if (symbol == "sequence") return max;
  }
  return 0;
}

// Values per example of the first output (the logits' width, the number of
// classes) by shape inference at batch 1; 0 when it cannot be inferred.
int OutputWidth(const Graph& g) {
  SymbolValues probe;
  for (int t : g.inputs) {
    for (const Dim& d : g.tensors[static_cast<size_t>(t)].shape) {
      if (d.IsSymbolic()) probe.Set(d.symbol, d.symbol == "batch" ? 1 : 2);
    }
  }
  std::vector<Shape> inputs, shapes;
  if (!ResolveInputShapes(g, probe, &inputs).ok() || !InferShapes(g, inputs, &shapes).ok()) {
    return 0;
  }
  const int64_t n = shapes[static_cast<size_t>(g.outputs[0])].NumElements();
  return n > 0 && n <= (1 << 30) ? static_cast<int>(n) : 0;
}

// The file's line of each sentence of a data set read from it: the lines
// before the data (a header) are those the sentences do not account for
// (ReadTextDataset allows no blank line but at the end).
size_t FirstDataLine(const std::string& path, size_t sentences) {
  std::ifstream in(path, std::ios::binary);
  std::string line;
  size_t lines = 0, last = 0;  // `last`: lines up to the last non-blank one
  while (std::getline(in, line)) {
    ++lines;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) last = lines;
  }
  return last > sentences ? last - sentences + 1 : 1;
}

// "" when the first `n` labels are classes of a model with `classes` outputs,
// else the first one that is not, as "FILE:LINE: ...".
std::string CheckLabels(const text::TextDataset& ds, size_t n, int classes,
                        const std::string& path) {
  for (size_t i = 0; i < n && i < ds.labels.size(); ++i) {
    if (ds.labels[i] >= 0 && ds.labels[i] < classes) continue;
    const size_t line = FirstDataLine(path, ds.sentences.size()) + i;
    return path + ":" + std::to_string(line) + ": label " + std::to_string(ds.labels[i]) +
           " is not a class of the model, which has " + std::to_string(classes) +
           " classes (labels 0.." + std::to_string(classes - 1) + ")";
  }
  return "";
}

bool IsDirectory(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The graph to evaluate and what keeps its weights alive.
struct LoadedGraph {
  std::unique_ptr<LoadedModel> file;
  std::unique_ptr<convert::ImportedModel> imported;
  const Graph* graph = nullptr;
  std::string kind;  // "model file", "Hugging Face checkpoint (FP32)", "ONNX (FP32)"
};

Status LoadAny(const std::string& path, LoadedGraph* out, std::string* default_vocab) {
  if (IsDirectory(path)) {
    FP8_ASSIGN_OR_RETURN(out->imported, convert::ImportHfDirectory(path));
    out->kind = "Hugging Face checkpoint (FP32)";
    *default_vocab = out->imported->vocab_path;
  } else if (EndsWith(path, ".onnx")) {
    FP8_ASSIGN_OR_RETURN(out->imported, convert::ImportOnnxFile(path));
    out->kind = "ONNX (FP32)";
    *default_vocab = out->imported->vocab_path;
  } else {
    FP8_ASSIGN_OR_RETURN(out->file, LoadedModel::LoadFile(path));
    out->kind = "model file";
  }
  out->graph = out->imported ? &out->imported->graph : &out->file->graph();
  return Status::Ok();
}

struct BackendRun {
  std::string backend, device;
  std::vector<float> outputs;  // [examples, width]
  int width = 0;
  double seconds = 0;
  std::string skipped;  // why it did not run
};

fp8_device_kind_t KindOf(const std::string& name) {
  if (name == "cpu") return FP8_DEVICE_CPU;
  if (name == "cuda") return FP8_DEVICE_CUDA;
  if (name == "vulkan") return FP8_DEVICE_VULKAN;
  if (name == "reference") return FP8_DEVICE_REFERENCE;
  return FP8_DEVICE_AUTO;
}

// Runs every sentence through a session on `device` (strict unless auto).
BackendRun RunAll(const Graph& g, const text::WordPieceTokenizer& tok,
                  const std::vector<std::string>& sentences, const Args& a,
                  const std::string& backend, fp8_device_kind_t device) {
  BackendRun r;
  r.backend = backend;
  SessionOptions o;
  o.device = device;
  o.strict_device = device != FP8_DEVICE_AUTO;
  o.max_batch = a.batch;
  o.max_sequence = a.max_length;
  o.num_threads = a.threads;
  auto s = Session::Create(g, o);
  if (!s.ok()) {
    r.skipped = s.status().ToString();
    return r;
  }
  Session& session = *s.value();
  std::vector<std::string> used;
  for (const std::string& b : session.NodeBackends()) {
    if (std::find(used.begin(), used.end(), b) == used.end()) used.push_back(b);
  }
  for (const std::string& b : used) r.device += (r.device.empty() ? "" : "+") + b;
  const std::string out_name = g.tensors[static_cast<size_t>(g.outputs[0])].name;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t start = 0; start < sentences.size(); start += static_cast<size_t>(a.batch)) {
    const size_t end = std::min(sentences.size(), start + static_cast<size_t>(a.batch));
    const std::vector<std::string> chunk(sentences.begin() + static_cast<std::ptrdiff_t>(start),
                                         sentences.begin() + static_cast<std::ptrdiff_t>(end));
    text::BatchOptions bo;
    bo.max_length = a.max_length;
    auto enc = tok.EncodeBatch(chunk, bo);
    if (!enc.ok()) {
      r.skipped = enc.status().ToString();
      return r;
    }
    const auto& e = enc.value();
    const int64_t dims[2] = {e.batch, e.seq_len};
    const size_t bytes = e.input_ids.size() * sizeof(int64_t);
    Status st;
    for (int t : g.inputs) {
      const std::string& name = g.tensors[static_cast<size_t>(t)].name;
      const std::vector<int64_t>* v = name == "input_ids"        ? &e.input_ids
                                      : name == "token_type_ids" ? &e.token_type_ids
                                      : name == "attention_mask" ? &e.attention_mask
                                                                 : nullptr;
      if (!v) {
        r.skipped = "model input '" + name + "' is not a BERT input";
        return r;
      }
      st = session.SetInput(name, DType::kINT64, dims, 2, v->data(), bytes);
      if (!st.ok()) break;
    }
    if (st.ok()) st = session.Run();
    TensorView view;
    if (st.ok()) st = session.GetOutput(out_name, &view);
    if (!st.ok()) {
      r.skipped = "sentences " + std::to_string(start) + ".." + std::to_string(end - 1) + ": " +
                  st.ToString();
      return r;
    }
    const float* p = static_cast<const float*>(view.data);
    const size_t n = view.size_bytes / sizeof(float);
    r.width = static_cast<int>(n / chunk.size());
    r.outputs.insert(r.outputs.end(), p, p + n);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

nlohmann::json Metrics(const BackendRun& r, const text::TextDataset& ds, size_t n) {
  nlohmann::json j = {{"backend", r.backend}, {"device", r.device}, {"seconds", r.seconds}};
  if (r.width == 1) {
    std::vector<double> pred(n), gold(n);
    for (size_t i = 0; i < n; ++i) {
      pred[i] = r.outputs[i];
      gold[i] = ds.label_values[i];
    }
    j["pearson"] = eval::Pearson(pred, gold);
    j["spearman"] = eval::Spearman(pred, gold);
    return j;
  }
  std::vector<int32_t> pred(n),
      gold(ds.labels.begin(), ds.labels.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const float* row = r.outputs.data() + i * static_cast<size_t>(r.width);
    pred[i] = static_cast<int32_t>(std::max_element(row, row + r.width) - row);
  }
  const eval::ClassificationMetrics m = eval::Classify(pred, gold, r.width);
  j["accuracy"] = m.accuracy;
  j["f1"] = m.f1;
  j["mcc"] = m.mcc;
  return j;
}

int Run(Args a) {
  // The output file first: a typo should not cost a whole evaluation.
  std::string why = a.out.empty() ? "" : tools::CheckOutputPath(a.out, {a.model, a.data, a.vocab});
  if (!why.empty()) {
    std::fprintf(stderr, "fp8eval: %s\n", why.c_str());
    return 1;
  }
  LoadedGraph lg;
  std::string vocab = a.vocab;
  std::string default_vocab;
  Status st = LoadAny(a.model, &lg, &default_vocab);
  if (!st.ok()) {
    std::fprintf(stderr, "fp8eval: %s\n", st.ToString().c_str());
    return 1;
  }
  if (vocab.empty()) vocab = default_vocab;
  if (vocab.empty()) {
    std::fprintf(stderr, "fp8eval: the model has no vocabulary with it: give --vocab\n");
    return 2;
  }
  if (!a.out.empty() && vocab != a.vocab) {  // the vocabulary beside the model
    why = tools::CheckOutputPath(a.out, {vocab});
    if (!why.empty()) {
      std::fprintf(stderr, "fp8eval: %s\n", why.c_str());
      return 1;
    }
  }
  const Graph& g = *lg.graph;
  const int64_t positions = SequenceLimit(g);
  if (a.max_length == 0) {
    a.max_length = positions > 0 && positions < kDefaultMaxLength ? static_cast<int>(positions)
                                                                  : kDefaultMaxLength;
  } else if (positions > 0 && a.max_length > positions) {
    std::fprintf(stderr, "fp8eval: --max-length %d exceeds the model's %lld positions\n",
                 a.max_length, static_cast<long long>(positions));
    return 2;
  }
  auto tok = text::WordPieceTokenizer::FromVocabFile(vocab);
  if (!tok.ok()) {
    std::fprintf(stderr, "fp8eval: %s\n", tok.status().ToString().c_str());
    return 1;
  }
  auto data = text::ReadTextDataset(a.data);
  if (!data.ok()) {
    std::fprintf(stderr, "fp8eval: %s\n", data.status().ToString().c_str());
    return 1;
  }
  const text::TextDataset& ds = data.value();
  if (!ds.has_labels) {
    std::fprintf(stderr, "fp8eval: %s has no label column\n", a.data.c_str());
    return 2;
  }
  if (ds.sentences.empty()) {
    std::fprintf(stderr, "fp8eval: %s has no labelled sentences\n", a.data.c_str());
    return 2;
  }
  std::vector<std::string> sentences = ds.sentences;
  if (a.limit > 0 && sentences.size() > static_cast<size_t>(a.limit))
    sentences.resize(static_cast<size_t>(a.limit));
  const size_t n = sentences.size();
  // Class labels against the model's classes before running (again after
  // each run, with the width the backend produced).
  if (const int width = OutputWidth(g); width > 1) {
    if (!ds.integer_labels) {
      std::fprintf(stderr, "fp8eval: the model has %d outputs but the labels are not classes\n",
                   width);
      return 2;
    }
    why = CheckLabels(ds, n, width, a.data);
    if (!why.empty()) {
      std::fprintf(stderr, "fp8eval: %s\n", why.c_str());
      return 2;
    }
  }

  std::vector<std::pair<std::string, fp8_device_kind_t>> targets;
  if (a.backend == "all") {
    for (const BackendEntry& e : BackendRegistry::Global().Backends()) {
      targets.push_back({e.vtable->name, e.vtable->kind});
    }
  } else {
    targets.push_back({a.backend, KindOf(a.backend)});
  }
  std::vector<BackendRun> runs;
  for (const auto& [name, kind] : targets) {
    if (!a.json) std::fprintf(stderr, "fp8eval: %s ...\n", name.c_str());
    runs.push_back(RunAll(g, tok.value(), sentences, a, name, kind));
  }
  nlohmann::json results = nlohmann::json::array(), skipped = nlohmann::json::array();
  std::vector<const BackendRun*> ok;
  for (const BackendRun& r : runs) {
    if (!r.skipped.empty()) {
      skipped.push_back({{"backend", r.backend}, {"reason", r.skipped}});
      continue;
    }
    if (r.width == 1 && !ds.label_values.empty()) {
      // regression
    } else if (r.width > 1 && !ds.integer_labels) {
      std::fprintf(stderr, "fp8eval: the model has %d outputs but the labels are not classes\n",
                   r.width);
      return 2;
    } else if (r.width > 1) {
      why = CheckLabels(ds, n, r.width, a.data);
      if (!why.empty()) {
        std::fprintf(stderr, "fp8eval: %s\n", why.c_str());
        return 2;
      }
    }
    results.push_back(Metrics(r, ds, n));
    ok.push_back(&r);
  }
  // Every pair of backends on the same inputs.
  nlohmann::json agreement = nlohmann::json::array();
  for (size_t i = 0; i < ok.size(); ++i) {
    for (size_t j = i + 1; j < ok.size(); ++j) {
      const BackendRun &x = *ok[i], &y = *ok[j];
      if (x.outputs.size() != y.outputs.size() || x.width != y.width) continue;
      double max_diff = 0, max_ref = 0;
      size_t same = 0;
      for (size_t e = 0; e < n; ++e) {
        const float* xr = x.outputs.data() + e * static_cast<size_t>(x.width);
        const float* yr = y.outputs.data() + e * static_cast<size_t>(y.width);
        same +=
            (std::max_element(xr, xr + x.width) - xr) == (std::max_element(yr, yr + y.width) - yr);
        for (int c = 0; c < x.width; ++c) {
          max_diff = std::max(max_diff, std::fabs(static_cast<double>(xr[c]) - yr[c]));
          max_ref = std::max(max_ref, std::fabs(static_cast<double>(xr[c])));
        }
      }
      agreement.push_back({{"a", x.backend},
                           {"b", y.backend},
                           {"label_agreement", static_cast<double>(same) / static_cast<double>(n)},
                           {"max_logit_diff", max_diff},
                           {"max_logit_diff_relative", max_ref > 0 ? max_diff / max_ref : 0.0}});
    }
  }
  nlohmann::json j = {{"model", a.model},   {"model_kind", lg.kind},  {"operators", g.nodes.size()},
                      {"data", a.data},     {"examples", n},          {"max_length", a.max_length},
                      {"results", results}, {"agreement", agreement}, {"skipped", skipped}};
  if (!results.empty()) {  // the first backend's metrics at the top level too
    for (const char* k : {"accuracy", "f1", "mcc", "pearson", "spearman"}) {
      if (results[0].contains(k)) j[k] = results[0][k];
    }
  }
  // Results are printed even when the file cannot be written.
  const std::string write_error =
      a.out.empty() ? "" : tools::WriteTextFile(a.out, j.dump(2) + "\n");
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("model: %s (%s, %zu operators)\n", a.model.c_str(), lg.kind.c_str(),
                g.nodes.size());
    std::printf("data:  %s (%zu labelled sentences, max length %d)\n", a.data.c_str(), n,
                a.max_length);
    const bool regression = !ok.empty() && ok[0]->width == 1;
    if (regression) {
      std::printf("%-10s %-26s %9s %9s %9s\n", "backend", "ran on", "pearson", "spearman",
                  "seconds");
    } else {
      std::printf("%-10s %-26s %9s %9s %9s %9s\n", "backend", "ran on", "accuracy", "F1", "MCC",
                  "seconds");
    }
    for (const auto& r : results) {
      if (regression) {
        std::printf("%-10s %-26s %9.4f %9.4f %9.2f\n", r["backend"].get<std::string>().c_str(),
                    r["device"].get<std::string>().c_str(), r["pearson"].get<double>(),
                    r["spearman"].get<double>(), r["seconds"].get<double>());
      } else {
        std::printf("%-10s %-26s %9.4f %9.4f %9.4f %9.2f\n",
                    r["backend"].get<std::string>().c_str(), r["device"].get<std::string>().c_str(),
                    r["accuracy"].get<double>(), r["f1"].get<double>(), r["mcc"].get<double>(),
                    r["seconds"].get<double>());
      }
    }
    for (const auto& s : skipped) {
      std::printf("%-10s skipped: %s\n", s["backend"].get<std::string>().c_str(),
                  s["reason"].get<std::string>().c_str());
    }
    for (const auto& p : agreement) {
      std::printf(
          "agreement %s vs %s: labels %.2f%%, max |logit diff| %.3g (%.3g of max |logit|)\n",
          p["a"].get<std::string>().c_str(), p["b"].get<std::string>().c_str(),
          100.0 * p["label_agreement"].get<double>(), p["max_logit_diff"].get<double>(),
          p["max_logit_diff_relative"].get<double>());
    }
  }
  if (!write_error.empty()) {
    std::fprintf(stderr, "fp8eval: %s\n", write_error.c_str());
    return 1;
  }
  return results.empty() ? 1 : 0;
}

}  // namespace
}  // namespace fp8sdk

int main(int argc, char** argv) {
  fp8sdk::tools::UseBundledPlugins();
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(wd) != 0) std::perror("chdir");
  }
  fp8sdk::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    auto number = [&](int lo, int hi, int* out) {
      std::string v;
      if (!value(&v)) return false;
      char* end = nullptr;
      const long x = std::strtol(v.c_str(), &end, 10);
      if (end == v.c_str() || *end || x < lo || x > hi) return false;
      *out = static_cast<int>(x);
      return true;
    };
    if (f == "--data") {
      if (!value(&a.data)) return fp8sdk::Usage("--data needs a file");
    } else if (f == "--vocab") {
      if (!value(&a.vocab)) return fp8sdk::Usage("--vocab needs a file");
    } else if (f == "--backend") {
      if (!value(&a.backend)) return fp8sdk::Usage("--backend needs a name");
      const std::string& b = a.backend;
      if (b != "auto" && b != "cpu" && b != "vulkan" && b != "cuda" && b != "reference" &&
          b != "all") {
        return fp8sdk::Usage("--backend must be auto, cpu, vulkan, cuda, reference or all");
      }
    } else if (f == "--max-length") {
      if (!number(2, 512, &a.max_length)) return fp8sdk::Usage("--max-length needs 2..512");
    } else if (f == "--batch") {
      if (!number(1, 4096, &a.batch)) return fp8sdk::Usage("--batch needs 1..4096");
    } else if (f == "--limit") {
      if (!number(1, 1 << 30, &a.limit)) return fp8sdk::Usage("--limit needs a positive count");
    } else if (f == "--threads") {
      if (!number(1, 1024, &a.threads)) return fp8sdk::Usage("--threads needs 1..1024");
    } else if (f == "--json") {
      a.json = true;
    } else if (f == "--out") {
      if (!value(&a.out) || a.out.empty()) return fp8sdk::Usage("--out needs a file");
    } else if (f == "-h" || f == "--help") {
      std::printf("%s", fp8sdk::kUsage);
      return 0;
    } else if (!f.empty() && f[0] == '-') {
      return fp8sdk::Usage("unknown option " + f);
    } else if (a.model.empty()) {
      a.model = f;
    } else {
      return fp8sdk::Usage("unexpected argument " + f);
    }
  }
  if (a.model.empty() || a.data.empty()) return fp8sdk::Usage("a model and --data are required");
  return fp8sdk::Run(a);
}
