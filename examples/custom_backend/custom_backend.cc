// A complete fp8sdk backend plugin in one file, using nothing but the public
// C ABI (fp8sdk/backend.h). It runs ADD, GELU and TANH on an emulated device
// whose memory the runtime cannot read: buffer handles are opaque, so the
// runtime must insert copies at the boundaries with host backends. The
// runtime's tests load it as a stand-in plugin; it doubles as the example of
// how to write a backend.
//
// Build as a shared library named libfp8_backend_<name>.so and put it on
// FP8SDK_BACKEND_PATH (or next to the application), or register its entry
// function with fp8_register_backend.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "fp8sdk/backend.h"

#ifndef CUSTOM_BACKEND_ABI_VERSION
#define CUSTOM_BACKEND_ABI_VERSION FP8_BACKEND_ABI_VERSION
#endif

namespace {

// "Device memory": the runtime only ever sees a pointer to this handle.
struct DeviceBuffer {
  unsigned magic = 0xDE71CE;
  std::vector<unsigned char> bytes;
};

struct Node {
  fp8_op_type_t op;
  int32_t in0, in1, out;
  int tanh_gelu;
};

struct Partition {
  std::vector<Node> nodes;
};

void SetError(fp8_error_t* err, const char* msg) {
  if (err) std::snprintf(err->message, sizeof(err->message), "%s", msg);
}

float* Resolve(const fp8_tensor_binding_t& b) {
  auto* buf = static_cast<DeviceBuffer*>(b.buffer);
  return reinterpret_cast<float*>(buf->bytes.data() + b.offset);
}

int64_t Elements(const fp8_tensor_binding_t& b) {
  int64_t n = 1;
  for (int i = 0; i < b.rank; ++i) n *= b.dims[i];
  return n;
}

fp8_status_code_t Create(const fp8_backend_config_t*, void** out, fp8_error_t*) {
  static int instance_tag;
  *out = &instance_tag;
  return FP8_STATUS_OK;
}
void Destroy(void*) {}
uint32_t DeviceCount(void*) { return 1; }

fp8_status_code_t DeviceInfo(void*, uint32_t, fp8_device_info_t* out, fp8_error_t*) {
  std::memset(out, 0, sizeof(*out));
  out->struct_size = sizeof(*out);
  std::snprintf(out->name, sizeof(out->name), "emulated device");
  out->kind = FP8_DEVICE_CPU;
  out->host_memory = 0;
  return FP8_STATUS_OK;
}

fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t* g, const fp8_graph_api_t* api,
                        uint8_t* claimed, fp8_decline_fn decline, void* ctx, fp8_error_t*) {
  for (size_t n = 0; n < api->node_count(g); ++n) {
    const fp8_op_type_t op = api->node_op(g, n);
    bool ok = op == FP8_OP_ADD || op == FP8_OP_GELU || op == FP8_OP_TANH;
    // Only float inputs held in memory (constants would need an upload).
    for (size_t i = 0; ok && i < api->node_input_count(g, n); ++i) {
      const int32_t t = api->node_input(g, n, i);
      ok = api->tensor_dtype(g, t) == FP8_DTYPE_F32 && !api->tensor_const_data(g, t, nullptr);
    }
    if (ok) {
      claimed[n] = 1;
    } else {
      decline(ctx, n, "runs only ADD, GELU and TANH on f32 activations");
    }
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t BufferAlloc(void*, uint32_t, uint64_t size, void** out, fp8_error_t* err) {
  auto* b = new (std::nothrow) DeviceBuffer();
  if (!b) {
    SetError(err, "out of memory");
    return FP8_STATUS_RESOURCE_EXHAUSTED;
  }
  b->bytes.resize(size);
  *out = b;
  return FP8_STATUS_OK;
}

void BufferFree(void*, uint32_t, void* buffer) { delete static_cast<DeviceBuffer*>(buffer); }

fp8_status_code_t CopyToDevice(void*, uint32_t, void* dst, uint64_t off, const void* src,
                               uint64_t size, fp8_error_t* err) {
  auto* b = static_cast<DeviceBuffer*>(dst);
  if (b->magic != 0xDE71CE || off + size > b->bytes.size()) {
    SetError(err, "copy_to_device out of bounds");
    return FP8_STATUS_OUT_OF_RANGE;
  }
  std::memcpy(b->bytes.data() + off, src, size);
  return FP8_STATUS_OK;
}

fp8_status_code_t CopyToHost(void*, uint32_t, void* dst, const void* src, uint64_t off,
                             uint64_t size, fp8_error_t* err) {
  auto* b = static_cast<const DeviceBuffer*>(src);
  if (b->magic != 0xDE71CE || off + size > b->bytes.size()) {
    SetError(err, "copy_to_host out of bounds");
    return FP8_STATUS_OUT_OF_RANGE;
  }
  std::memcpy(dst, b->bytes.data() + off, size);
  return FP8_STATUS_OK;
}

fp8_status_code_t Prepare(void*, uint32_t, const fp8_graph_t* g, const fp8_graph_api_t* api,
                          const size_t* nodes, size_t count, void** out, fp8_error_t* err) {
  auto* p = new (std::nothrow) Partition();
  if (!p) {
    SetError(err, "out of memory");
    return FP8_STATUS_RESOURCE_EXHAUSTED;
  }
  for (size_t i = 0; i < count; ++i) {
    Node n;
    n.op = api->node_op(g, nodes[i]);
    n.in0 = api->node_input(g, nodes[i], 0);
    n.in1 = api->node_input(g, nodes[i], 1);
    n.out = api->node_output(g, nodes[i], 0);
    n.tanh_gelu = n.op == FP8_OP_GELU &&
                  api->node_attr_int(g, nodes[i], FP8_ATTR_GELU_APPROX) == FP8_GELU_TANH;
    p->nodes.push_back(n);
  }
  *out = p;
  return FP8_STATUS_OK;
}

// out[i] = a[map(i)] + b[map(i)] with numpy broadcasting.
void Add(const fp8_tensor_binding_t& a, const fp8_tensor_binding_t& b,
         const fp8_tensor_binding_t& o) {
  const float* x = Resolve(a);
  const float* y = Resolve(b);
  float* z = Resolve(o);
  const int64_t n = Elements(o);
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, ia = 0, ib = 0, sa = 1, sb = 1;
    for (int d = o.rank - 1; d >= 0; --d) {
      const int64_t idx = rem % o.dims[d];
      rem /= o.dims[d];
      const int da = d - (o.rank - a.rank), db = d - (o.rank - b.rank);
      if (da >= 0) {
        if (a.dims[da] != 1) ia += idx * sa;
        sa *= a.dims[da];
      }
      if (db >= 0) {
        if (b.dims[db] != 1) ib += idx * sb;
        sb *= b.dims[db];
      }
    }
    z[i] = x[ia] + y[ib];
  }
}

fp8_status_code_t Execute(void*, uint32_t, void* partition, const fp8_tensor_binding_t* bind,
                          size_t, fp8_error_t*) {
  for (const Node& n : static_cast<Partition*>(partition)->nodes) {
    const fp8_tensor_binding_t& o = bind[n.out];
    if (n.op == FP8_OP_ADD) {
      Add(bind[n.in0], bind[n.in1], o);
      continue;
    }
    const float* x = Resolve(bind[n.in0]);
    float* y = Resolve(o);
    const int64_t count = Elements(o);
    for (int64_t i = 0; i < count; ++i) {
      const float v = x[i];
      if (n.op == FP8_OP_TANH) {
        y[i] = std::tanh(v);
      } else if (n.tanh_gelu) {
        y[i] = 0.5f * v * (1.0f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
      } else {
        y[i] = 0.5f * v * (1.0f + std::erf(v * 0.7071067811865476f));
      }
    }
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Synchronize(void*, uint32_t, fp8_error_t*) { return FP8_STATUS_OK; }
void Release(void*, uint32_t, void* partition) { delete static_cast<Partition*>(partition); }

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    CUSTOM_BACKEND_ABI_VERSION,
    CUSTOM_BACKEND_NAME,
    FP8_DEVICE_CPU,
    /*priority=*/100,
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

}  // namespace

extern "C" __attribute__((visibility("default"))) const fp8_backend_vtable_t* fp8_backend_entry(
    uint32_t) {
  return &kVtable;
}
