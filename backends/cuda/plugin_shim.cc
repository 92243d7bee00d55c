// The CUDA plugin as the runtime discovers it (libfp8_backend_cuda.so). It
// links no CUDA library: once loaded, the CUDA runtime and cuBLASLt add
// ~150 MB to a process's resident memory (fp8bench, BERT-base E4M3 on the CPU
// backend of a machine without a GPU, every plugin discovered: 333 MB when
// this plugin linked them, 185 MB now), which a CPU-only deployment should
// not pay for probing. Its entry looks for the NVIDIA driver (libcuda.so.1, or the file
// FP8SDK_CUDA_DRIVER names) and only where that loads does it load the
// backend itself (libfp8_cuda_impl.so, next to this file) and hand over that
// library's entry. Elsewhere it returns a backend named "cuda" whose create
// reports why, so a session notes it and runs elsewhere, as it does when
// the driver is there but no GPU answers.
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fp8sdk/backend.h"

namespace {

std::string& Reason() {
  static std::string* reason = new std::string();  // never destroyed: read at any exit
  return *reason;
}

void SetReason(const char* fmt, ...) {
  char buf[sizeof(fp8_error_t::message)];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  Reason() = buf;
}

fp8_status_code_t Unsupported(fp8_error_t* err) {
  if (err) std::snprintf(err->message, sizeof(err->message), "%s", Reason().c_str());
  return FP8_STATUS_UNSUPPORTED;
}

fp8_status_code_t Create(const fp8_backend_config_t*, void** out, fp8_error_t* err) {
  if (out) *out = nullptr;
  return Unsupported(err);
}
void Destroy(void*) {}
uint32_t DeviceCount(void*) { return 0; }
fp8_status_code_t DeviceInfo(void*, uint32_t, fp8_device_info_t*, fp8_error_t* err) {
  return Unsupported(err);
}
fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t*, const fp8_graph_api_t*, uint8_t*,
                        fp8_decline_fn, void*, fp8_error_t* err) {
  return Unsupported(err);
}
fp8_status_code_t BufferAlloc(void*, uint32_t, uint64_t, void**, fp8_error_t* err) {
  return Unsupported(err);
}
void BufferFree(void*, uint32_t, void*) {}
fp8_status_code_t CopyToDevice(void*, uint32_t, void*, uint64_t, const void*, uint64_t,
                               fp8_error_t* err) {
  return Unsupported(err);
}
fp8_status_code_t CopyToHost(void*, uint32_t, void*, const void*, uint64_t, uint64_t,
                             fp8_error_t* err) {
  return Unsupported(err);
}
fp8_status_code_t Prepare(void*, uint32_t, const fp8_graph_t*, const fp8_graph_api_t*,
                          const size_t*, size_t, void**, fp8_error_t* err) {
  return Unsupported(err);
}
fp8_status_code_t Execute(void*, uint32_t, void*, const fp8_tensor_binding_t*, size_t,
                          fp8_error_t* err) {
  return Unsupported(err);
}
fp8_status_code_t Synchronize(void*, uint32_t, fp8_error_t* err) { return Unsupported(err); }
void Release(void*, uint32_t, void*) {}

// What the backend would be, minus every device: the same name, kind and
// priority as the real one (backends/cuda/cuda_backend.cc).
const fp8_backend_vtable_t kUnavailable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "cuda",
    FP8_DEVICE_CUDA,
    70,
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

// The directory this library was loaded from.
std::string OwnDirectory() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void*>(&OwnDirectory), &info) || !info.dli_fname) return ".";
  const std::string self = info.dli_fname;
  const size_t slash = self.rfind('/');
  return slash == std::string::npos ? "." : self.substr(0, slash);
}

const fp8_backend_vtable_t* Load(uint32_t host_abi_version) {
  const char* driver_env = std::getenv("FP8SDK_CUDA_DRIVER");
  const char* driver = driver_env && *driver_env ? driver_env : "libcuda.so.1";
  // Kept loaded: the CUDA runtime opens the driver by its soname and gets
  // this copy.
  if (!dlopen(driver, RTLD_NOW | RTLD_GLOBAL)) {
    const char* why = dlerror();
    SetReason("no usable CUDA device: the NVIDIA driver library %s does not load (%s)", driver,
              why ? why : "unknown error");
    return &kUnavailable;
  }
  const std::string impl = OwnDirectory() + "/libfp8_cuda_impl.so";
  void* h = dlopen(impl.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = dlerror();
    SetReason("CUDA backend library %s does not load (%s)", impl.c_str(),
              why ? why : "unknown error");
    return &kUnavailable;
  }
  const auto entry = reinterpret_cast<fp8_backend_entry_fn>(dlsym(h, "fp8_backend_entry"));
  if (!entry) {
    SetReason("CUDA backend library %s has no fp8_backend_entry", impl.c_str());
    dlclose(h);
    return &kUnavailable;
  }
  // Its answer as is, none included (the registry then says why, e.g. an
  // ABI it does not serve). The library stays loaded for the process.
  return entry(host_abi_version);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const fp8_backend_vtable_t* fp8_backend_entry(
    uint32_t host_abi_version) {
  static const fp8_backend_vtable_t* const vt = Load(host_abi_version);
  return vt;
}
