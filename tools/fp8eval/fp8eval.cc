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
// instead of the table; --out writes it to a file as well.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"
#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"
#include "tools/common/bundled_plugins.h"
#include "tools/fp8eval/metrics.h"

namespace fp8sdk {
namespace {

struct Args {
  std::string model, data, vocab, backend = "auto", out;
  int max_length = 128, batch = 32, limit = 0, threads = 0;
  bool json = false;
};

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "fp8eval: %s\n", error);
  std::fprintf(stderr,
               "usage: fp8eval MODEL --data LABELLED.tsv [--vocab VOCAB.txt]\n"
               "               [--backend auto|cpu|vulkan|cuda|reference|all] [--max-length N]\n"
               "               [--batch N] [--limit N] [--threads N] [--json] [--out FILE.json]\n"
               "MODEL: a .fp8 model file, a Hugging Face checkpoint directory, or an .onnx file\n");
  return 2;
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

int Run(const Args& a) {
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
  std::vector<std::string> sentences = ds.sentences;
  if (a.limit > 0 && sentences.size() > static_cast<size_t>(a.limit))
    sentences.resize(static_cast<size_t>(a.limit));
  const size_t n = sentences.size();
  const Graph& g = *lg.graph;

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
  if (!a.out.empty()) std::ofstream(a.out) << j.dump(2) << "\n";
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
      if (*end || x < lo || x > hi) return false;
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
      if (!value(&a.out)) return fp8sdk::Usage("--out needs a file");
    } else if (f == "-h" || f == "--help") {
      return fp8sdk::Usage(nullptr);
    } else if (!f.empty() && f[0] == '-') {
      return fp8sdk::Usage(("unknown option " + f).c_str());
    } else if (a.model.empty()) {
      a.model = f;
    } else {
      return fp8sdk::Usage(("unexpected argument " + f).c_str());
    }
  }
  if (a.model.empty() || a.data.empty()) return fp8sdk::Usage("a model and --data are required");
  return fp8sdk::Run(a);
}
