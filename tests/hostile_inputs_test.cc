// Inputs an application may pass by mistake or on purpose, on every backend
// (the device ones where this machine has the device: Vulkan on lavapipe,
// CUDA on a GPU): each is a clear error naming what is wrong, or (NaN/Inf in
// float inputs) IEEE propagation, and never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "formats/model_writer.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"
#include "tools/common/bundled_plugins.h"

namespace fp8sdk {
namespace {

// The plugins built with this test, before the registry's first use.
const bool kPlugins = (tools::UseBundledPlugins(), true);

// Why a device cannot run here ("" when it can).
std::string Unavailable(fp8_device_kind_t device) {
  if (device != FP8_DEVICE_VULKAN && device != FP8_DEVICE_CUDA) return "";
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {FixedDim(4)});
  const int y = b.AddTensor("y", DType::kF32);
  b.AddNode(OpType::kTANH, "tanh", {x}, {y});
  b.AddOutput(y);
  const Graph g = b.Finish();
  SessionOptions o;
  o.device = device;
  o.strict_device = true;
  auto s = Session::Create(g, o);
  return s.ok() ? "" : s.status().ToString();
}

class HostileInputsTest : public ::testing::TestWithParam<fp8_device_kind_t> {
 protected:
  void SetUp() override {
    const std::string why = Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << "no device: " << why;
    cfg_.max_position = 64;
    testing::TinyBertQuant q;
    graph_ = testing::BuildTinyBert(cfg_, testing::MakeTinyBertWeights(cfg_), &q);
  }
  std::unique_ptr<Session> Make(int64_t batch, int64_t seq) {
    SessionOptions o;
    o.device = GetParam();
    o.strict_device = true;
    o.max_batch = batch;
    o.max_sequence = seq;
    auto s = Session::Create(graph_, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s.value()) : nullptr;
  }
  Status RunIds(Session* s, std::vector<int64_t> ids, int64_t batch, int64_t seq) {
    std::vector<int64_t> zeros(ids.size(), 0), ones(ids.size(), 1);
    FP8_RETURN_IF_ERROR(
        testing::SetBertInputs(s, batch, seq, ids.data(), zeros.data(), ones.data()));
    return s->Run();
  }
  testing::TinyBertConfig cfg_;
  Graph graph_;
};

TEST_P(HostileInputsTest, TokenIdsOutsideTheVocabularyNameTheIndex) {
  auto s = Make(1, 8);
  ASSERT_TRUE(s);
  for (int64_t bad : {int64_t{-1}, static_cast<int64_t>(cfg_.vocab), int64_t{1} << 40}) {
    std::vector<int64_t> ids = {101, 7, 42, bad, 9, 102, 0, 0};
    const Status st = RunIds(s.get(), ids, 1, 8);
    EXPECT_EQ(st.code(), StatusCode::kOUT_OF_RANGE) << st.ToString();
    EXPECT_NE(st.message().find("index " + std::to_string(bad) + " at position 3"),
              std::string::npos)
        << st.ToString();
  }
  // The session is still usable afterwards.
  EXPECT_TRUE(RunIds(s.get(), {101, 7, 42, 5, 9, 102, 0, 0}, 1, 8).ok());
}

TEST_P(HostileInputsTest, SequencesPastTheLimitsAreRefusedBeforeRunning) {
  // Longer than the position table: the session cannot be planned for it.
  SessionOptions o;
  o.device = GetParam();
  o.max_sequence = cfg_.max_position + 1;
  auto s = Session::Create(graph_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kINVALID_ARGUMENT) << s.status().ToString();
  EXPECT_NE(s.status().message().find("sequence=65"), std::string::npos) << s.status().ToString();
  EXPECT_NE(s.status().message().find("'embeddings.position'"), std::string::npos)
      << s.status().ToString();
  // Longer than this session's limit.
  auto small = Make(1, 8);
  ASSERT_TRUE(small);
  std::vector<int64_t> ids(16, 5);
  const Status st = RunIds(small.get(), ids, 1, 16);
  EXPECT_EQ(st.code(), StatusCode::kOUT_OF_RANGE) << st.ToString();
  EXPECT_NE(st.message().find("limit"), std::string::npos) << st.ToString();
}

TEST_P(HostileInputsTest, EmptyBatchWrongDtypeAndWrongShapeAreErrors) {
  auto s = Make(2, 8);
  ASSERT_TRUE(s);
  const std::vector<int64_t> ids(16, 5);
  const int64_t empty[2] = {0, 8};
  Status st = s->SetInput("input_ids", DType::kINT64, empty, 2, ids.data(), 0);
  EXPECT_EQ(st.code(), StatusCode::kINVALID_ARGUMENT) << st.ToString();
  const int64_t dims[2] = {2, 8};
  st = s->SetInput("input_ids", DType::kF32, dims, 2, ids.data(), 16 * 4);
  EXPECT_EQ(st.code(), StatusCode::kINVALID_ARGUMENT) << st.ToString();
  EXPECT_NE(st.message().find("input_ids"), std::string::npos) << st.ToString();
  const int64_t rank3[3] = {2, 8, 1};
  st = s->SetInput("input_ids", DType::kINT64, rank3, 3, ids.data(), 16 * 8);
  EXPECT_EQ(st.code(), StatusCode::kINVALID_ARGUMENT) << st.ToString();
  st = s->SetInput("input_ids", DType::kINT64, dims, 2, ids.data(), 8);  // too few bytes
  EXPECT_EQ(st.code(), StatusCode::kINVALID_ARGUMENT) << st.ToString();
  st = s->SetInput("no_such_input", DType::kINT64, dims, 2, ids.data(), 16 * 8);
  EXPECT_EQ(st.code(), StatusCode::kNOT_FOUND) << st.ToString();
  // Running before every input is set.
  auto fresh = Make(1, 4);
  ASSERT_TRUE(fresh);
  st = fresh->Run();
  EXPECT_EQ(st.code(), StatusCode::kINVALID_ARGUMENT) << st.ToString();
}

TEST_P(HostileInputsTest, NanAndInfInFloatInputsPropagate) {
  // A float input through a quantized LINEAR: NaN stays NaN (FP8's NaN code),
  // Inf saturates to the format's largest value before the product.
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {FixedDim(2), FixedDim(4)});
  std::vector<uint8_t> codes(4 * 3, 0x38);  // 1.0 in E4M3
  QuantParams qp;
  qp.scales = {1.0f};
  const int w = b.AddConstant("w", DType::kFP8_E4M3, {3, 4}, codes.data(), codes.size(), qp);
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  a.input_quant = ActQuant{true, DType::kFP8_E4M3, 1.0f, kE4M3};
  b.AddNode(OpType::kLINEAR, "linear", {x, w}, {y}, a);
  b.AddOutput(y);
  const Graph g = b.Finish();
  SessionOptions o;
  o.device = GetParam();
  o.strict_device = true;
  auto s = Session::Create(g, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> xv = {nan, 0, 0, 0, inf, 1, 0, 0};
  const int64_t dims[2] = {2, 4};
  ASSERT_TRUE(s.value()->SetInput("x", DType::kF32, dims, 2, xv.data(), xv.size() * 4).ok());
  ASSERT_TRUE(s.value()->Run().ok());
  TensorView v;
  ASSERT_TRUE(s.value()->GetOutput("y", &v).ok());
  const float* out = static_cast<const float*>(v.data);
  for (int n = 0; n < 3; ++n) {
    EXPECT_TRUE(std::isnan(out[n])) << "row 0 column " << n;
    EXPECT_EQ(out[3 + n], 448.0f + 1.0f) << "row 1 column " << n;  // satfinite(inf) + 1
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, HostileInputsTest,
                         ::testing::Values(FP8_DEVICE_REFERENCE, FP8_DEVICE_CPU,
                                           FP8_DEVICE_VULKAN, FP8_DEVICE_CUDA),
                         [](const auto& info) -> std::string {
                           switch (info.param) {
                             case FP8_DEVICE_CPU:
                               return "cpu";
                             case FP8_DEVICE_VULKAN:
                               return "vulkan";
                             case FP8_DEVICE_CUDA:
                               return "cuda";
                             default:
                               return "reference";
                           }
                         });

}  // namespace
}  // namespace fp8sdk
