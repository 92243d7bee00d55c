// The reference backend: every operator in plain portable C++ on the host,
// FP8 semantics exact (decode to float, fp32 accumulation in a fixed order).
// Always linked into the runtime; it takes every node no other backend
// claims, and it is the oracle of the backend conformance suite.
#ifndef FP8SDK_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_
#define FP8SDK_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_

#include "fp8sdk/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

// The reference backend's vtable (the statically linked equivalent of a
// plugin's fp8_backend_entry).
const fp8_backend_vtable_t* fp8_reference_backend_entry(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif  // FP8SDK_BACKENDS_REFERENCE_REFERENCE_BACKEND_H_
