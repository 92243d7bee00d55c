// Every system library the project wraps in third_party/ compiles, links and
// answers a trivial call through its Bazel wrapper. A missing Debian package
// or a broken wrapper shows up here first, with the library's name.
#include <cublasLt.h>
#include <cuda_runtime_api.h>
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>
#include <oneapi/dnnl/dnnl.h>
#include <onnx/onnx_pb.h>
#include <vulkan/vulkan.h>

#include <nlohmann/json.hpp>

namespace {

TEST(SystemLibs, OneDnn) {
  const dnnl_version_t* v = dnnl_version();
  ASSERT_NE(v, nullptr);
  EXPECT_GE(v->major, 2);
}

TEST(SystemLibs, FlatBuffers) {
  flatbuffers::FlatBufferBuilder b;
  auto s = b.CreateString("fp8sdk");
  b.Finish(s);
  EXPECT_GT(b.GetSize(), 0u);
}

TEST(SystemLibs, Vulkan) {
  uint32_t version = 0;
  ASSERT_EQ(vkEnumerateInstanceVersion(&version), VK_SUCCESS);
  EXPECT_GE(VK_API_VERSION_MINOR(version), 1u);
}

TEST(SystemLibs, OnnxProtobuf) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.mutable_graph()->set_name("g");
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  onnx::ModelProto back;
  ASSERT_TRUE(back.ParseFromString(bytes));
  EXPECT_EQ(back.graph().name(), "g");
}

TEST(SystemLibs, NlohmannJson) {
  const auto j = nlohmann::json::parse(R"({"hidden_size": 128})");
  EXPECT_EQ(j.at("hidden_size").get<int>(), 128);
}

// Links cudart and cuBLASLt; without a GPU (or driver) the runtime answers
// with an error code rather than crashing.
TEST(SystemLibs, CudaRuntimeAndCublasLt) {
  EXPECT_GT(cublasLtGetVersion(), 0u);
  int count = -1;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    std::printf("no CUDA device here: %s\n", cudaGetErrorString(err));
    SUCCEED();
  } else {
    std::printf("CUDA devices: %d\n", count);
  }
}

}  // namespace
