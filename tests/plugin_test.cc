// Backend plugins: a stand-in plugin (examples/custom_backend) built as a
// separate shared library is discovered on FP8SDK_BACKEND_PATH, claims some
// nodes on an emulated device with its own memory (so the runtime inserts
// copies), and the results equal the reference backend's; a plugin built for
// another ABI version is refused with a message and its nodes fall back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>

#include "backends/reference/reference_backend.h"
#include "fp8sdk/fp8sdk.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

using testing::BuildTinyBert;
using testing::MakeTinyBertInputs;
using testing::MakeTinyBertWeights;
using testing::TinyBertConfig;
using testing::TinyBertInputs;

std::string PluginDir() {
  char cwd[PATH_MAX];
  EXPECT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
  return std::string(cwd) + "/examples/custom_backend";
}

class PluginTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Before the registry's first use, which runs discovery.
    setenv("FP8SDK_BACKEND_PATH", PluginDir().c_str(), 1);
  }
};

std::vector<float> RunLogits(Session* s, const TinyBertInputs& in) {
  Status st;
  std::vector<float> logits = testing::RunBertSession(s, in, &st);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return logits;
}

TEST_F(PluginTest, DiscoveredPluginClaimsNodesAndMatchesReference) {
  std::vector<std::string> names;
  for (const BackendEntry& e : BackendRegistry::Global().Backends())
    names.push_back(e.vtable->name);
  ASSERT_NE(std::find(names.begin(), names.end(), "example"), names.end())
      << "plugin not discovered in " << PluginDir();
  EXPECT_EQ(names.back(), "reference");

  // The wrong-ABI build was refused, with the reason.
  bool refused = false;
  for (const std::string& m : BackendRegistry::Global().Messages()) {
    refused |= m.find("libfp8_backend_wrongabi.so") != std::string::npos &&
               m.find("built for backend ABI version 999; this runtime speaks version 1") !=
                   std::string::npos;
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(std::find(names.begin(), names.end(), "wrongabi"), names.end());

  TinyBertConfig c;
  const auto w = MakeTinyBertWeights(c);
  const Graph g = BuildTinyBert(c, w);
  auto mixed = Session::Create(g, SessionOptions());
  ASSERT_TRUE(mixed.ok()) << mixed.status().ToString();
  SessionOptions ref_only;
  ref_only.device = FP8_DEVICE_REFERENCE;
  auto ref = Session::Create(g, ref_only);
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();

  // The example plugin (priority 100) takes its ops; the built-in oneDNN CPU
  // backend (priority 50, above the reference) takes every other node of
  // this model.
  const std::vector<std::string> where = mixed.value()->NodeBackends();
  size_t on_plugin = 0;
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    const OpType t = g.nodes[n].type;
    const bool plugin_op = t == OpType::kADD || t == OpType::kGELU || t == OpType::kTANH;
    EXPECT_EQ(where[n], plugin_op ? "example" : "onednn") << g.nodes[n].Label(n);
    on_plugin += plugin_op;
  }
  EXPECT_GT(on_plugin, 5u);
  const std::string& d = mixed.value()->Describe();
  EXPECT_NE(d.find("copy '"), std::string::npos) << d;
  EXPECT_NE(d.find("declined by example: runs only ADD, GELU and TANH"), std::string::npos) << d;

  for (auto [b, s] : {std::pair{2, 16}, std::pair{5, 9}}) {
    const TinyBertInputs in = MakeTinyBertInputs(c, b, s, 3);
    const std::vector<float> got = RunLogits(mixed.value().get(), in);
    const std::vector<float> want = RunLogits(ref.value().get(), in);
    ASSERT_EQ(got.size(), want.size());
    // The plugin's ops equal the reference's bit for bit, but oneDNN's
    // matmuls sum in another order: equal up to float32 rounding.
    float max_ref = 0;
    for (float v : want) max_ref = std::max(max_ref, std::fabs(v));
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f * max_ref) << i;
  }
}

TEST_F(PluginTest, StrictDeviceNamesTheNodeThatCannotRunThere) {
  // Both CPU backends (the example plugin and the built-in oneDNN one)
  // decline a LINEAR whose weight is an activation; with a strict CPU device
  // the session names it.
  const Graph g = testing::BuildLinearOfActivations();
  SessionOptions o;
  o.device = FP8_DEVICE_CPU;
  o.strict_device = true;
  auto s = Session::Create(g, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUNSUPPORTED);
  EXPECT_NE(s.status().message().find("'linear' (LINEAR) cannot run on the requested device"),
            std::string::npos)
      << s.status().ToString();
  EXPECT_NE(s.status().message().find("declined by example"), std::string::npos);
  EXPECT_NE(s.status().message().find("declined by onednn"), std::string::npos);
}

// Only the example plugin is on FP8SDK_BACKEND_PATH here: a strict Vulkan
// session says that no Vulkan backend is loaded and where plugins are looked
// for (not only which node cannot run).
TEST_F(PluginTest, StrictDeviceWithoutItsPluginSaysWhereItLooked) {
  for (const BackendEntry& e : BackendRegistry::Global().Backends()) {
    if (e.vtable->kind == FP8_DEVICE_VULKAN) GTEST_SKIP() << "a Vulkan backend is linked in";
  }
  TinyBertConfig c;
  const Graph g = BuildTinyBert(c, MakeTinyBertWeights(c));
  SessionOptions o;
  o.device = FP8_DEVICE_VULKAN;
  o.strict_device = true;
  auto s = Session::Create(g, o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("no backend for device kind 'vulkan' is loaded"),
            std::string::npos)
      << s.status().ToString();
  EXPECT_NE(s.status().message().find("FP8SDK_BACKEND_PATH"), std::string::npos);
}

TEST_F(PluginTest, LoadingAWrongAbiPluginByPathIsRefused) {
  fp8_status_t* st = fp8_load_backend_plugin((PluginDir() + "/libfp8_backend_wrongabi.so").c_str());
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(fp8_status_code(st), FP8_STATUS_ABI_MISMATCH);
  EXPECT_NE(std::string(fp8_status_message(st)).find("ABI version 999"), std::string::npos);
  fp8_status_free(st);
  st = fp8_load_backend_plugin("/no/such/libfp8_backend_x.so");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(fp8_status_code(st), FP8_STATUS_NOT_FOUND);
  fp8_status_free(st);
}

TEST_F(PluginTest, StaticRegistrationIsCheckedToo) {
  fp8_status_t* st = fp8_register_backend(nullptr);
  EXPECT_EQ(fp8_status_code(st), FP8_STATUS_INVALID_ARGUMENT);
  fp8_status_free(st);
  // The reference backend is built in: registering it again is refused.
  st = fp8_register_backend(fp8_reference_backend_entry);
  EXPECT_EQ(fp8_status_code(st), FP8_STATUS_INVALID_ARGUMENT);
  EXPECT_NE(std::string(fp8_status_message(st)).find("'reference' is already registered"),
            std::string::npos)
      << fp8_status_message(st);
  fp8_status_free(st);
}

}  // namespace
}  // namespace fp8sdk
