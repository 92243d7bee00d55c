// A GPU that runs out of memory, on lavapipe: the session's device memory
// limit (SessionOptions::device_memory_limit, fp8_backend_config_t) makes
// the Vulkan backend fail its allocations with RESOURCE_EXHAUSTED exactly as
// a real VK_ERROR_OUT_OF_DEVICE_MEMORY does. A session that prefers Vulkan
// then runs on the CPU and says why; one that insists on Vulkan fails with
// the reason; a limit with room to spare changes nothing.
#include <gtest/gtest.h>

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

class DeviceMemoryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(BackendRegistry::Global().Register(fp8_backend_entry, "linked in").ok());
  }
  void SetUp() override {
    std::string why;
    vulkan::Context* ctx = vulkan::Context::Get(&why);
    if (!ctx) GTEST_SKIP() << "no Vulkan: " << why;
    if (ctx->devices().empty()) GTEST_SKIP() << "no Vulkan device";
    const testing::TinyBertConfig c;
    weights_ = testing::MakeTinyBertWeights(c);
    graph_ = testing::BuildTinyBert(c, weights_, &quant_);
    inputs_ = testing::MakeTinyBertInputs(c, 2, 17, 5);
  }

  SessionOptions Options(fp8_device_kind_t device, uint64_t limit, bool strict) const {
    SessionOptions o;
    o.device = device;
    o.strict_device = strict;
    o.max_batch = 2;
    o.max_sequence = 17;
    o.device_memory_limit = limit;
    return o;
  }

  std::vector<float> Logits(Session* s) const {
    Status st;
    std::vector<float> logits = testing::RunBertSession(s, inputs_, &st);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return logits;
  }

  testing::TinyBertWeights weights_;
  testing::TinyBertQuant quant_;
  Graph graph_;
  testing::TinyBertInputs inputs_;
};

TEST_F(DeviceMemoryTest, PreferredDeviceOutOfMemoryFallsBackAndSaysWhy) {
  auto s = Session::Create(graph_, Options(FP8_DEVICE_VULKAN, 4096, /*strict=*/false));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const std::string d = s.value()->Describe();
  EXPECT_NE(d.find("backend 'vulkan' left out"), std::string::npos) << d;
  EXPECT_NE(d.find("device memory limit of 4096 bytes"), std::string::npos) << d;
  EXPECT_EQ(d.find("partition on [0] vulkan"), std::string::npos) << d;
  // What it computes is what a CPU session computes.
  auto cpu = Session::Create(graph_, Options(FP8_DEVICE_CPU, 0, false));
  ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
  EXPECT_EQ(Logits(s.value().get()), Logits(cpu.value().get()));
}

TEST_F(DeviceMemoryTest, StrictDeviceOutOfMemoryFailsWithTheReason) {
  auto s = Session::Create(graph_, Options(FP8_DEVICE_VULKAN, 4096, /*strict=*/true));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kRESOURCE_EXHAUSTED) << s.status().ToString();
  EXPECT_NE(s.status().message().find("Vulkan"), std::string::npos) << s.status().ToString();
  EXPECT_NE(s.status().message().find("device memory limit"), std::string::npos)
      << s.status().ToString();
}

TEST_F(DeviceMemoryTest, EveryLimitBelowTheNeedFailsCleanly) {
  // Limits from a few bytes up to what the session needs fail in every
  // allocation in turn (arena, each partition's constants and scratch) and
  // never leave the backend in a state that breaks the next session.
  auto unlimited = Session::Create(graph_, Options(FP8_DEVICE_VULKAN, 0, true));
  ASSERT_TRUE(unlimited.ok()) << unlimited.status().ToString();
  const std::vector<float> want = Logits(unlimited.value().get());
  uint64_t fits = 0;
  for (uint64_t limit = 64; limit <= (uint64_t{1} << 26); limit *= 2) {
    auto s = Session::Create(graph_, Options(FP8_DEVICE_VULKAN, limit, true));
    if (s.ok()) {
      fits = limit;
      EXPECT_EQ(Logits(s.value().get()), want) << limit;
      break;
    }
    EXPECT_EQ(s.status().code(), StatusCode::kRESOURCE_EXHAUSTED) << s.status().ToString();
  }
  EXPECT_GT(fits, 0u) << "no limit up to 64 MiB was enough for the tiny model";
}

TEST_F(DeviceMemoryTest, RoomToSpareChangesNothing) {
  auto s = Session::Create(graph_, Options(FP8_DEVICE_VULKAN, uint64_t{1} << 30, true));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_NE(s.value()->Describe().find("vulkan"), std::string::npos);
  auto ref = Session::Create(graph_, Options(FP8_DEVICE_VULKAN, 0, true));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  EXPECT_EQ(Logits(s.value().get()), Logits(ref.value().get()));
}

}  // namespace
}  // namespace fp8sdk
