/* fp8sdk backend plugin ABI (C).
 *
 * A backend is a shared library (or a statically linked object) exporting one
 * entry symbol, FP8_BACKEND_ENTRY_SYMBOL:
 *
 *   const fp8_backend_vtable_t* fp8_backend_entry(uint32_t host_abi_version);
 *
 * The host checks vtable->abi_version against FP8_BACKEND_ABI_VERSION before
 * calling anything else; a plugin built for another version is refused with a
 * message and its nodes fall back to other backends.
 *
 * Rules of the ABI: structs start with their size and only grow at the end;
 * enum values and vtable members are append-only; a host reads a member only
 * if the plugin's struct_size covers it. Plugins see the model only through
 * fp8_graph_api_t accessors, never through host structs.
 *
 * Life cycle, per session:
 *   create(config) -> instance
 *   device_count / device_info
 *   claim(device, graph)          which nodes this device runs, and why not the others
 *   buffer_alloc / buffer_free     device memory (activation arenas)
 *   prepare(device, nodes)         a partition: compile/upload weights/pick kernels
 *   execute(partition, bindings)   run (must not allocate device memory)
 *   copy_to_device / copy_to_host / synchronize
 *   release(partition), destroy(instance)
 * Errors are fp8_status_code_t values with a message written to fp8_error_t.
 * An instance is used by one thread at a time. */
#ifndef FP8SDK_BACKEND_H_
#define FP8SDK_BACKEND_H_

#include "fp8sdk/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FP8_BACKEND_ABI_VERSION 1u
#define FP8_BACKEND_ENTRY_SYMBOL "fp8_backend_entry"

/* A message buffer for errors. Backends write a NUL-terminated message. */
typedef struct fp8_error_t {
  char message[512];
} fp8_error_t;

/* ---- The graph, read-only, through accessors ---- */
typedef struct fp8_graph fp8_graph_t; /* opaque */

/* Operator attributes by key. Which keys an operator has is documented in
 * formats/fp8model.fbs; an absent key reads as its schema default. */
typedef enum fp8_attr_t {
  FP8_ATTR_AXIS = 0,          /* int:   GATHER, SLICE */
  FP8_ATTR_EPSILON = 1,       /* float: LAYER_NORM */
  FP8_ATTR_TRANSPOSE_B = 2,   /* int:   BATCH_MATMUL (0/1) */
  FP8_ATTR_ALPHA = 3,         /* float: BATCH_MATMUL */
  FP8_ATTR_SOFTMAX_SCALE = 4, /* float: SOFTMAX */
  FP8_ATTR_MASK_MODE = 5,     /* int:   SOFTMAX, fp8_mask_mode_t */
  FP8_ATTR_GELU_APPROX = 6,   /* int:   GELU, fp8_gelu_approx_t */
  FP8_ATTR_NUM_HEADS = 7,     /* int:   SPLIT_HEADS, MERGE_HEADS */
  FP8_ATTR_SLICE_START = 8,   /* int:   SLICE */
  FP8_ATTR_SLICE_END = 9,     /* int:   SLICE */
  FP8_ATTR_LIKE_AXIS = 10,    /* int:   SLICE */
  FP8_ATTR_SHAPE = 11,        /* ints:  RESHAPE */
  FP8_ATTR_PERM = 12,         /* ints:  TRANSPOSE */
  FP8_ATTR_FORCE_32BIT = 0x7fffffff
} fp8_attr_t;

typedef enum fp8_mask_mode_t {
  FP8_MASK_NONE = 0,
  FP8_MASK_KEY_PADDING = 1,
  FP8_MASK_ADDITIVE = 2
} fp8_mask_mode_t;

typedef enum fp8_gelu_approx_t { FP8_GELU_ERF = 0, FP8_GELU_TANH = 1 } fp8_gelu_approx_t;

typedef enum fp8_fp8_specials_t {
  FP8_SPECIALS_FINITE_ONLY = 0,
  FP8_SPECIALS_NAN_ONLY = 1,
  FP8_SPECIALS_IEEE = 2
} fp8_fp8_specials_t;

/* An FP8 format of the family (E4M3: 4, 3, 7, NAN_ONLY; E5M2: 5, 2, 15, IEEE). */
typedef struct fp8_fp8_format_t {
  int32_t exp_bits;
  int32_t man_bits;
  int32_t bias;
  fp8_fp8_specials_t specials;
} fp8_fp8_format_t;

