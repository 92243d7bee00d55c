// FP32 outputs of the fp8sdk runtime match ONNX Runtime's (npm
// onnxruntime-node, CPU) on every SST-2 dev sentence, for the committed demo
// model imported from ONNX and from its Hugging Face directory: max |logit
// difference| <= 1e-4. Skips (with the reason) where the data, node or the
// npm package is missing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "converter/import/hf_import.h"
#include "converter/import/onnx_import.h"
#include "sdk/runtime/session.h"
#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

const char kModelDir[] = "models/sst2_tiny";

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

struct Batches {
  std::vector<text::EncodedBatch> batches;
  std::vector<int32_t> labels;
};

std::vector<float> RunOurs(const Graph& g, const text::EncodedBatch& b) {
  SessionOptions o;
  o.max_batch = b.batch;
  o.max_sequence = b.seq_len;
  auto s = Session::Create(g, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  EXPECT_TRUE(testing::SetBertInputs(s.value().get(), b.batch, b.seq_len, b.input_ids.data(),
                                     b.token_type_ids.data(), b.attention_mask.data())
                  .ok());
  EXPECT_TRUE(s.value()->Run().ok());
  TensorView v;
  EXPECT_TRUE(s.value()->GetOutput("logits", &v).ok());
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / 4);
}

TEST(OrtCompare, Sst2DevLogitsMatchOnnxRuntime) {
  const std::string data = Env("FP8SDK_DATA"), modules = Env("FP8SDK_NODE_MODULES");
  const std::string dev = data + "/sst2/dev.tsv",
                    vocab = data + "/vocab/bert-base-uncased-vocab.txt";
  if (data.empty() || !Exists(dev) || !Exists(vocab))
    GTEST_SKIP() << "SST-2 data not found (set FP8SDK_DATA)";
  if (modules.empty() || !Exists(modules + "/onnxruntime-node")) {
    GTEST_SKIP() << "onnxruntime-node not installed (tools/setup.sh installs it)";
  }
  if (std::system("node --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "node not found";
  ASSERT_TRUE(Exists(std::string(kModelDir) + "/model.onnx")) << "the demo model is missing";

  auto onnx = convert::ImportOnnxFile(std::string(kModelDir) + "/model.onnx");
  ASSERT_TRUE(onnx.ok()) << onnx.status().ToString();
  auto hf = convert::ImportHfDirectory(kModelDir);
  ASSERT_TRUE(hf.ok()) << hf.status().ToString();

  auto tok = text::WordPieceTokenizer::FromVocabFile(vocab);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  auto ds = text::ReadTextDataset(dev);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  const auto& sentences = ds.value().sentences;
  ASSERT_EQ(sentences.size(), 872u);

  nlohmann::json inputs;
  inputs["batches"] = nlohmann::json::array();
  std::vector<std::vector<float>> ours_onnx, ours_hf;
  std::vector<int64_t> batch_sizes;
  for (size_t start = 0; start < sentences.size(); start += 32) {
    const std::vector<std::string> chunk(
        sentences.begin() + static_cast<std::ptrdiff_t>(start),
        sentences.begin() + static_cast<std::ptrdiff_t>(std::min(sentences.size(), start + 32)));
    text::BatchOptions bo;
    bo.max_length = 128;
    auto e = tok.value().EncodeBatch(chunk, bo);
    ASSERT_TRUE(e.ok());
    const text::EncodedBatch& b = e.value();
    inputs["batches"].push_back({{"batch", b.batch},
                                 {"sequence", b.seq_len},
                                 {"input_ids", b.input_ids},
                                 {"token_type_ids", b.token_type_ids},
                                 {"attention_mask", b.attention_mask}});
    ours_onnx.push_back(RunOurs(onnx.value()->graph, b));
    ours_hf.push_back(RunOurs(hf.value()->graph, b));
    batch_sizes.push_back(b.batch);
  }
  const std::string tmp = Env("TEST_TMPDIR").empty() ? "/tmp" : Env("TEST_TMPDIR");
  const std::string in_path = tmp + "/ort_inputs.json", out_path = tmp + "/ort_outputs.json";
  std::ofstream(in_path) << inputs.dump();
  const std::string cmd = "node tools/npm/ort_run.js " + std::string(kModelDir) + "/model.onnx " +
                          in_path + " " + out_path;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream out_file(out_path);
  const nlohmann::json out = nlohmann::json::parse(out_file);
  ASSERT_EQ(out["outputs"].size(), ours_onnx.size());
  double max_diff = 0;
  size_t correct = 0, row = 0;
  for (size_t b = 0; b < ours_onnx.size(); ++b) {
    const auto& ort = out["outputs"][b];
    ASSERT_EQ(ort.size(), ours_onnx[b].size());
    EXPECT_EQ(ours_onnx[b], ours_hf[b]) << "ONNX and safetensors imports disagree in batch " << b;
    for (size_t i = 0; i < ort.size(); ++i) {
      max_diff = std::max(max_diff, std::fabs(ort[i].get<double>() - ours_onnx[b][i]));
    }
    for (int64_t r = 0; r < batch_sizes[b]; ++r, ++row) {
      const float* l = ours_onnx[b].data() + 2 * r;
      correct += static_cast<int32_t>(l[1] > l[0]) == ds.value().labels[row];
    }
  }
  std::printf("SST-2 dev: %zu sentences, max |ours - ONNX Runtime| = %.3g, FP32 accuracy %.2f%%\n",
              row, max_diff, 100.0 * static_cast<double>(correct) / static_cast<double>(row));
  EXPECT_LE(max_diff, 1e-4);
}

}  // namespace
}  // namespace fp8sdk
