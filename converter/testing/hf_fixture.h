// Test-only: writes safetensors files and Hugging Face BERT directories.
#ifndef FP8SDK_CONVERTER_TESTING_HF_FIXTURE_H_
#define FP8SDK_CONVERTER_TESTING_HF_FIXTURE_H_

#include <map>
#include <string>
#include <vector>

#include "tests/test_models.h"

namespace fp8sdk {
namespace convert {
namespace testing {

struct RawTensor {
  std::string dtype;  // "F32", "F16", "BF16"
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

// Serializes tensors in safetensors format (header padded to 8 bytes).
std::vector<uint8_t> SafetensorsBytes(const std::map<std::string, RawTensor>& tensors);

// A fresh temporary directory (removed by the caller with RemoveTree).
std::string MakeTempDir();
void RemoveTree(const std::string& dir);
void WriteFile(const std::string& path, const std::string& bytes);

// Writes config.json and model.safetensors for the test BERT with weights in
// `dtype` ("F32", "F16", "BF16") under Hugging Face names ("bert." prefix).
void WriteHfBert(const std::string& dir, const fp8sdk::testing::TinyBertConfig& c,
                 const fp8sdk::testing::TinyBertWeights& w, const std::string& dtype);

// The config.json text for `c`.
std::string HfConfigJson(const fp8sdk::testing::TinyBertConfig& c);

}  // namespace testing
}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_TESTING_HF_FIXTURE_H_