/* Quantization of a tensor: real ~= decoded * scale. */
typedef struct fp8_quant_info_t {
  uint32_t struct_size;
  fp8_dtype_t dtype;
  size_t scale_count;      /* 1 per tensor, or dims[axis] */
  const float* scales;     /* owned by the model */
  int32_t axis;            /* -1 per tensor */
  fp8_fp8_format_t format; /* valid for FP8 dtypes */
} fp8_quant_info_t;

/* Activation quantization of an operator's input (LINEAR: which = 0;
 * BATCH_MATMUL: 0 = a, 1 = b). */
typedef struct fp8_act_quant_t {
  uint32_t struct_size;
  fp8_dtype_t dtype;
  float scale;
  fp8_fp8_format_t format;
} fp8_act_quant_t;

typedef struct fp8_graph_api_t {
  uint32_t struct_size;
  size_t (*node_count)(const fp8_graph_t* g);
  fp8_op_type_t (*node_op)(const fp8_graph_t* g, size_t node);
  const char* (*node_name)(const fp8_graph_t* g, size_t node);
  size_t (*node_input_count)(const fp8_graph_t* g, size_t node);
  /* Tensor index of input i, or -1 for an absent optional input. */
  int32_t (*node_input)(const fp8_graph_t* g, size_t node, size_t i);
  size_t (*node_output_count)(const fp8_graph_t* g, size_t node);
  int32_t (*node_output)(const fp8_graph_t* g, size_t node, size_t i);
  int64_t (*node_attr_int)(const fp8_graph_t* g, size_t node, fp8_attr_t attr);
  float (*node_attr_float)(const fp8_graph_t* g, size_t node, fp8_attr_t attr);
  /* Integer array attribute; returns its length, *out_values owned by the model. */
  size_t (*node_attr_ints)(const fp8_graph_t* g, size_t node, fp8_attr_t attr,
                           const int64_t** out_values);
  /* 1 and fills *out if the input is quantized, else 0. */
  int (*node_act_quant)(const fp8_graph_t* g, size_t node, int which, fp8_act_quant_t* out);

  size_t (*tensor_count)(const fp8_graph_t* g);
  const char* (*tensor_name)(const fp8_graph_t* g, int32_t tensor);
  fp8_dtype_t (*tensor_dtype)(const fp8_graph_t* g, int32_t tensor);
  /* The planning shape: the largest shape this session can see (symbolic
   * dimensions at their limits). Actual shapes come with each execute. */
  size_t (*tensor_rank)(const fp8_graph_t* g, int32_t tensor);
  int64_t (*tensor_dim)(const fp8_graph_t* g, int32_t tensor, size_t i);
  /* 1 and fills *out if the tensor is quantized, else 0. */
  int (*tensor_quant)(const fp8_graph_t* g, int32_t tensor, fp8_quant_info_t* out);
  /* Constant data in host memory, valid for the session's life; NULL for
   * non-constants. */
  const void* (*tensor_const_data)(const fp8_graph_t* g, int32_t tensor, size_t* out_size);
  /* Since ABI 1 (appended): called from prepare, tells the host that this
   * partition keeps its own form of the constant (packed, decoded, uploaded)
   * and will not read tensor_const_data's bytes again. When every reader of
   * a constant has said so and the model is a mapped file, the host drops
   * the file pages behind it from memory (they are read back from the file
   * if anything touches them later). A hint: calling it never changes
   * results, and a backend that never calls it is correct. */
  void (*tensor_const_done)(const fp8_graph_t* g, int32_t tensor);
} fp8_graph_api_t;

/* ---- Devices ---- */
typedef struct fp8_device_info_t {
  uint32_t struct_size;
  char name[128];         /* "NVIDIA H100 80GB HBM3", "llvmpipe (LLVM 15.0.6, 256 bits)" */
  fp8_device_kind_t kind; /* CPU, CUDA, VULKAN or REFERENCE */
  uint64_t memory_bytes;  /* 0 if unknown */
  int32_t native_fp8;     /* FP8 tensor cores / instructions */
  int32_t host_memory;    /* buffers are host memory: buffer handles are host pointers */
} fp8_device_info_t;

