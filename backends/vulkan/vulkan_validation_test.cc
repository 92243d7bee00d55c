// The backend under the Khronos validation layer (Debian's
// vulkan-validationlayers, installed by tools/setup.sh): a BERT-shaped model
// in FP32 and E4M3 with changing shapes, an index error and a fresh session
// must produce no validation warning or error. Also: both LINEAR kernels
// (the tiled one GPUs use, and the one for CPU-type devices) agree with the
// reference backend on every weight type; a device that binds less than
// the session's arena at once (maxStorageBufferRange) runs it bound a
// tensor at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "backends/vulkan/vk_device.h"
#include "fp8sdk/backend.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

extern "C" const fp8_backend_vtable_t* fp8_backend_entry(uint32_t host_abi_version);

namespace fp8sdk {
namespace {

class VulkanValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("FP8SDK_VULKAN_VALIDATION", "1", 1);  // before the Vulkan context exists
    ASSERT_TRUE(BackendRegistry::Global().Register(fp8_backend_entry, "linked in").ok());
  }
  void SetUp() override {
    std::string why;
    vulkan::Context* ctx = vulkan::Context::Get(&why);
    if (!ctx) GTEST_SKIP() << "no Vulkan: " << why;
    if (!ctx->validation()) {
      GTEST_SKIP() << "VK_LAYER_KHRONOS_validation is not installed "
                      "(Debian: vulkan-validationlayers, tools/setup.sh installs it)";
    }
    if (ctx->devices().empty()) GTEST_SKIP() << "no Vulkan device";
  }
};

