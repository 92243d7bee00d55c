#include "converter/testing/hf_fixture.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace convert {
namespace testing {

std::vector<uint8_t> SafetensorsBytes(const std::map<std::string, RawTensor>& tensors) {
  nlohmann::json h = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    h[name] = {{"dtype", t.dtype},
               {"shape", t.shape},
               {"data_offsets", {offset, offset + t.bytes.size()}}};
    offset += t.bytes.size();
  }
  h["__metadata__"] = {{"format", "pt"}};
  std::string header = h.dump();
  while ((8 + header.size()) % 8) header += ' ';
  std::vector<uint8_t> out(8);
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  out.insert(out.end(), header.begin(), header.end());
  for (const auto& [name, t] : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

std::string MakeTempDir() {
  char tmpl[] = "/tmp/fp8sdk_test_XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

void RemoveTree(const std::string& dir) {
  const std::string cmd = "rm -rf '" + dir + "'";
  if (std::system(cmd.c_str()) != 0) {
    // Best effort: a leftover temporary directory is harmless.
  }
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string HfConfigJson(const fp8sdk::testing::TinyBertConfig& c) {
  nlohmann::json j = {
      {"architectures", {"BertForSequenceClassification"}},
      {"model_type", "bert"},
      {"vocab_size", c.vocab},
      {"hidden_size", c.hidden},
      {"num_hidden_layers", c.layers},
      {"num_attention_heads", c.heads},
      {"intermediate_size", c.intermediate},
      {"hidden_act", c.gelu == GeluApprox::kErf ? "gelu" : "gelu_new"},
      {"max_position_embeddings", c.max_position},
      {"type_vocab_size", c.type_vocab},
      {"layer_norm_eps", c.layer_norm_eps},
      {"id2label", {{"0", "negative"}, {"1", "positive"}}},
      {"torch_dtype", "float32"},
  };
  return j.dump(2);
}

void WriteHfBert(const std::string& dir, const fp8sdk::testing::TinyBertConfig& c,
                 const fp8sdk::testing::TinyBertWeights& w, const std::string& dtype) {
  WriteFile(dir + "/config.json", HfConfigJson(c));
  // Shapes by name pattern.
  auto shape_of = [&](const std::string& name) -> std::vector<int64_t> {
    const int64_t h = c.hidden;
    if (name == "embeddings.word_embeddings.weight") return {c.vocab, h};
    if (name == "embeddings.position_embeddings.weight") return {c.max_position, h};
    if (name == "embeddings.token_type_embeddings.weight") return {c.type_vocab, h};
    if (name == "classifier.weight") return {c.labels, h};
    if (name == "classifier.bias") return {c.labels};
    if (name.find("intermediate.dense.weight") != std::string::npos) return {c.intermediate, h};
    if (name.find("intermediate.dense.bias") != std::string::npos) return {c.intermediate};
    if (name.find("output.dense.weight") != std::string::npos &&
        name.find("attention") == std::string::npos) {
      return {h, c.intermediate};
    }
    if (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0 &&
        name.find("LayerNorm") == std::string::npos) {
      return {h, h};
    }
    return {h};
  };
  std::map<std::string, RawTensor> tensors;
  for (const auto& [name, values] : w.w) {
    RawTensor t;
    t.dtype = dtype;
    t.shape = shape_of(name);
    if (dtype == "F32") {
      t.bytes.resize(values.size() * 4);
      std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    } else {
      t.bytes.resize(values.size() * 2);
      for (size_t i = 0; i < values.size(); ++i) {
        const uint16_t v = dtype == "F16" ? FloatToF16(values[i]) : FloatToBf16(values[i]);
        std::memcpy(t.bytes.data() + 2 * i, &v, 2);
      }
    }
    const bool head = name.rfind("classifier", 0) == 0;
    tensors[head ? name : "bert." + name] = std::move(t);
  }
  const std::vector<uint8_t> bytes = SafetensorsBytes(tensors);
  WriteFile(dir + "/model.safetensors", std::string(bytes.begin(), bytes.end()));
}

}  // namespace testing
}  // namespace convert
}  // namespace fp8sdk
