// The entry symbol of libfp8_backend_onednn.so, the same backend as the one
// built into the runtime. A runtime that has it built in refuses this copy by
// name ("a backend named 'onednn' is already registered").
#include "backends/onednn/onednn_backend.h"

extern "C" __attribute__((visibility("default"))) const fp8_backend_vtable_t* fp8_backend_entry(
    uint32_t host_abi_version) {
  return fp8_onednn_backend_entry(host_abi_version);
}