std::vector<float> RunOnVulkan(const Graph& g, const testing::TinyBertInputs& in,
                               fp8_device_kind_t device = FP8_DEVICE_VULKAN) {
  SessionOptions o;
  o.device = device;
  o.strict_device = true;
  o.max_batch = 3;
  o.max_sequence = 33;
  auto s = Session::Create(g, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  Status st;
  std::vector<float> logits = testing::RunBertSession(s.value().get(), in, &st);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return logits;
}

TEST_F(VulkanValidationTest, BertRunsWithoutValidationMessages) {
  testing::TinyBertConfig c;
  const auto w = testing::MakeTinyBertWeights(c);
  testing::TinyBertQuant e4m3;
  for (const testing::TinyBertQuant* q : {static_cast<const testing::TinyBertQuant*>(nullptr),
                                          static_cast<const testing::TinyBertQuant*>(&e4m3)}) {
    const Graph g = testing::BuildTinyBert(c, w, q);
    for (auto [b, s] : {std::pair{2, 16}, std::pair{3, 33}, std::pair{1, 1}}) {
      EXPECT_FALSE(RunOnVulkan(g, testing::MakeTinyBertInputs(c, b, s, 5)).empty());
    }
    // A token id past the vocabulary: an error from the device, not a crash.
    testing::TinyBertInputs bad = testing::MakeTinyBertInputs(c, 1, 4, 5);
    bad.input_ids[2] = c.vocab;
    SessionOptions o;
    o.device = FP8_DEVICE_VULKAN;
    o.strict_device = true;
    auto s = Session::Create(g, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE(testing::SetBertInputs(s.value().get(), bad).ok());
    const Status st = s.value()->Run();
    EXPECT_EQ(st.code(), StatusCode::kOUT_OF_RANGE) << st.ToString();
  }
  const std::vector<std::string> messages = vulkan::Context::ValidationMessages();
  for (const std::string& m : messages) ADD_FAILURE() << "validation: " << m;
}

// FP8SDK_VULKAN_PROFILE=1: timestamps after every dispatch, a table per
// device on stderr when the session ends, counting each execute.
TEST_F(VulkanValidationTest, ProfileTimesEveryDispatch) {
  std::string why;
  vulkan::Device* dev = vulkan::Context::Get(&why)->device(0, &why);
  ASSERT_NE(dev, nullptr) << why;
  if (dev->timestamp_bits() == 0) GTEST_SKIP() << "the compute queue has no timestamps";
  testing::TinyBertConfig c;
  const auto w = testing::MakeTinyBertWeights(c);
  testing::TinyBertQuant e4m3;
  const Graph g = testing::BuildTinyBert(c, w, &e4m3);
  setenv("FP8SDK_VULKAN_PROFILE", "1", 1);  // read when the session creates the backend
  ::testing::internal::CaptureStderr();
  {
    SessionOptions o;
    o.device = FP8_DEVICE_VULKAN;
    o.strict_device = true;
    auto s = Session::Create(g, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    for (int run = 0; run < 3; ++run) {
      Status st;
      testing::RunBertSession(s.value().get(), testing::MakeTinyBertInputs(c, 2, 9 + run, 5), &st);
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
  }
  const std::string out = ::testing::internal::GetCapturedStderr();
  unsetenv("FP8SDK_VULKAN_PROFILE");
  EXPECT_NE(out.find("fp8sdk vulkan profile: "), std::string::npos) << out;
  EXPECT_NE(out.find("device time of 3 executes"), std::string::npos) << out;
  // The LINEARs' pipeline (the CPU-type one on CPU devices) and Softmax's.
  EXPECT_NE(out.find(dev->cpu_kernels() ? "gemm_direct_e4m3" : "gemm"), std::string::npos) << out;
  EXPECT_NE(out.find("softmax"), std::string::npos) << out;
  for (const std::string& m : vulkan::Context::ValidationMessages()) {
    ADD_FAILURE() << "validation: " << m;
  }
}

// With 16-bit storage (lavapipe has it), gemm_large.comp's packed rows are
// halves where every value the activations take is a normal half (E4M3,
// INT8): the same logits bit for bit as with 32-bit rows
// (FP8SDK_VULKAN_STORAGE16=0), under the validation layer (which checks the
// feature is enabled for the modules that use it). E5M2 activations, whose
// subnormals are half subnormals (flushed by some devices), keep 32-bit rows.
TEST_F(VulkanValidationTest, HalfPrecisionRowsChangeNoBit) {
  std::string why;
  vulkan::Device* dev = vulkan::Context::Get(&why)->device(0, &why);
  ASSERT_NE(dev, nullptr) << why;
  if (!dev->storage16()) GTEST_SKIP() << "the device has no storageBuffer16BitAccess";
  if (dev->timestamp_bits() == 0) GTEST_SKIP() << "the compute queue has no timestamps";
  testing::TinyBertConfig c;
  const auto w = testing::MakeTinyBertWeights(c);
  const auto in = testing::MakeTinyBertInputs(c, 3, 33, 5);
  setenv("FP8SDK_VULKAN_GEMM", "large", 1);  // the large GEMM for every LINEAR, on any device
  setenv("FP8SDK_VULKAN_PROFILE", "1", 1);   // names the pipelines that ran
  for (DType act : {DType::kFP8_E4M3, DType::kINT8, DType::kFP8_E5M2}) {
    SCOPED_TRACE(DTypeName(act));
    testing::TinyBertQuant q;
    q.input_dtype = act;
    const Graph g = testing::BuildTinyBert(c, w, &q);
    std::vector<float> logits[2];
    for (int half = 0; half < 2; ++half) {
      setenv("FP8SDK_VULKAN_STORAGE16", half ? "1" : "0", 1);  // read at prepare
      ::testing::internal::CaptureStderr();
      logits[half] = RunOnVulkan(g, in);  // the profile is printed as the session ends
      const std::string out = ::testing::internal::GetCapturedStderr();
      const bool want_half = half && act != DType::kFP8_E5M2;
      // The quantized LINEARs' rows packed as halves, or as floats (the
      // pooler and classifier, not quantized, always as floats).
      const std::string pack32 =
          act == DType::kINT8 ? "  pack_rows_vec_int8 " : "  pack_rows_vec_fp8 ";
      EXPECT_EQ(out.find("  gemm_large16 ") != std::string::npos, want_half) << out;
      EXPECT_EQ(out.find("  pack_rows16_") != std::string::npos, want_half) << out;
      EXPECT_EQ(out.find(pack32) != std::string::npos, !want_half) << out;
    }
    ASSERT_FALSE(logits[0].empty());
    EXPECT_EQ(logits[1], logits[0]);
  }
  unsetenv("FP8SDK_VULKAN_STORAGE16");
  unsetenv("FP8SDK_VULKAN_PROFILE");
  unsetenv("FP8SDK_VULKAN_GEMM");
  for (const std::string& m : vulkan::Context::ValidationMessages()) {
    ADD_FAILURE() << "validation: " << m;
  }
}

// FP8SDK_VULKAN_MAX_BINDING lowers the most one descriptor covers (as on
// phones and lavapipe, 128 MiB, against a model's arenas): activations in an
// arena past it are bound from near each tensor, with the same results,
// under the validation layer (offset alignment, ranges), on each GEMM family
// (CPU-type, tiled, 128 x 128 tiles); a limit below an operator's constants,
// scratch or activations refuses the session.
TEST_F(VulkanValidationTest, ArenasPastTheBindingLimitRunBoundPerTensor) {
  testing::TinyBertConfig c;
  const auto w = testing::MakeTinyBertWeights(c);
  testing::TinyBertQuant e4m3;
  const Graph g = testing::BuildTinyBert(c, w, &e4m3);
  // 16 x 64 tokens: an arena of 7 MiB, scratch 2 MiB, the word embeddings
  // 0.5 MiB (limits of 2 and 4 MiB run).
  const auto in = testing::MakeTinyBertInputs(c, 16, 64, 5);
  SessionOptions o;
  o.device = FP8_DEVICE_VULKAN;
  o.strict_device = true;
  o.max_batch = 16;
  o.max_sequence = 64;
  for (const char* kernel : {"auto", "tiled", "large"}) {
    SCOPED_TRACE(kernel);
    setenv("FP8SDK_VULKAN_GEMM", kernel, 1);
    auto whole = Session::Create(g, o);
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    Status st;
    const std::vector<float> want = testing::RunBertSession(whole.value().get(), in, &st);
    ASSERT_TRUE(st.ok()) << st.ToString();
    const uint64_t arena = whole.value()->PlannedBytes();
    int ran_split = 0, refused = 0;
    for (uint64_t limit = 256; limit < 2 * arena; limit *= 2) {
      SCOPED_TRACE(limit);
      setenv("FP8SDK_VULKAN_MAX_BINDING", std::to_string(limit).c_str(), 1);  // read at open
      auto s = Session::Create(g, o);
      unsetenv("FP8SDK_VULKAN_MAX_BINDING");
      if (!s.ok()) {
        EXPECT_EQ(s.status().code(), StatusCode::kRESOURCE_EXHAUSTED) << s.status().ToString();
        // The operator whose constants (the word embeddings), scratch or
        // activations (the FFN's, 2 MiB) pass the limit is named.
        const std::string& m = s.status().message();
        if (limit < 512000) {
          EXPECT_NE(m.find("'embeddings.word' (GATHER): its constants (512000 bytes) pass"),
                    std::string::npos)
              << m;
        } else {
          EXPECT_TRUE(m.find("the scratch it needs") != std::string::npos ||
                      m.find("at the session's largest shapes") != std::string::npos)
              << m;
        }
        EXPECT_NE(s.status().message().find("(FP8SDK_VULKAN_MAX_BINDING: " + std::to_string(limit) +
                                            " bytes)"),
                  std::string::npos)
            << s.status().ToString();
        ++refused;
        continue;
      }
      EXPECT_EQ(testing::RunBertSession(s.value().get(), in, &st), want);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (limit < arena) ++ran_split;
    }
    unsetenv("FP8SDK_VULKAN_GEMM");
    EXPECT_GT(ran_split, 0) << "no limit below the arena (" << arena << " bytes) ran";
    EXPECT_GT(refused, 0);
  }
  for (const std::string& m : vulkan::Context::ValidationMessages()) {
    ADD_FAILURE() << "validation: " << m;
  }
}

// GELU(GELU(x)) with x of n floats, in a graph without constants or scratch.
Graph GeluChain(int64_t n) {
  Graph g;
  for (const char* name : {"x", "y", "z"}) {
    TensorDesc t;
    t.name = name;
    t.shape = {Dim{n, ""}};
    g.tensors.push_back(t);
  }
  for (int i = 0; i < 2; ++i) {
    Node node;
    node.type = OpType::kGELU;
    node.name = "gelu" + std::to_string(i);
    node.inputs = {i};
    node.outputs = {i + 1};
    g.nodes.push_back(node);
  }
  g.inputs = {0};
  g.outputs = {2};
  return g;
}

// z of a session created with FP8SDK_VULKAN_MAX_BINDING=4096 (empty if it
// failed), and the reference backend's.
std::vector<float> RunGeluChain(const Graph& g, int64_t n, fp8_device_kind_t device, bool strict,
                                Status* created, std::string* description) {
  SessionOptions o;
  o.device = device;
  o.strict_device = strict;
  setenv("FP8SDK_VULKAN_MAX_BINDING", "4096", 1);  // read when the device opens
  auto s = Session::Create(g, o);
  unsetenv("FP8SDK_VULKAN_MAX_BINDING");
  *created = s.status();
  if (!s.ok()) return {};
  *description = s.value()->Describe();
  std::vector<float> x(static_cast<size_t>(n));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * static_cast<float>(i) - 3.0f;
  EXPECT_TRUE(s.value()->SetInput("x", DType::kF32, &n, 1, x.data(), x.size() * 4).ok());
  const Status st = s.value()->Run();
  EXPECT_TRUE(st.ok()) << st.ToString();
  TensorView z;
  if (!st.ok() || !s.value()->GetOutput("z", &z).ok()) return {};
  const float* p = static_cast<const float*>(z.data);
  return std::vector<float>(p, p + n);
}

// Three tensors of 2400 bytes: an arena past a 4096-byte binding limit, bound
// a tensor at a time. Tensors of 8000 bytes: the Vulkan backend refuses the
// partition at prepare naming the operator, so the session falls back (or
// fails with that reason when the caller insists on Vulkan).
TEST_F(VulkanValidationTest, ATensorPastTheBindingLimitLeavesTheDeviceOut) {
  for (const int64_t n : {int64_t{600}, int64_t{2000}}) {
    SCOPED_TRACE(n);
    const Graph g = GeluChain(n);
    Status created;
    std::string description;
    const std::vector<float> want =
        RunGeluChain(g, n, FP8_DEVICE_REFERENCE, false, &created, &description);
    ASSERT_EQ(want.size(), static_cast<size_t>(n));
    const std::vector<float> got =
        RunGeluChain(g, n, FP8_DEVICE_VULKAN, /*strict=*/n == 600, &created, &description);
    ASSERT_TRUE(created.ok()) << created.ToString();
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-5f) << i;
    const bool on_vulkan = description.find("partition on [0] vulkan") != std::string::npos;
    EXPECT_EQ(on_vulkan, n == 600) << description;
    if (n == 600) continue;
    EXPECT_NE(description.find("backend 'vulkan' left out"), std::string::npos) << description;
    RunGeluChain(g, n, FP8_DEVICE_VULKAN, /*strict=*/true, &created, &description);
    EXPECT_EQ(created.code(), StatusCode::kRESOURCE_EXHAUSTED) << created.ToString();
    EXPECT_NE(created.message().find("operator 0 'gelu0' (GELU): its output (8000 bytes at the "
                                     "session's largest shapes) passes the most one descriptor "
                                     "covers on this device (FP8SDK_VULKAN_MAX_BINDING: 4096 "
                                     "bytes)"),
              std::string::npos)
        << created.ToString();
  }
  for (const std::string& m : vulkan::Context::ValidationMessages()) {
    ADD_FAILURE() << "validation: " << m;
  }
}

TEST_F(VulkanValidationTest, TiledAndDirectLinearKernelsMatchTheReference) {
  testing::TinyBertConfig c;
  c.hidden = 96;         // K and N not multiples of 64
  c.intermediate = 203;  // K not a multiple of 8, N not of 4
  c.heads = 3;
  const auto w = testing::MakeTinyBertWeights(c);
  const auto in = testing::MakeTinyBertInputs(c, 3, 33, 9);
  for (DType wt : {DType::kFP8_E4M3, DType::kFP8_E5M2, DType::kINT8, DType::kBF16}) {
    testing::TinyBertQuant q;
    q.weight_dtype = wt;
    if (wt == DType::kINT8) {
      q.input_dtype = DType::kINT8;
      q.default_input_scale = 8.0f / 127.0f;
    }
    if (wt == DType::kBF16) q.quantize_inputs = false;
    const Graph g = testing::BuildTinyBert(c, w, &q);
    const std::vector<float> want = RunOnVulkan(g, in, FP8_DEVICE_REFERENCE);
    for (const char* kernel : {"tiled", "large", "auto"}) {
      SCOPED_TRACE(std::string(DTypeName(wt)) + " " + kernel);
      setenv("FP8SDK_VULKAN_GEMM", kernel, 1);  // read at prepare
      const std::vector<float> got = RunOnVulkan(g, in);
      unsetenv("FP8SDK_VULKAN_GEMM");
      ASSERT_EQ(got.size(), want.size());
      double max_ref = 0, max_diff = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(want[i])));
        max_diff = std::max(max_diff, std::fabs(static_cast<double>(got[i]) - want[i]));
      }
      EXPECT_LE(max_diff, 1e-3 * max_ref);
    }
  }
  for (const std::string& m : vulkan::Context::ValidationMessages()) {
    ADD_FAILURE() << "validation: " << m;
  }
}

}  // namespace
}  // namespace fp8sdk
