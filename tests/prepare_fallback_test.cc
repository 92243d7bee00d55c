// A device backend that claims nodes and then, at prepare, finds it cannot
// run them after all (FP8_STATUS_UNSUPPORTED: the CUDA backend when cuBLASLt
// has no algorithm for a GEMM's shape) is left out: the session is made on
// the other backends and says why, unless the caller insists on that device.
// A backend is started only while operators are left for it: a session that
// prefers the CPU never loads a GPU backend onto its device when the CPU
// backends place every operator.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

// Claims every node, holds its memory apart from the host's, and refuses
// every partition at prepare.
int prepares = 0;
int creates = 0;

fp8_status_code_t Create(const fp8_backend_config_t*, void** out, fp8_error_t*) {
  static int tag;
  ++creates;
  *out = &tag;
  return FP8_STATUS_OK;
}
void Destroy(void*) {}
uint32_t DeviceCount(void*) { return 1; }
fp8_status_code_t DeviceInfo(void*, uint32_t, fp8_device_info_t* out, fp8_error_t*) {
  std::memset(out, 0, sizeof(*out));
  out->struct_size = sizeof(*out);
  std::snprintf(out->name, sizeof(out->name), "unpreparable GPU");
  out->kind = FP8_DEVICE_CUDA;
  return FP8_STATUS_OK;
}
fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t* g, const fp8_graph_api_t* api,
                        uint8_t* claimed, fp8_decline_fn, void*, fp8_error_t*) {
  for (size_t n = 0; n < api->node_count(g); ++n) claimed[n] = 1;
  return FP8_STATUS_OK;
}
fp8_status_code_t BufferAlloc(void*, uint32_t, uint64_t size, void** out, fp8_error_t*) {
  *out = new std::vector<uint8_t>(size);
  return FP8_STATUS_OK;
}
void BufferFree(void*, uint32_t, void* b) { delete static_cast<std::vector<uint8_t>*>(b); }
fp8_status_code_t CopyToDevice(void*, uint32_t, void* dst, uint64_t off, const void* src,
                               uint64_t size, fp8_error_t*) {
  std::memcpy(static_cast<std::vector<uint8_t>*>(dst)->data() + off, src, size);
  return FP8_STATUS_OK;
}
fp8_status_code_t CopyToHost(void*, uint32_t, void* dst, const void* src, uint64_t off,
                             uint64_t size, fp8_error_t*) {
  std::memcpy(dst, static_cast<const std::vector<uint8_t>*>(src)->data() + off, size);
  return FP8_STATUS_OK;
}
fp8_status_code_t Prepare(void*, uint32_t, const fp8_graph_t*, const fp8_graph_api_t*,
                          const size_t*, size_t, void**, fp8_error_t* err) {
  ++prepares;
  std::snprintf(err->message, sizeof(err->message), "no algorithm for this GEMM");
  return FP8_STATUS_UNSUPPORTED;
}
fp8_status_code_t Execute(void*, uint32_t, void*, const fp8_tensor_binding_t*, size_t,
                          fp8_error_t* err) {
  std::snprintf(err->message, sizeof(err->message), "never prepared");
  return FP8_STATUS_INTERNAL;
}
fp8_status_code_t Synchronize(void*, uint32_t, fp8_error_t*) { return FP8_STATUS_OK; }
void Release(void*, uint32_t, void*) {}

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "unpreparable",
    FP8_DEVICE_CUDA,
    /*priority=*/200,
    Create,
    Destroy,
    DeviceCount,
    DeviceInfo,
    Claim,
    BufferAlloc,
    BufferFree,
    CopyToDevice,
    CopyToHost,
    Prepare,
    Execute,
    Synchronize,
    Release,
};

const fp8_backend_vtable_t* Entry(uint32_t) { return &kVtable; }

class PrepareFallbackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(BackendRegistry::Global().Register(Entry, "linked in").ok());
  }
  void SetUp() override {
    weights_ = testing::MakeTinyBertWeights(config_);
    graph_ = testing::BuildTinyBert(config_, weights_);
    inputs_ = testing::MakeTinyBertInputs(config_, 2, 11, 3);
    prepares = 0;
    creates = 0;
  }
  std::vector<float> Logits(Session* s) {
    Status st;
    std::vector<float> v = testing::RunBertSession(s, inputs_, &st);
    EXPECT_TRUE(st.ok()) << st.ToString();
    return v;
  }

  testing::TinyBertConfig config_;
  testing::TinyBertWeights weights_;
  Graph graph_;
  testing::TinyBertInputs inputs_;
};

TEST_F(PrepareFallbackTest, UnpreparableDeviceIsLeftOutWithTheReason) {
  for (const fp8_device_kind_t device : {FP8_DEVICE_AUTO, FP8_DEVICE_CUDA}) {
    SessionOptions o;
    o.device = device;  // not strict: the device is a preference
    auto s = Session::Create(graph_, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_GT(prepares, 0);
    const std::string& d = s.value()->Describe();
    EXPECT_NE(d.find("backend 'unpreparable' left out: "), std::string::npos) << d;
    EXPECT_NE(d.find("no algorithm for this GEMM"), std::string::npos) << d;
    for (const std::string& b : s.value()->NodeBackends()) EXPECT_NE(b, "unpreparable");
    // It computes what a session on the CPU computes.
    SessionOptions ro;
    ro.device = FP8_DEVICE_CPU;
    auto ref = Session::Create(graph_, ro);
    ASSERT_TRUE(ref.ok()) << ref.status().ToString();
    EXPECT_EQ(Logits(s.value().get()), Logits(ref.value().get()));
  }
}

TEST_F(PrepareFallbackTest, InsistingOnTheDeviceFailsWithTheReason) {
  SessionOptions o;
  o.device = FP8_DEVICE_CUDA;
  o.strict_device = true;
  auto s = Session::Create(graph_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUNSUPPORTED) << s.status().ToString();
  EXPECT_NE(s.status().message().find("no algorithm for this GEMM"), std::string::npos)
      << s.status().ToString();
  EXPECT_NE(s.status().message().find("backend 'unpreparable' could not prepare"),
            std::string::npos)
      << s.status().ToString();
}

TEST_F(PrepareFallbackTest, BackendsAfterEveryOperatorIsPlacedAreNotStarted) {
  // The CPU backends run every operator of the model: the GPU backend is
  // never created.
  SessionOptions o;
  o.device = FP8_DEVICE_CPU;
  auto s = Session::Create(graph_, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(creates, 0);
  const std::string& d = s.value()->Describe();
  EXPECT_NE(d.find("backend 'unpreparable' not started: every operator is placed"),
            std::string::npos)
      << d;
  // Under AUTO it is offered the graph first (its priority is the highest).
  o.device = FP8_DEVICE_AUTO;
  ASSERT_TRUE(Session::Create(graph_, o).ok());
  EXPECT_GT(creates, 0);

  // A LINEAR whose weight is an activation: the oneDNN backend declines it,
  // so the CPU-preferring session starts the next backend for it (which
  // claims it and fails to prepare; the reference declines it too).
  creates = 0;
  o.device = FP8_DEVICE_CPU;
  const Graph linear = testing::BuildLinearOfActivations();
  auto left = Session::Create(linear, o);
  ASSERT_FALSE(left.ok());
  EXPECT_GT(creates, 0);
  EXPECT_NE(left.status().message().find("'linear' (LINEAR) cannot run on any backend"),
            std::string::npos)
      << left.status().ToString();

  // Insisting on the CPU: another kind could not help, so none is started.
  creates = 0;
  o.strict_device = true;
  auto strict = Session::Create(linear, o);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(creates, 0);
  EXPECT_NE(strict.status().message().find("'linear' (LINEAR) cannot run on the requested device"),
            std::string::npos)
      << strict.status().ToString();
}

}  // namespace
}  // namespace fp8sdk
