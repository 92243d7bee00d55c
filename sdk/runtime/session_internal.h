// Session internals shared by session.cc (creation: slots, partitions,
// memory plan, prepare) and session_run.cc (inputs, runs, outputs). Not part
// of the runtime's interface.
#ifndef FP8SDK_SDK_RUNTIME_SESSION_INTERNAL_H_
#define FP8SDK_SDK_RUNTIME_SESSION_INTERNAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/runtime/session.h"

namespace fp8sdk {

// A backend instance bound to one of its devices.
struct Session::Slot {
  BackendEntry entry;
  void* instance = nullptr;
  bool owns_instance = false;  // the first slot of an instance destroys it
  uint32_t device = 0;
  fp8_device_info_t info{};
  int domain = -1;
};

// A memory space: host memory (shared by every host backend) or one device.
struct Session::Domain {
  int slot = -1;  // owner slot for device memory; -1 for host
  bool host = true;
  void* arena = nullptr;
  uint64_t arena_size = 0;
  uint64_t unplanned = 0;
};

// A tensor's copy in one domain.
struct Session::Instance {
  int tensor = -1;
  int domain = 0;
  void* buffer = nullptr;  // arena base or dedicated host buffer
  uint64_t offset = 0;
  int first_step = 0, last_step = 0;  // ticks (see BuildSteps)
  bool in_arena = true;
  int arena_index = -1;
};

struct Session::Step {
  enum Kind { kPartition, kCopy } kind = kPartition;
  int slot = -1;              // partition: the slot that runs it
  std::vector<size_t> nodes;  // partition: node indices
  void* partition = nullptr;
  std::vector<fp8_tensor_binding_t> bindings;  // partition: one per tensor
  std::vector<int> touched;                    // partition: tensors bound
  int src = -1, dst = -1;                      // copy: instances
  double profile_ms = 0.0;                     // profiled sessions: summed time
  int64_t profile_runs = 0;
};

namespace session_internal {

inline Status FromBackend(fp8_status_code_t code, const fp8_error_t& err,
                          const std::string& context) {
  return Status(static_cast<StatusCode>(code),
                context + ": " + (err.message[0] ? err.message : "failed"));
}

inline uint64_t TensorBytes(const TensorDesc& t, const Shape& s) {
  return static_cast<uint64_t>(s.NumElements()) * DTypeSize(t.dtype);
}

}  // namespace session_internal
}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_SESSION_INTERNAL_H_