/* Per-session settings given to create(). */
typedef struct fp8_backend_config_t {
  uint32_t struct_size;
  int32_t num_threads; /* CPU threads the backend may use; >= 1 */
  /* Appended in ABI 1 (read only when struct_size covers them): */
  fp8_device_kind_t preferred_kind; /* the session's device preference (AUTO: none) */
  const char* device_hint; /* prefer devices whose name contains this; NULL or "": none */
  /* The most device memory (bytes) this instance may hold per device: arenas
   * and prepared partitions together; 0: no limit. A request past it fails
   * with FP8_STATUS_RESOURCE_EXHAUSTED, as a real out-of-memory does.
   * Backends whose buffers are host memory ignore it. */
  uint64_t device_memory_limit;
} fp8_backend_config_t;

/* Where a tensor lives for one execute: a buffer from buffer_alloc (or, for
 * host-memory devices, any host pointer) plus a byte offset, with the actual
 * shape of this run. Indexed by tensor index; entries of tensors the
 * partition does not touch are zeroed. Constants are not bound (use
 * tensor_const_data). */
typedef struct fp8_tensor_binding_t {
  void* buffer;
  uint64_t offset;
  int32_t rank;
  int64_t dims[FP8_MAX_RANK];
} fp8_tensor_binding_t;

/* Called by claim() for every node the device will not run. */
typedef void (*fp8_decline_fn)(void* ctx, size_t node, const char* reason);

typedef struct fp8_backend_vtable_t {
  uint32_t struct_size; /* sizeof(fp8_backend_vtable_t) of the plugin */
  uint32_t abi_version; /* FP8_BACKEND_ABI_VERSION the plugin was built with */
  const char* name;     /* "reference", "onednn", "cuda", "vulkan", ... */
  fp8_device_kind_t kind;
  int32_t priority; /* higher claims first under FP8_DEVICE_AUTO */

  fp8_status_code_t (*create)(const fp8_backend_config_t* config, void** out_instance,
                              fp8_error_t* err);
  void (*destroy)(void* instance);

  uint32_t (*device_count)(void* instance);
  fp8_status_code_t (*device_info)(void* instance, uint32_t device, fp8_device_info_t* out,
                                   fp8_error_t* err);

  /* Sets out_claimed[n] = 1 for every node n the device runs, and calls
   * decline(ctx, n, reason) for each one it does not. */
  fp8_status_code_t (*claim)(void* instance, uint32_t device, const fp8_graph_t* graph,
                             const fp8_graph_api_t* api, uint8_t* out_claimed,
                             fp8_decline_fn decline, void* decline_ctx, fp8_error_t* err);

  fp8_status_code_t (*buffer_alloc)(void* instance, uint32_t device, uint64_t size,
                                    void** out_buffer, fp8_error_t* err);
  void (*buffer_free)(void* instance, uint32_t device, void* buffer);
  fp8_status_code_t (*copy_to_device)(void* instance, uint32_t device, void* dst_buffer,
                                      uint64_t dst_offset, const void* src, uint64_t size,
                                      fp8_error_t* err);
  fp8_status_code_t (*copy_to_host)(void* instance, uint32_t device, void* dst,
                                    const void* src_buffer, uint64_t src_offset, uint64_t size,
                                    fp8_error_t* err);

  /* nodes: claimed node indices in execution order. */
  fp8_status_code_t (*prepare)(void* instance, uint32_t device, const fp8_graph_t* graph,
                               const fp8_graph_api_t* api, const size_t* nodes, size_t node_count,
                               void** out_partition, fp8_error_t* err);
  fp8_status_code_t (*execute)(void* instance, uint32_t device, void* partition,
                               const fp8_tensor_binding_t* bindings, size_t binding_count,
                               fp8_error_t* err);
  fp8_status_code_t (*synchronize)(void* instance, uint32_t device, fp8_error_t* err);
  void (*release)(void* instance, uint32_t device, void* partition);
} fp8_backend_vtable_t;

typedef const fp8_backend_vtable_t* (*fp8_backend_entry_fn)(uint32_t host_abi_version);

/* Memory reuse inside a partition: the runtime's planner may place a node's
 * output in memory that held a tensor last read by an earlier node of the
 * same partition, but never by one of the FP8_BACKEND_FUSION_WINDOW nodes
 * just before it. A backend may therefore fuse up to
 * FP8_BACKEND_FUSION_WINDOW + 1 consecutive nodes into one kernel that reads
 * all their inputs while writing their outputs. Nodes otherwise run as if in
 * order. The indices of a GATHER (input 1) are never overwritten before the
 * end of their partition: a device backend may check them while it runs and
 * read a bad one back after the work completes, to report its value. */
#define FP8_BACKEND_FUSION_WINDOW 4

#ifdef __cplusplus
}
#endif

#endif /* FP8SDK_BACKEND_H_ */
