// classify: sentence classification with an fp8sdk model, through the public
// C++ API (fp8sdk.hpp) and the BERT tokenizer.
//
// usage: classify MODEL.fp8 --vocab VOCAB.txt [--device auto|cpu|cuda|vulkan|reference]
//                 [--max-length N] (SENTENCE... | --file SENTENCES.tsv)
// Prints one line per sentence: the label, its probability, and the text;
// with --file and a labelled TSV, also the accuracy.
#include <unistd.h>

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

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "classify: %s\n", error);
  std::fprintf(stderr,
               "usage: classify MODEL.fp8 --vocab VOCAB.txt [--device D] [--max-length N]\n"
               "                [--batch N] (SENTENCE... | --file SENTENCES.tsv)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Under `bazel run`, resolve relative paths against the caller's directory.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(wd) != 0) std::perror("chdir");
  }
  std::string model_path, vocab, file, device = "auto";
  std::vector<std::string> sentences;
  int max_length = 128, batch = 32;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "--vocab") {
      const char* v = next();
      if (!v) return Usage("--vocab needs a file");
      vocab = v;
    } else if (a == "--file") {
      const char* v = next();
      if (!v) return Usage("--file needs a file");
      file = v;
    } else if (a == "--device") {
      const char* v = next();
      if (!v) return Usage("--device needs a value");
      device = v;
    } else if (a == "--max-length" || a == "--batch") {
      const char* v = next();
      const int n = v ? std::atoi(v) : 0;
      if (n < (a == "--batch" ? 1 : 3)) return Usage("--max-length must be >= 3 and --batch >= 1");
      (a == "--batch" ? batch : max_length) = n;
    } else if (a == "-h" || a == "--help") {
      return Usage(nullptr);
    } else if (model_path.empty()) {
      model_path = a;
    } else {
      sentences.push_back(a);
    }
  }
  if (model_path.empty() || vocab.empty()) return Usage("a model and --vocab are required");
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
  const fp8_device_kind_t kind = device == "cpu"         ? FP8_DEVICE_CPU
                                 : device == "cuda"      ? FP8_DEVICE_CUDA
                                 : device == "vulkan"    ? FP8_DEVICE_VULKAN
                                 : device == "reference" ? FP8_DEVICE_REFERENCE
                                                         : FP8_DEVICE_AUTO;

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
