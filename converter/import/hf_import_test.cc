// Hugging Face directories (config.json + model.safetensors in F32, F16 and
// BF16) import into a graph that computes the same network; malformed
// safetensors and config files give clear errors.
#include "converter/import/hf_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "converter/testing/hf_fixture.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace convert {
namespace {

using fp8sdk::testing::MakeTinyBertInputs;
using fp8sdk::testing::MakeTinyBertWeights;
using fp8sdk::testing::TinyBertConfig;
using fp8sdk::testing::TinyBertInputs;
using fp8sdk::testing::TinyBertWeights;
using testing::MakeTempDir;
using testing::RawTensor;
using testing::RemoveTree;
using testing::WriteFile;

std::vector<float> RunLogits(const Graph& g, const TinyBertInputs& in) {
  return fp8sdk::testing::RunBertGraph(g, in);
}

TEST(HfImport, F32MatchesTheFloat64Network) {
  TinyBertConfig c;
  const TinyBertWeights w = MakeTinyBertWeights(c);
  const std::string dir = MakeTempDir();
  testing::WriteHfBert(dir, c, w, "F32");
  auto m = ImportHfDirectory(dir);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m.value()->config.hidden_size, 128);
  EXPECT_EQ(m.value()->graph.metadata.label_names,
            (std::vector<std::string>{"negative", "positive"}));
  EXPECT_EQ(m.value()->graph.metadata.source_model_sha256.size(), 64u);
  // F32 weights are used in place (no copy).
  const Graph& g = m.value()->graph;
  const TensorDesc& word =
      g.tensors[static_cast<size_t>(g.FindTensor("embeddings.word_embeddings.weight"))];
  EXPECT_NE(word.external, nullptr);
  const TinyBertInputs in = MakeTinyBertInputs(c, 3, 20, 5);
  const std::vector<float> got = RunLogits(g, in);
  const std::vector<double> want = fp8sdk::testing::TinyBertForwardFloat64(c, w, in);
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
  }
  EXPECT_LE(max_diff / max_ref, 1e-5);
  // Bit for bit the same as the test's own graph of the same network.
  EXPECT_EQ(got, RunLogits(fp8sdk::testing::BuildTinyBert(c, w), in));
  RemoveTree(dir);
}

TEST(HfImport, F16AndBf16WeightsAreConvertedExactly) {
  TinyBertConfig c;
  c.layers = 1;
  c.gelu = GeluApprox::kTanh;
  const TinyBertWeights w = MakeTinyBertWeights(c);
  for (const char* dtype : {"F16", "BF16"}) {
    TinyBertWeights rounded = w;
    for (auto& [name, v] : rounded.w) {
      for (float& x : v)
        x = std::strcmp(dtype, "F16") == 0 ? F16ToFloat(FloatToF16(x))
                                           : Bf16ToFloat(FloatToBf16(x));
    }
    const std::string dir = MakeTempDir();
    testing::WriteHfBert(dir, c, w, dtype);
    auto m = ImportHfDirectory(dir);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    const TinyBertInputs in = MakeTinyBertInputs(c, 2, 9, 1);
    EXPECT_EQ(RunLogits(m.value()->graph, in),
              RunLogits(fp8sdk::testing::BuildTinyBert(c, rounded), in))
        << dtype;
    RemoveTree(dir);
  }
}

