// The conversion pipeline end to end on a Hugging Face directory: FP8 (and
// INT8, E5M2, percentile, MSE, format search, attention) models load, run
// and stay close to FP32; the report says what was quantized and kept;
// calibration is deterministic.
#include "converter/convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "converter/report.h"
#include "converter/testing/hf_fixture.h"
#include "sdk/runtime/model_loader.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace convert {
namespace {

using fp8sdk::testing::TinyBertConfig;
using fp8sdk::testing::TinyBertInputs;

class ConvertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    weights_ = fp8sdk::testing::MakeTinyBertWeights(config_);
    testing::WriteHfBert(dir_, config_, weights_, "F32");
    // Pre-tokenized calibration sentences of varying length.
    std::mt19937 rng(4);
    std::string ids;
    for (int s = 0; s < 40; ++s) {
      ids += "101";
      const int len = 5 + static_cast<int>(rng() % 30);
      for (int i = 0; i < len; ++i) ids += " " + std::to_string(rng() % 1000);
      ids += " 102\n";
    }
    testing::WriteFile(dir_ + "/calib.ids", ids);
  }
  void TearDown() override { testing::RemoveTree(dir_); }

  ConvertOptions Options(const std::string& out) {
    ConvertOptions o;
    o.input = dir_;
    o.output = dir_ + "/" + out;
    o.calib = dir_ + "/calib.ids";
    o.calib_is_ids = true;
    o.samples = 32;
    o.batch = 8;
    o.eval_samples = 16;
    o.threads = 2;
    return o;
  }

  std::vector<float> RunFile(const std::string& path, const TinyBertInputs& in) {
    auto m = LoadedModel::LoadFile(path);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (!m.ok()) return {};
    return fp8sdk::testing::RunBertGraph(m.value()->graph(), in);
  }

  TinyBertConfig config_;
  fp8sdk::testing::TinyBertWeights weights_;
  std::string dir_;
};

double RelErr(const std::vector<float>& a, const std::vector<float>& ref) {
  double m = 0, d = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(ref[i])));
    d = std::max(d, std::fabs(static_cast<double>(a[i]) - ref[i]));
  }
  return d / m;
}

TEST_F(ConvertTest, DefaultRecipeQuantizesEncoderLinearsToE4M3) {
  ConvertOptions o = Options("e4m3.fp8");
  o.report_json = dir_ + "/report.json";
  ConvertReport r;
  const Status st = RunConvert(o, &r);
  ASSERT_TRUE(st.ok()) << st.ToString();
  // 2 layers x (6 weights + 4 distinct activation inputs: Q/K/V share one).
  EXPECT_EQ(r.tensors.size(), 20u);
  for (const TensorReport& t : r.tensors) {
    EXPECT_EQ(t.format, "E4M3") << t.tensor;
    EXPECT_GT(t.sqnr_db, 15.0) << t.tensor;
  }
  EXPECT_EQ(r.output_sqnr_db.size(), 12u);
  EXPECT_GT(r.final_sqnr_db, 10.0);
  EXPECT_GT(r.eval_rows, 0u);
  EXPECT_LT(r.output_bytes, r.fp32_weight_bytes);
  bool kept_ln = false, kept_head = false;
  for (const auto& k : r.kept) {
    kept_ln |= k.op == "LAYER_NORM";
    kept_head |= k.node == "classifier";
  }
  EXPECT_TRUE(kept_ln);
  EXPECT_TRUE(kept_head);
  // The file loads, its linears are E4M3, and it runs close to FP32.
  auto m = LoadedModel::LoadFile(o.output);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const Graph& g = m.value()->graph();
  int fp8 = 0;
  for (const Node& n : g.nodes) {
    if (n.type != OpType::kLINEAR) continue;
    const TensorDesc& w = g.tensors[static_cast<size_t>(n.inputs[1])];
    if (w.dtype == DType::kFP8_E4M3) {
      ++fp8;
      EXPECT_TRUE(n.attrs.input_quant.enabled);
      EXPECT_EQ(w.quant.axis, 0);
    }
  }
  EXPECT_EQ(fp8, 12);
  EXPECT_EQ(g.metadata.producer, "fp8conv");
  EXPECT_EQ(g.metadata.calibration.method, "minmax");
  EXPECT_EQ(g.metadata.calibration.num_samples, 32u);
  const TinyBertInputs in = fp8sdk::testing::MakeTinyBertInputs(config_, 3, 20, 8);
  const std::vector<float> ref =
      fp8sdk::testing::RunBertGraph(fp8sdk::testing::BuildTinyBert(config_, weights_), in);
  EXPECT_LT(RelErr(RunFile(o.output, in), ref), 0.2);
  // The JSON report parses and carries the same rows.
  std::ifstream js(o.report_json);
  const auto j = nlohmann::json::parse(js);
  EXPECT_EQ(j["tensors"].size(), 20u);
  EXPECT_EQ(j["recipe"]["dtype"], "fp8_e4m3");
  EXPECT_FALSE(r.ToTable().empty());
}

