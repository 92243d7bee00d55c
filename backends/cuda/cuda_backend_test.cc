// The CUDA plugin everywhere: it loads; on a machine without a GPU or driver
// the session says why (the missing driver library, or the CUDA error's
// name) and runs on the other
// backends, and a strict CUDA session is refused with that reason. With a GPU
// the BERT-shaped model matches the reference backend (the conformance suite
// covers every operator).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"
#include "tools/common/bundled_plugins.h"

namespace fp8sdk {
namespace {

class CudaBackendTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tools::UseBundledPlugins(); }
};

// Whether the plugin sees a CUDA device: asked of the backend itself, so
// that a session that fails on a GPU fails its test instead of skipping.
bool HasGpu() {
  for (const BackendEntry& e : BackendRegistry::Global().Backends()) {
    if (std::string(e.vtable->name) != "cuda") continue;
    void* instance = nullptr;
    fp8_error_t err{};
    if (e.vtable->create(nullptr, &instance, &err) != FP8_STATUS_OK) return false;
    const bool any = e.vtable->device_count(instance) > 0;
    e.vtable->destroy(instance);
    return any;
  }
  return false;
}

TEST_F(CudaBackendTest, PluginLoads) {
  bool found = false;
  for (const BackendEntry& e : BackendRegistry::Global().Backends())
    found |= std::string(e.vtable->name) == "cuda";
  std::string messages;
  for (const std::string& m : BackendRegistry::Global().Messages()) messages += m + "\n";
  EXPECT_TRUE(found) << messages;
}

TEST_F(CudaBackendTest, WithoutAGpuTheSessionSaysWhyAndFallsBack) {
  if (HasGpu()) GTEST_SKIP() << "a GPU is present: the fallback is not exercised";
  testing::TinyBertConfig c;
  const Graph g = testing::BuildTinyBert(c, testing::MakeTinyBertWeights(c));
  SessionOptions o;
  o.device = FP8_DEVICE_CUDA;
  auto s = Session::Create(g, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::string d = s.value()->Describe();
  EXPECT_NE(d.find("backend 'cuda' unavailable: "), std::string::npos) << d;
  EXPECT_TRUE(d.find("cudaError") != std::string::npos ||
              d.find("no CUDA device") != std::string::npos ||
              d.find("NVIDIA driver library") != std::string::npos)
      << d;
  for (const std::string& b : s.value()->NodeBackends()) EXPECT_NE(b, "cuda");
  const auto in = testing::MakeTinyBertInputs(c, 2, 8, 1);
  ASSERT_TRUE(testing::SetBertInputs(s.value().get(), in).ok());
  EXPECT_TRUE(s.value()->Run().ok());

  o.strict_device = true;
  auto strict = Session::Create(g, o);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), StatusCode::kUNSUPPORTED) << strict.status().ToString();
}

TEST_F(CudaBackendTest, BertMatchesTheReferenceOnTheGpu) {
  if (!HasGpu()) GTEST_SKIP() << "no CUDA GPU on this machine";
  testing::TinyBertConfig c;
  const auto w = testing::MakeTinyBertWeights(c);
  testing::TinyBertQuant e4m3;
  for (const testing::TinyBertQuant* q : {static_cast<const testing::TinyBertQuant*>(nullptr),
                                          static_cast<const testing::TinyBertQuant*>(&e4m3)}) {
    const Graph g = testing::BuildTinyBert(c, w, q);
    const auto in = testing::MakeTinyBertInputs(c, 3, 33, 4);
    const std::vector<float> got = testing::RunBertGraph(g, in, FP8_DEVICE_CUDA);
    const std::vector<float> want = testing::RunBertGraph(g, in, FP8_DEVICE_REFERENCE);
    ASSERT_EQ(got.size(), want.size());
    // FP8: cuBLASLt's sums on Hopper flip some activation codes downstream
    // (tests/conformance: EndToEndBound).
    const double bound = q ? 0.2 : 1e-3, rel = testing::MaxRelDiff(got, want);
    EXPECT_LE(rel, bound);
    std::printf("tiny BERT %s: max |diff| / max |ref| = %.3g (bound %.3g)\n", q ? "e4m3" : "fp32",
                rel, bound);
  }
}

// Runs of one shape after the first replay the CUDA graph captured then:
// each must read its own inputs (same places, new values) and give what a
// session running launch by launch gives (float32 model: no FP8 rounding
// boundaries to amplify a difference in summation order).
TEST_F(CudaBackendTest, ReplayedGraphsReadEachRunsInputs) {
  if (!HasGpu()) GTEST_SKIP() << "no CUDA GPU on this machine";
  testing::TinyBertConfig c;
  const Graph g = testing::BuildTinyBert(c, testing::MakeTinyBertWeights(c));
  // FP8SDK_CUDA_GRAPHS is read when a session is made: on for this one
  // (whatever the environment says), off for the launch-by-launch ones.
  const char* env = std::getenv("FP8SDK_CUDA_GRAPHS");
  const std::string saved = env ? env : "";
  unsetenv("FP8SDK_CUDA_GRAPHS");
  SessionOptions o;
  o.device = FP8_DEVICE_CUDA;
  o.strict_device = true;
  o.max_batch = 2;
  o.max_sequence = 16;
  auto s = Session::Create(g, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<float> previous;
  for (uint32_t seed = 1; seed <= 4; ++seed) {  // run 1 captures, runs 2-4 replay
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto in = testing::MakeTinyBertInputs(c, 2, 16, seed);
    const std::vector<float> got = testing::RunBertSession(s.value().get(), in);
    setenv("FP8SDK_CUDA_GRAPHS", "0", 1);
    const std::vector<float> direct = testing::RunBertGraph(g, in, FP8_DEVICE_CUDA);
    unsetenv("FP8SDK_CUDA_GRAPHS");
    ASSERT_EQ(got.size(), direct.size());
    ASSERT_FALSE(got.empty());
    EXPECT_LE(testing::MaxRelDiff(got, direct), 1e-5);
    EXPECT_NE(got, previous) << "a replay gave the previous run's logits";
    previous = got;
  }
  if (env) setenv("FP8SDK_CUDA_GRAPHS", saved.c_str(), 1);
}

}  // namespace
}  // namespace fp8sdk