TEST(Safetensors, MalformedFilesAreClearErrors) {
  auto parse = [](const std::vector<uint8_t>& b) {
    return SafetensorsFile::FromMemory(b.data(), b.size(), "t.safetensors").status();
  };
  auto expect = [&](const std::vector<uint8_t>& b, const std::string& needle) {
    const Status st = parse(b);
    EXPECT_FALSE(st.ok()) << needle;
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.ToString();
  };
  expect({1, 2, 3}, "too short");
  {
    std::vector<uint8_t> b(16, 0);
    const uint64_t n = 1000;
    std::memcpy(b.data(), &n, 8);
    expect(b, "header length 1000 exceeds the file");
  }
  auto with_header = [](const std::string& json, size_t data) {
    std::vector<uint8_t> b(8);
    const uint64_t n = json.size();
    std::memcpy(b.data(), &n, 8);
    b.insert(b.end(), json.begin(), json.end());
    b.resize(b.size() + data, 0);
    return b;
  };
  expect(with_header("not json", 0), "not a JSON object");
  expect(with_header(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4),
         "outside the 4-byte data section");
  expect(with_header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                         "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                     12),
         "tensors 'a' and 'b' overlap in the data section");
  expect(with_header(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
         "F32 with 3 elements needs 12 bytes, has 8");
  expect(with_header(R"({"w": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}})", 8),
         "unknown dtype 'Q7'");
  expect(with_header(R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8),
         "bad shape entry");
  expect(with_header(R"({"w": {"dtype": "F32"}})", 8), "needs dtype, shape and data_offsets");
  auto ok = SafetensorsFile::FromMemory(
      with_header(R"({"w": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}})", 4).data(),
      16, "x");
  EXPECT_FALSE(ok.ok());  // 8 + 64 header bytes: the size given is too small
}

TEST(HfImport, BadDirectoriesAndConfigs) {
  TinyBertConfig c;
  c.layers = 1;
  const TinyBertWeights w = MakeTinyBertWeights(c);
  const std::string dir = MakeTempDir();
  auto expect = [&](const std::string& needle) {
    auto m = ImportHfDirectory(dir);
    ASSERT_FALSE(m.ok()) << needle;
    EXPECT_NE(m.status().message().find(needle), std::string::npos) << m.status().ToString();
  };
  expect("has no config.json");
  testing::WriteHfBert(dir, c, w, "F32");
  auto config = nlohmann::json::parse(testing::HfConfigJson(c));
  auto write_config = [&](const nlohmann::json& j) { WriteFile(dir + "/config.json", j.dump()); };

  auto j = config;
  j.erase("hidden_size");
  write_config(j);
  expect("missing \"hidden_size\"");
  j = config;
  j["hidden_act"] = "swish";
  write_config(j);
  expect("hidden_act \"swish\" is not supported");
  j = config;
  j["position_embedding_type"] = "relative_key_query";
  write_config(j);
  expect("position_embedding_type \"relative_key_query\" is not supported");
  j = config;
  j["position_embedding_type"] = "absolute";  // the default, accepted
  write_config(j);
  EXPECT_TRUE(ImportHfDirectory(dir).ok());
  j = config;
  j["model_type"] = "roberta";
  write_config(j);
  expect("model_type \"roberta\" is not supported");
  j = config;
  j["num_attention_heads"] = 5;
  write_config(j);
  expect("not divisible by num_attention_heads 5");
  j = config;
  j["intermediate_size"] = 100;
  write_config(j);
  expect("has shape [512, 128]; config.json implies [100, 128]");
  WriteFile(dir + "/config.json", "{ broken");
  expect("not valid JSON: parse error at line 1, column 3");
  WriteFile(dir + "/config.json", "[1, 2]");
  expect("not a JSON object (a array)");
  j = config;
  j["hidden_size"] = 1099511627776LL;
  write_config(j);
  expect("\"hidden_size\" must be an integer in [-2147483648, 2147483647], got 1099511627776");
  write_config(config);
  std::remove((dir + "/model.safetensors").c_str());
  expect("has no model.safetensors");
  // Non-finite parameters are named where they are, not found later in an
  // activation during calibration.
  for (float bad : {std::numeric_limits<float>::infinity(), std::nanf("")}) {
    TinyBertWeights nonfinite = w;
    nonfinite.w["encoder.layer.0.attention.self.query.weight"][7] = bad;
    testing::WriteHfBert(dir, c, nonfinite, "F32");
    expect(std::string("weight 'encoder.layer.0.attention.self.query.weight' has a ") +
           (std::isnan(bad) ? "NaN" : "infinite") + " value at element 7");
  }
  RemoveTree(dir);
}

}  // namespace
}  // namespace convert
}  // namespace fp8sdk
