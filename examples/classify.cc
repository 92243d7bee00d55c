// classify: sentence classification with an fp8sdk model, through the public
// C++ API (fp8sdk.hpp) and the BERT tokenizer.
//
// usage: classify MODEL.fp8 --vocab VOCAB.txt [--device auto|cpu|cuda|vulkan|reference]
//                 [--max-length N] [--batch N] (SENTENCE... | --file SENTENCES.tsv)
// Prints one line per sentence: the label, its probability, and the text;
// with --file and a labelled TSV, also the accuracy. Every argument that
// starts with "-" is an option (an unknown one is an error); after "--" every
// argument is a sentence, so `classify M.fp8 --vocab V -- "-5 stars"` works.
// Usage errors exit 2; --help prints the usage and exits 0.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fp8sdk/fp8sdk.hpp"
#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"

namespace {

constexpr const char kUsage[] =
    "usage: classify MODEL.fp8 --vocab VOCAB.txt [--device auto|cpu|cuda|vulkan|reference]\n"
    "                [--max-length 3..1048576] [--batch 1..4096]\n"
    "                (SENTENCE... | --file SENTENCES.tsv)   (-- ends the options)\n";

int Usage(const std::string& error) {
  std::fprintf(stderr, "classify: %s\n%s", error.c_str(), kUsage);
  return 2;
}

// A decimal integer in [lo, hi], nothing else ("10abc", "", " 5" are not).
bool ParseInt(const char* s, int lo, int hi, int* out) {
  if (!s || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(s, &end, 10);
  if (*end != '\0' || errno == ERANGE || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Under `bazel run`, resolve relative paths against the caller's directory.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(wd) != 0) std::perror("chdir");
  }
  std::string model_path, vocab, file;
  fp8_device_kind_t kind = FP8_DEVICE_AUTO;
  std::vector<std::string> sentences;
  int max_length = 128, batch = 32;
  bool max_length_given = false;
  bool options = true;  // until "--"
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (!options || a.size() < 2 || a[0] != '-') {  // "-" alone is not an option
      if (model_path.empty()) {
        model_path = a;
      } else {
        sentences.push_back(a);
      }
    } else if (a == "--") {
      options = false;
    } else if (a == "--vocab" || a == "--file") {
      const char* v = next();
      if (!v || !*v) return Usage(a + " needs a file");
      (a == "--vocab" ? vocab : file) = v;
    } else if (a == "--device") {
      const char* v = next();
      const std::string d = v ? v : "";
      if (d == "auto") {
        kind = FP8_DEVICE_AUTO;
      } else if (d == "cpu") {
        kind = FP8_DEVICE_CPU;
      } else if (d == "cuda") {
        kind = FP8_DEVICE_CUDA;
      } else if (d == "vulkan") {
        kind = FP8_DEVICE_VULKAN;
      } else if (d == "reference") {
        kind = FP8_DEVICE_REFERENCE;
      } else {
        return Usage("--device must be auto, cpu, cuda, vulkan or reference, got '" + d + "'");
      }
    } else if (a == "--max-length") {
      const char* v = next();
      if (!ParseInt(v, 3, 1 << 20, &max_length)) {
        return Usage("--max-length needs an integer in [3, 1048576], got '" +
                     std::string(v ? v : "") + "'");
      }
      max_length_given = true;
    } else if (a == "--batch") {
      const char* v = next();
      if (!ParseInt(v, 1, 4096, &batch)) {
        return Usage("--batch needs an integer in [1, 4096], got '" + std::string(v ? v : "") +
                     "'");
      }
    } else if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else {
      return Usage("unknown option '" + a + "' (use -- before a sentence that starts with -)");
    }
  }
  if (model_path.empty() || vocab.empty()) return Usage("a model and --vocab are required");
  if (!file.empty() && !sentences.empty()) return Usage("give sentences or --file, not both");
  std::vector<int32_t> labels;
  if (!file.empty()) {
    auto data = fp8sdk::text::ReadTextDataset(file);
    if (!data.ok()) {
      std::fprintf(stderr, "classify: %s\n", data.status().ToString().c_str());
      return 1;
    }
    sentences = data.value().sentences;
    labels = data.value().labels;
  }
  if (sentences.empty()) return Usage("no sentences");

  fp8::Model model;
  fp8::Status st = fp8::Model::Load(model_path, &model);
  if (!st.ok()) {
    std::fprintf(stderr, "classify: %s\n", st.ToString().c_str());
    return 1;
  }
  auto tok = fp8sdk::text::WordPieceTokenizer::FromVocabFile(vocab);
  if (!tok.ok()) {
    std::fprintf(stderr, "classify: %s\n", tok.status().ToString().c_str());
    return 1;
  }
  // The default length stays within the model's positions; an explicit one
  // beyond them is the session's error, naming both.
  const std::string positions = model.Metadata("limit.sequence");
  if (!max_length_given && !positions.empty()) {
    max_length = std::min<int>(max_length, std::atoi(positions.c_str()));
  }
  fp8::SessionOptions opts;
  opts.device = kind;
  opts.max_batch = batch;
  opts.max_sequence = max_length;
  fp8::Session session;
  st = fp8::Session::Create(model, opts, &session);
  if (!st.ok()) {
    std::fprintf(stderr, "classify: %s\n", st.ToString().c_str());
    return 1;
  }
  size_t correct = 0;
  for (size_t start = 0; start < sentences.size(); start += static_cast<size_t>(batch)) {
    const std::vector<std::string> chunk(
        sentences.begin() + static_cast<std::ptrdiff_t>(start),
        sentences.begin() + static_cast<std::ptrdiff_t>(
                                std::min(sentences.size(), start + static_cast<size_t>(batch))));
    fp8sdk::text::BatchOptions bo;
    bo.max_length = max_length;
    auto enc = tok.value().EncodeBatch(chunk, bo);
    if (!enc.ok()) {
      std::fprintf(stderr, "classify: %s\n", enc.status().ToString().c_str());
      return 1;
    }
    const auto& e = enc.value();
    const std::vector<int64_t> dims = {e.batch, e.seq_len};
    const size_t bytes = e.input_ids.size() * sizeof(int64_t);
    for (auto [name, data] :
         {std::pair{"input_ids", &e.input_ids}, std::pair{"token_type_ids", &e.token_type_ids},
          std::pair{"attention_mask", &e.attention_mask}}) {
      st = session.SetInput(name, FP8_DTYPE_INT64, dims, data->data(), bytes);
      if (!st.ok()) break;
    }
    if (st.ok()) st = session.Run();
    std::vector<float> logits;
    if (st.ok()) st = session.GetOutputF32("logits", &logits);
    if (!st.ok()) {
      std::fprintf(stderr, "classify: %s\n", st.ToString().c_str());
      return 1;
    }
    const size_t classes = logits.size() / chunk.size();
    for (size_t i = 0; i < chunk.size(); ++i) {
      const float* l = logits.data() + i * classes;
      size_t best = 0;
      double sum = 0;
      for (size_t k = 0; k < classes; ++k) {
        if (l[k] > l[best]) best = k;
      }
      for (size_t k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(l[k] - l[best]));
      const std::string label = model.Metadata("label." + std::to_string(best));
      const size_t idx = start + i;
      if (!labels.empty()) correct += static_cast<int32_t>(best) == labels[idx];
      if (file.empty() || sentences.size() <= 20) {
        std::printf("%-10s %.3f  %s\n",
                    label.empty() ? std::to_string(best).c_str() : label.c_str(), 1.0 / sum,
                    chunk[i].c_str());
      }
    }
  }
  if (!labels.empty()) {
    std::printf("accuracy: %zu/%zu = %.2f%%\n", correct, sentences.size(),
                100.0 * static_cast<double>(correct) / static_cast<double>(sentences.size()));
  }
  return 0;
}