TEST_F(ConvertTest, CalibrationIsDeterministic) {
  ConvertOptions a = Options("a.fp8"), b = Options("b.fp8");
  ASSERT_TRUE(RunConvert(a, nullptr).ok());
  ASSERT_TRUE(RunConvert(b, nullptr).ok());
  std::ifstream fa(a.output, std::ios::binary), fb(b.output, std::ios::binary);
  const std::string sa((std::istreambuf_iterator<char>(fa)), {}),
      sb((std::istreambuf_iterator<char>(fb)), {});
  EXPECT_EQ(sa, sb);
}

TEST_F(ConvertTest, RecipeOptions) {
  const TinyBertInputs in = fp8sdk::testing::MakeTinyBertInputs(config_, 2, 16, 3);
  const std::vector<float> ref =
      fp8sdk::testing::RunBertGraph(fp8sdk::testing::BuildTinyBert(config_, weights_), in);
  struct Variant {
    const char* name;
    void (*set)(ConvertOptions*);
    size_t tensors;
  };
  const Variant variants[] = {
      {"int8", [](ConvertOptions* o) { o->quant.dtype = DType::kINT8; }, 20},
      {"e5m2", [](ConvertOptions* o) { o->quant.dtype = DType::kFP8_E5M2; }, 20},
      {"per-tensor", [](ConvertOptions* o) { o->quant.per_channel_weights = false; }, 20},
      {"weight-only", [](ConvertOptions* o) { o->quant.quantize_activations = false; }, 12},
      {"percentile", [](ConvertOptions* o) { o->quant.method = CalibMethod::kPercentile; }, 20},
      {"mse", [](ConvertOptions* o) { o->quant.method = CalibMethod::kMse; }, 20},
      {"search-format", [](ConvertOptions* o) { o->quant.search_format = true; }, 20},
      // + Q, K, V heads and the probabilities per layer.
      {"attention", [](ConvertOptions* o) { o->quant.attention = true; }, 28},
      // + pooler and classifier weights and inputs.
      {"head", [](ConvertOptions* o) { o->quant.head = true; }, 24},
      // + the word-embedding table.
      {"embeddings", [](ConvertOptions* o) { o->quant.embeddings = true; }, 21},
      {"keep-first", [](ConvertOptions* o) { o->quant.keep_first = 1; }, 10},
      {"skip", [](ConvertOptions* o) { o->quant.skip = {"intermediate"}; }, 16},
  };
  for (const Variant& v : variants) {
    ConvertOptions o = Options(std::string(v.name) + ".fp8");
    v.set(&o);
    ConvertReport r;
    const Status st = RunConvert(o, &r);
    ASSERT_TRUE(st.ok()) << v.name << ": " << st.ToString();
    EXPECT_EQ(r.tensors.size(), v.tensors) << v.name;
    const std::vector<float> got = RunFile(o.output, in);
    ASSERT_EQ(got.size(), ref.size()) << v.name;
    EXPECT_LT(RelErr(got, ref), 0.3) << v.name;
  }
}

TEST_F(ConvertTest, ClearErrors) {
  auto expect = [&](ConvertOptions o, const std::string& needle) {
    const Status st = RunConvert(o, nullptr);
    EXPECT_FALSE(st.ok()) << needle;
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.ToString();
  };
  ConvertOptions o = Options("x.fp8");
  o.calib = "";
  expect(o, "calibration data is required");
  o = Options("x.fp8");
  o.calib = dir_ + "/missing.ids";
  expect(o, "cannot read calibration ids");
  testing::WriteFile(dir_ + "/bad.ids", "101 5 99999 102\n");
  o.calib = dir_ + "/bad.ids";
  expect(o, "'99999' is not a token id in [0, 1000)");
  o = Options("x.fp8");
  o.input = dir_ + "/nope.onnx";
  expect(o, "cannot read ONNX file");
  o = Options("x.fp8");
  o.calib_is_ids = false;
  expect(o, "no vocabulary");
  // The report and the model under two names of one file.
  o = Options("same.fp8");
  o.report_json = dir_ + "/./same.fp8";
  expect(o, "the report: ");
  o = Options("x.fp8");
  o.quant.keep_first = 99;
  expect(o, "--keep-first 99: the model has 2 encoder layers");
  // No quantization needs no calibration.
  o = Options("f32.fp8");
  o.quantize = false;
  o.calib = "";
  ConvertReport r;
  ASSERT_TRUE(RunConvert(o, &r).ok());
  EXPECT_FALSE(r.quantized);
}

}  // namespace
}  // namespace convert
}  // namespace fp8sdk
