// The CPU backend on oneDNN 2.6 ("onednn", FP8_DEVICE_CPU, priority 50).
//
// Built into the runtime (registered by the backend registry through
// fp8_onednn_backend_entry) and also as a plugin library
// (libfp8_backend_onednn.so, exporting fp8_backend_entry). A process that has
// it built in and also discovers the plugin refuses the second copy by name.
//
// Buffers are host memory (aligned_alloc). LINEAR runs as a oneDNN matmul
// (bf16 x bf16 -> f32 when both operands are exactly representable in bf16,
// f32 otherwise) created once at prepare with a run-time M; GELU and TANH run
// oneDNN's eltwise on fixed-size chunks; the other operators are plain C++
// loops (oneDNN 2.6 takes run-time dimensions only in matmul and reorder).
// QUANTIZE, DEQUANTIZE and GATHER of quantized tables are declined.
// Threads: the OpenMP runtime Debian's libdnnl uses, fp8_backend_config_t's
// num_threads per instance.
//
// Thread-safety: as the ABI says, one thread at a time per instance.
#ifndef FP8SDK_BACKENDS_ONEDNN_ONEDNN_BACKEND_H_
#define FP8SDK_BACKENDS_ONEDNN_ONEDNN_BACKEND_H_

#include "fp8sdk/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

// The backend's vtable (never null; the host checks its ABI version).
const fp8_backend_vtable_t* fp8_onednn_backend_entry(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif  // FP8SDK_BACKENDS_ONEDNN_ONEDNN_BACKEND_H_
