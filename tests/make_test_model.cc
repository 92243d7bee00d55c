// Writes the BERT-shaped test model (2 layers, hidden 128, random weights;
// FP8 E4M3 weights and activations with --fp8) for tests that need a file.
// --small: the same graph at hidden 16, vocabulary 64 (a few kilobytes: the
// model loader fuzzer's seed, whose inputs are capped at 1 MiB).
// Usage: make_test_model OUT.fp8 [--fp8] [--small]
#include <cstdio>
#include <cstring>

#include "formats/model_writer.h"
#include "tests/test_models.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.fp8 [--fp8] [--small]\n", argv[0]);
    return 2;
  }
  using namespace fp8sdk::testing;
  bool fp8 = false, small = false;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--fp8") == 0) {
      fp8 = true;
    } else if (std::strcmp(argv[i], "--small") == 0) {
      small = true;
    } else {
      std::fprintf(stderr, "make_test_model: unknown option '%s'\n", argv[i]);
      return 2;
    }
  }
  TinyBertConfig c;
  if (small) {
    c.vocab = 64;
    c.hidden = 16;
    c.heads = 2;
    c.intermediate = 32;
    c.max_position = 16;
  }
  const TinyBertWeights w = MakeTinyBertWeights(c);
  TinyBertQuant q;
  const fp8sdk::Status st =
      fp8sdk::WriteModelFile(BuildTinyBert(c, w, fp8 ? &q : nullptr), argv[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "make_test_model: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
