// The BERT-shaped encoder end to end through the public C++ wrapper (and so
// the C API, the loader, the session and the reference backend):
//   - FP32 mode matches an independent float64 computation (<= 1e-5);
//   - FP8 mode equals the decode-then-compute simulation;
//   - dynamic batch / sequence on one session; errors for bad inputs.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/model_writer.h"
#include "fp8sdk/fp8sdk.hpp"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

using testing::BuildTinyBert;
using testing::MakeTinyBertInputs;
using testing::MakeTinyBertWeights;
using testing::TinyBertConfig;
using testing::TinyBertInputs;
using testing::TinyBertQuant;

fp8::Model LoadGraph(const Graph& g) {
  auto bytes = SerializeModel(g);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  fp8::Model m;
  const fp8::Status st = fp8::Model::LoadMemory(bytes.value().data(), bytes.value().size(), &m);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return m;
}

fp8::Status SetInputs(fp8::Session* s, const TinyBertInputs& in) {
  const std::vector<int64_t> dims = {in.batch, in.sequence};
  const size_t bytes = in.input_ids.size() * sizeof(int64_t);
  fp8::Status st = s->SetInput("input_ids", FP8_DTYPE_INT64, dims, in.input_ids.data(), bytes);
  if (!st.ok()) return st;
  st = s->SetInput("token_type_ids", FP8_DTYPE_INT64, dims, in.token_type_ids.data(), bytes);
  if (!st.ok()) return st;
  return s->SetInput("attention_mask", FP8_DTYPE_INT64, dims, in.attention_mask.data(), bytes);
}

std::vector<float> RunLogits(fp8::Session* s, const TinyBertInputs& in) {
  fp8::Status st = SetInputs(s, in);
  EXPECT_TRUE(st.ok()) << st.ToString();
  st = s->Run();
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::vector<float> logits;
  st = s->GetOutputF32("logits", &logits);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return logits;
}

double MaxRelDiff(const std::vector<float>& got, const std::vector<double>& want) {
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
  }
  return max_diff / max_ref;
}

TEST(ReferenceBert, Fp32MatchesFloat64) {
  const TinyBertConfig c;  // 2 layers, hidden 128
  const auto w = MakeTinyBertWeights(c);
  fp8::Model model = LoadGraph(BuildTinyBert(c, w));
  fp8::SessionOptions o;
  o.device = FP8_DEVICE_REFERENCE;
  fp8::Session session;
  ASSERT_TRUE(fp8::Session::Create(model, o, &session).ok());
  // Several shapes on one session: dynamic batch and sequence.
  for (auto [batch, seq] :
       {std::pair{3, 16}, std::pair{1, 5}, std::pair{8, 64}, std::pair{2, 33}}) {
    const TinyBertInputs in = MakeTinyBertInputs(c, batch, seq, 100 + batch);
    const std::vector<float> got = RunLogits(&session, in);
    const std::vector<double> want = testing::TinyBertForwardFloat64(c, w, in);
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LE(MaxRelDiff(got, want), 1e-5) << "batch " << batch << " seq " << seq;
  }
}

TEST(ReferenceBert, Fp8EqualsDecodeThenComputeSimulation) {
  TinyBertConfig c;
  c.gelu = GeluApprox::kTanh;
  const auto w = MakeTinyBertWeights(c);
  for (DType wt : {DType::kFP8_E4M3, DType::kFP8_E5M2, DType::kINT8, DType::kF16, DType::kBF16}) {
    for (bool per_channel : {true, false}) {
      TinyBertQuant q;
      q.weight_dtype = wt;
      q.per_channel = per_channel;
      q.input_dtype = wt == DType::kINT8 ? DType::kINT8 : DType::kFP8_E4M3;
      q.default_input_scale = wt == DType::kINT8 ? 4.0f / 127.0f : 8.0f / 448.0f;
      fp8::Model model = LoadGraph(BuildTinyBert(c, w, &q));
      fp8::SessionOptions o;
      o.device = FP8_DEVICE_REFERENCE;
      o.num_threads = 2;
      fp8::Session session;
      ASSERT_TRUE(fp8::Session::Create(model, o, &session).ok());
      const TinyBertInputs in = MakeTinyBertInputs(c, 4, 24, 7);
      const std::vector<float> got = RunLogits(&session, in);
      const std::vector<float> sim = testing::TinyBertSimulateFloat32(c, w, &q, in);
      ASSERT_EQ(got.size(), sim.size());
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], sim[i]) << DTypeName(wt) << (per_channel ? " per-channel" : " per-tensor")
                                  << " logit " << i;
      }
      // And FP8 stays close to the float64 network.
      const std::vector<double> ref = testing::TinyBertForwardFloat64(c, w, in);
      EXPECT_LE(MaxRelDiff(got, ref), 0.25) << DTypeName(wt);
    }
  }
}

