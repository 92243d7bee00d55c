/* fp8sdk: types shared by the application API (fp8sdk.h) and the backend
 * plugin ABI (backend.h). Plain C; compiles as C99 and C++. */
#ifndef FP8SDK_TYPES_H_
#define FP8SDK_TYPES_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FP8_API __declspec(dllexport)
#else
#define FP8_API __attribute__((visibility("default")))
#endif

/* Status codes: FP8_STATUS_OK, FP8_STATUS_INVALID_ARGUMENT, ... */
typedef enum fp8_status_code_t {
#define FP8_STATUS(name, value, text) FP8_STATUS_##name = value,
#include "fp8sdk/status_codes.inc"
#undef FP8_STATUS
  FP8_STATUS_CODE_FORCE_32BIT = 0x7fffffff
} fp8_status_code_t;

/* Element types: FP8_DTYPE_F32, FP8_DTYPE_FP8_E4M3, ... */
typedef enum fp8_dtype_t {
#define FP8_DTYPE(name, value, bytes, text) FP8_DTYPE_##name = value,
#include "fp8sdk/dtypes.inc"
#undef FP8_DTYPE
  FP8_DTYPE_FORCE_32BIT = 0x7fffffff
} fp8_dtype_t;

/* Operator types: FP8_OP_LINEAR, FP8_OP_SOFTMAX, ... */
typedef enum fp8_op_type_t {
#define FP8_OP(name, value) FP8_OP_##name = value,
#include "fp8sdk/op_types.inc"
#undef FP8_OP
  FP8_OP_FORCE_32BIT = 0x7fffffff
} fp8_op_type_t;

/* Where a session runs. AUTO picks the best available device for each node
 * (CUDA, then Vulkan GPU, then CPU, then the reference backend). */
typedef enum fp8_device_kind_t {
  FP8_DEVICE_AUTO = 0,
  FP8_DEVICE_CPU = 1,
  FP8_DEVICE_CUDA = 2,
  FP8_DEVICE_VULKAN = 3,
  FP8_DEVICE_REFERENCE = 4,
  FP8_DEVICE_FORCE_32BIT = 0x7fffffff
} fp8_device_kind_t;

/* Maximum tensor rank. */
#define FP8_MAX_RANK 8

/* Name of a status code, dtype or operator ("ok", "f32", "LINEAR"); never
 * NULL ("unknown" for values outside the lists). */
FP8_API const char* fp8_status_code_name(fp8_status_code_t code);
FP8_API const char* fp8_dtype_name(fp8_dtype_t dtype);
FP8_API const char* fp8_op_type_name(fp8_op_type_t op);
/* Bytes per element of a dtype; 0 for an unknown dtype. */
FP8_API size_t fp8_dtype_size(fp8_dtype_t dtype);

#ifdef __cplusplus
}
#endif

#endif /* FP8SDK_TYPES_H_ */
