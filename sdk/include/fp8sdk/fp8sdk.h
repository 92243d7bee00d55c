/* fp8sdk application API (C).
 *
 * Phases: load a model file -> create a session (backends claim nodes,
 * partitions are cut, memory is planned, kernels prepared) -> set inputs ->
 * run -> read outputs. fp8_session_run allocates nothing.
 *
 * Errors: every fallible function returns an fp8_status_t*: NULL on success,
 * otherwise an error the caller owns and frees with fp8_status_free. Bad input
 * (a corrupt file, a wrong shape, an unknown name) is an error, never a crash.
 *
 * Threads: a model is immutable after loading and may be shared by any number
 * of sessions on any threads. A session must be used by one thread at a time;
 * a second concurrent call on the same session returns FP8_STATUS_INTERNAL
 * ("session is busy") instead of racing.
 *
 * Compiles as C99. The header-only C++ wrapper is fp8sdk.hpp. */
#ifndef FP8SDK_FP8SDK_H_
#define FP8SDK_FP8SDK_H_

#include "fp8sdk/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FP8SDK_VERSION_MAJOR 0
#define FP8SDK_VERSION_MINOR 1
#define FP8SDK_VERSION_PATCH 0

typedef struct fp8_status fp8_status_t;
typedef struct fp8_model fp8_model_t;
typedef struct fp8_session fp8_session_t;

/* ---- Status ---- */
FP8_API fp8_status_code_t fp8_status_code(const fp8_status_t* status); /* OK for NULL */
FP8_API const char* fp8_status_message(const fp8_status_t* status);    /* "" for NULL */
FP8_API void fp8_status_free(fp8_status_t* status);                    /* NULL is fine */

/* "0.1.0" */
FP8_API const char* fp8_version_string(void);

/* ---- Model ---- */

/* Maps the file read-only and verifies it (structure, every index, shape,
 * offset and size); weights are used in place. On success *out_model owns the
 * mapping. */
FP8_API fp8_status_t* fp8_model_load_file(const char* path, fp8_model_t** out_model);
/* Verifies a model held in memory. The bytes are copied unless `borrow` is
 * non-zero, in which case they must stay valid and unchanged until the model
 * is freed. */
FP8_API fp8_status_t* fp8_model_load_memory(const void* data, size_t size, int borrow,
                                            fp8_model_t** out_model);
FP8_API void fp8_model_free(fp8_model_t* model); /* NULL is fine */

/* A model input or output. Strings and arrays belong to the model. */
typedef struct fp8_tensor_info_t {
  const char* name;
  fp8_dtype_t dtype;
  size_t rank;
  /* dims[i] >= 0 is a fixed size; -1 is symbolic, named by symbols[i]. */
  int64_t dims[FP8_MAX_RANK];
  const char* symbols[FP8_MAX_RANK]; /* NULL for fixed dimensions */
} fp8_tensor_info_t;

FP8_API size_t fp8_model_input_count(const fp8_model_t* model);
FP8_API size_t fp8_model_output_count(const fp8_model_t* model);
FP8_API fp8_status_t* fp8_model_input_info(const fp8_model_t* model, size_t index,
                                           fp8_tensor_info_t* out_info);
FP8_API fp8_status_t* fp8_model_output_info(const fp8_model_t* model, size_t index,
                                            fp8_tensor_info_t* out_info);
/* Metadata by key: "producer", "producer_version", "source_model",
 * "source_model_sha256", "calibration.method", "label.<i>", "limit.<symbol>"
 * (the largest size a symbolic dimension may take, e.g. "limit.sequence":
 * the model's positions), or any extra key the converter stored. NULL when
 * absent. Owned by the model. */
FP8_API const char* fp8_model_metadata(const fp8_model_t* model, const char* key);
FP8_API size_t fp8_model_operator_count(const fp8_model_t* model);

/* ---- Session ---- */
typedef struct fp8_session_options_t {
  uint32_t struct_size;     /* sizeof(fp8_session_options_t) */
  fp8_device_kind_t device; /* preference; AUTO by default */
  int32_t num_threads;      /* CPU threads; 0 = all cores */
  /* Upper bounds the session plans memory for; 0 = the model's own limits
   * (its metadata), else 1 and 512. */
  int64_t max_batch;
  int64_t max_sequence;
  /* Non-zero: fail session creation if a node cannot run on the preferred
   * device, instead of falling back to another backend. */
  int32_t strict_device;
  /* Appended (read when struct_size covers it): the most device memory in
   * bytes a GPU backend may hold for the session; 0 = no limit. A device
   * that needs more or runs out of memory is left out (the session falls
   * back, or fails with FP8_STATUS_RESOURCE_EXHAUSTED when strict). */
  uint64_t device_memory_limit;
} fp8_session_options_t;

/* Fills defaults (struct_size included). */
FP8_API void fp8_session_options_init(fp8_session_options_t* options);

/* options may be NULL (defaults). The model must outlive the session. */
FP8_API fp8_status_t* fp8_session_create(const fp8_model_t* model,
                                         const fp8_session_options_t* options,
                                         fp8_session_t** out_session);
FP8_API void fp8_session_free(fp8_session_t* session); /* NULL is fine */

/* Copies an input into the session. dtype and rank must match the model's
 * input; symbolic dimensions take the given sizes (within the session's
 * limits), fixed ones must match; size_bytes must equal the tensor's size.
 * Integer token ids are checked against the embedding table at run. */
FP8_API fp8_status_t* fp8_session_set_input(fp8_session_t* session, const char* name,
                                            fp8_dtype_t dtype, const int64_t* dims, size_t rank,
                                            const void* data, size_t size_bytes);
/* Runs the model on the inputs set. Every input must have been set. */
FP8_API fp8_status_t* fp8_session_run(fp8_session_t* session);

/* An output after fp8_session_run: data is valid until the next run or until
 * the session is freed. */
typedef struct fp8_tensor_view_t {
  const char* name;
  fp8_dtype_t dtype;
  size_t rank;
  int64_t dims[FP8_MAX_RANK];
  const void* data;
  size_t size_bytes;
} fp8_tensor_view_t;
FP8_API fp8_status_t* fp8_session_get_output(fp8_session_t* session, const char* name,
                                             fp8_tensor_view_t* out_view);

/* A human-readable account of the session: which backend and device runs
 * which nodes and why others were declined, the partitions, and the memory
 * plan's peak. Owned by the session; valid until it is freed. */
FP8_API const char* fp8_session_describe(const fp8_session_t* session);
/* Bytes of the activation arenas the session planned (all devices). */
FP8_API size_t fp8_session_planned_bytes(const fp8_session_t* session);

/* ---- Backends ----
 * Backends are found automatically (see backend.h and the search path in
 * README.md). These add more: a statically linked backend's entry function,
 * or a plugin library by path. A backend built for another ABI version is
 * refused with FP8_STATUS_ABI_MISMATCH. Affects sessions created afterwards. */
struct fp8_backend_vtable_t;
FP8_API fp8_status_t* fp8_register_backend(
    const struct fp8_backend_vtable_t* (*entry)(uint32_t host_abi_version));
FP8_API fp8_status_t* fp8_load_backend_plugin(const char* path);

#ifdef __cplusplus
}
#endif

#endif /* FP8SDK_FP8SDK_H_ */
