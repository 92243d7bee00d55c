// The CUDA plugin's loader (plugin_shim.cc), loaded directly: without the
// NVIDIA driver it says so and loads no CUDA library; with a driver library
// (here the toolkit's stub, through FP8SDK_CUDA_DRIVER) it loads the backend
// library next to it and hands over that backend, whose CUDA error then
// says why there is no device. Each case runs in a child process: the
// plugin decides once per process.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fp8sdk/backend.h"

namespace {

constexpr char kShim[] = "backends/cuda/libfp8_backend_cuda.so";  // in the runfiles
constexpr char kStubDriver[] = "/usr/local/cuda/lib64/stubs/libcuda.so";

// Loads the plugin, creates its backend and returns create's message ("" on
// success), or a line starting with "!" when the plugin does not load.
std::string CreateMessage() {
  void* h = dlopen(kShim, RTLD_NOW | RTLD_LOCAL);
  if (!h) return std::string("!") + dlerror();
  const auto entry = reinterpret_cast<fp8_backend_entry_fn>(dlsym(h, "fp8_backend_entry"));
  if (!entry) return "!no entry";
  const fp8_backend_vtable_t* vt = entry(FP8_BACKEND_ABI_VERSION);
  if (!vt || std::string(vt->name) != "cuda" || vt->kind != FP8_DEVICE_CUDA) return "!bad vtable";
  void* instance = nullptr;
  fp8_error_t err{};
  if (vt->create(nullptr, &instance, &err) == FP8_STATUS_OK) {
    vt->destroy(instance);
    return "";
  }
  return err.message;
}

// Whether `lib` is mapped into this process.
bool Mapped(const std::string& lib) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.find(lib) != std::string::npos) return true;
  }
  return false;
}

TEST(CudaPluginShimTest, WithoutTheDriverNoCudaLibraryLoads) {
  EXPECT_EXIT(
      {
        unsetenv("FP8SDK_CUDA_DRIVER");
        if (dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
          std::fprintf(stderr, "driver present\n");
          std::_Exit(0);  // a GPU machine: the other case covers it
        }
        const std::string m = CreateMessage();
        std::fprintf(stderr, "message: %s\n", m.c_str());
        const bool ok =
            m.find("NVIDIA driver library libcuda.so.1 does not load") != std::string::npos &&
            !Mapped("libcublasLt") && !Mapped("libcudart") && !Mapped("libfp8_cuda_impl");
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(CudaPluginShimTest, WithADriverTheBackendLibraryLoads) {
  if (access(kStubDriver, R_OK) != 0) GTEST_SKIP() << "no CUDA toolkit stub at " << kStubDriver;
  EXPECT_EXIT(
      {
        setenv("FP8SDK_CUDA_DRIVER", kStubDriver, 1);
        const std::string m = CreateMessage();
        std::fprintf(stderr, "message: %s\n", m.c_str());
        // The backend itself answered: its message names the CUDA error (the
        // stub has no device), or it found a device.
        const bool ok = (m.empty() || m.find("cudaError") != std::string::npos) &&
                        Mapped("libfp8_cuda_impl") && Mapped("libcublasLt");
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(CudaPluginShimTest, AMissingDriverFileIsNamed) {
  EXPECT_EXIT(
      {
        setenv("FP8SDK_CUDA_DRIVER", "/nonexistent/libcuda.so.1", 1);
        const std::string m = CreateMessage();
        std::fprintf(stderr, "message: %s\n", m.c_str());
        std::_Exit(m.find("/nonexistent/libcuda.so.1 does not load") != std::string::npos ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
