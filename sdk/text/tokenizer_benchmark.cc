// Tokenization speed: sentences per second through EncodeBatch.
// Usage: tokenizer_benchmark [VOCAB [DATASET]]   (defaults under $FP8SDK_DATA:
// vocab/bert-base-uncased-vocab.txt and sst2/dev.tsv)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"

int main(int argc, char** argv) {
  const char* data = std::getenv("FP8SDK_DATA");
  const std::string base = data != nullptr ? data : "../shared/data";
  const std::string vocab = argc > 1 ? argv[1] : base + "/vocab/bert-base-uncased-vocab.txt";
  const std::string dataset = argc > 2 ? argv[2] : base + "/sst2/dev.tsv";
  auto tokenizer = fp8sdk::text::WordPieceTokenizer::FromVocabFile(vocab);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "%s\n", tokenizer.status().ToString().c_str());
    return 1;
  }
  auto ds = fp8sdk::text::ReadTextDataset(dataset);
  if (!ds.ok()) {
    std::fprintf(stderr, "%s\n", ds.status().ToString().c_str());
    return 1;
  }
  const size_t n = ds->sentences.size();
  size_t bytes = 0;
  for (const std::string& s : ds->sentences) bytes += s.size();
  double best = 1e30;
  int64_t tokens = 0;
  for (int rep = 0; rep < 10; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    auto batch = tokenizer->EncodeBatch(ds->sentences);
    const auto t1 = std::chrono::steady_clock::now();
    if (!batch.ok()) return 1;
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
    tokens = 0;
    for (int64_t m : batch->attention_mask) tokens += m;
  }
  std::printf("%s: %zu sentences, %zu bytes, %lld tokens (with [CLS]/[SEP])\n", dataset.c_str(), n,
              bytes, static_cast<long long>(tokens));
  std::printf("EncodeBatch: %.3f ms = %.0f sentences/s = %.1f MB/s (best of 10, one thread)\n",
              best * 1e3, n / best, bytes / best / 1e6);
  return 0;
}
