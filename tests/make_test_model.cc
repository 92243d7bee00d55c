// Writes the BERT-shaped test model (2 layers, hidden 128, random weights;
// FP8 E4M3 weights and activations with --fp8) for tests that need a file.
// Usage: make_test_model OUT.fp8 [--fp8]
#include <cstdio>
#include <cstring>

#include "formats/model_writer.h"
#include "tests/test_models.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.fp8 [--fp8]\n", argv[0]);
    return 2;
  }
  using namespace fp8sdk::testing;
  const TinyBertConfig c;
  const TinyBertWeights w = MakeTinyBertWeights(c);
  TinyBertQuant q;
  const bool fp8 = argc > 2 && std::strcmp(argv[2], "--fp8") == 0;
  const fp8sdk::Status st =
      fp8sdk::WriteModelFile(BuildTinyBert(c, w, fp8 ? &q : nullptr), argv[1]);
  if (!st.ok()) {
    std::fprintf(stderr, "make_test_model: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