TEST(ReferenceBert, BadInputsAreClearErrors) {
  TinyBertConfig c;
  c.layers = 1;
  const auto w = MakeTinyBertWeights(c);
  fp8::Model model = LoadGraph(BuildTinyBert(c, w));
  fp8::Session session;
  ASSERT_TRUE(fp8::Session::Create(model, fp8::SessionOptions(), &session).ok());
  TinyBertInputs in = MakeTinyBertInputs(c, 2, 8, 1);

  // Not all inputs set.
  fp8::Status st = session.Run();
  EXPECT_EQ(st.code(), FP8_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(st.message().find("was not set"), std::string::npos) << st.ToString();

  // A token id past the vocabulary.
  in.input_ids[5] = c.vocab;
  ASSERT_TRUE(SetInputs(&session, in).ok());
  st = session.Run();
  EXPECT_EQ(st.code(), FP8_STATUS_OUT_OF_RANGE) << st.ToString();
  EXPECT_NE(st.message().find("embeddings.word"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("index 1000 at position 5 is outside [0, 1000)"), std::string::npos)
      << st.ToString();
  in.input_ids[5] = -3;
  ASSERT_TRUE(SetInputs(&session, in).ok());
  EXPECT_EQ(session.Run().code(), FP8_STATUS_OUT_OF_RANGE);
  in.input_ids[5] = 1;

  // Wrong dtype, rank, size, name; sequence above the limit; empty batch.
  std::vector<float> f(16);
  st = session.SetInput("input_ids", FP8_DTYPE_F32, {2, 8}, f.data(), 64);
  EXPECT_NE(st.message().find("input 'input_ids' is int64; got f32"), std::string::npos)
      << st.ToString();
  st = session.SetInput("input_ids", FP8_DTYPE_INT64, {16}, in.input_ids.data(), 128);
  EXPECT_NE(st.message().find("rank"), std::string::npos) << st.ToString();
  st = session.SetInput("input_ids", FP8_DTYPE_INT64, {2, 8}, in.input_ids.data(), 120);
  EXPECT_NE(st.message().find("needs 128 bytes; got 120"), std::string::npos) << st.ToString();
  st = session.SetInput("input_idz", FP8_DTYPE_INT64, {2, 8}, in.input_ids.data(), 128);
  EXPECT_EQ(st.code(), FP8_STATUS_NOT_FOUND);
  EXPECT_NE(st.message().find("'input_ids'"), std::string::npos) << st.ToString();
  std::vector<int64_t> big(65 * 2);
  st = session.SetInput("input_ids", FP8_DTYPE_INT64, {2, 65}, big.data(), big.size() * 8);
  EXPECT_EQ(st.code(), FP8_STATUS_OUT_OF_RANGE);
  EXPECT_NE(st.message().find("'sequence' is 65, above this session's limit 64"), std::string::npos)
      << st.ToString();
  st = session.SetInput("input_ids", FP8_DTYPE_INT64, {0, 8}, nullptr, 0);
  EXPECT_NE(st.message().find("'batch' is 0; it must be at least 1"), std::string::npos)
      << st.ToString();

  // Inputs that disagree on the sequence length.
  ASSERT_TRUE(SetInputs(&session, in).ok());
  std::vector<int64_t> mask(2 * 7, 1);
  ASSERT_TRUE(
      session.SetInput("attention_mask", FP8_DTYPE_INT64, {2, 7}, mask.data(), mask.size() * 8)
          .ok());
  st = session.Run();
  EXPECT_NE(st.message().find("inputs disagree on 'sequence'"), std::string::npos) << st.ToString();

  // Outputs: unknown name.
  fp8_tensor_view_t v;
  EXPECT_EQ(session.GetOutput("nope", &v).code(), FP8_STATUS_NOT_FOUND);
}

TEST(ReferenceBert, MemoryPlanReusesActivations) {
  const TinyBertConfig c;
  const auto w = MakeTinyBertWeights(c);
  const Graph g = BuildTinyBert(c, w);
  auto s = Session::Create(g, SessionOptions());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_GT(s.value()->PlannedBytes(), 0u);
  EXPECT_LT(s.value()->PlannedBytes() * 3, s.value()->UnplannedBytes()) << s.value()->Describe();
  std::printf("%s", s.value()->Describe().c_str());
}

}  // namespace
}  // namespace fp8sdk
