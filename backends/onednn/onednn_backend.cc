// The vtable: instance (oneDNN CPU engine + in-order stream + thread count),
// host buffers, claim, prepare, execute. Every function that can fail catches
// every exception (FP8_ONEDNN_GUARD): none crosses the C ABI.
#include "backends/onednn/onednn_backend.h"

#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/common/host_memory.h"
#include "backends/onednn/dnnl_error.h"
#include "backends/onednn/kernel.h"

namespace fp8sdk {
namespace onednn {
namespace {

// Debian's libdnnl 2.6 is built with the OpenMP CPU runtime
// (DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP): oneDNN uses omp_get_max_threads()
// of the calling thread, so the thread count is set with omp_set_num_threads
// on the thread that calls prepare/execute (an instance is used by one thread
// at a time, but not always the same one).
static_assert(DNNL_CPU_RUNTIME == DNNL_RUNTIME_OMP, "thread control below assumes OpenMP");

struct Instance {
  explicit Instance(int t) : threads(t), engine(dnnl::engine::kind::cpu, 0), stream(engine) {}
  int threads;
  dnnl::engine engine;
  dnnl::stream stream;
};

struct Partition {
  std::vector<std::unique_ptr<Kernel>> kernels;
  // Working memory the kernels share (ExecContext::workspace).
  std::unique_ptr<uint8_t, decltype(&std::free)> workspace{nullptr, &std::free};
};

Instance* Self(void* instance) { return static_cast<Instance*>(instance); }

fp8_status_code_t Create(const fp8_backend_config_t* config, void** out, fp8_error_t* err) {
  const int threads = config && config->num_threads > 0 ? config->num_threads : omp_get_num_procs();
  FP8_ONEDNN_GUARD("creating the oneDNN CPU engine", err, {
    *out = new Instance(threads);
    return FP8_STATUS_OK;
  });
}

void Destroy(void* instance) {
  try {
    delete Self(instance);
  } catch (...) {  // a destructor that throws must not cross the ABI
  }
}

uint32_t DeviceCount(void*) { return 1; }

fp8_status_code_t DeviceInfo(void* instance, uint32_t device, fp8_device_info_t* out,
                             fp8_error_t* err) {
  if (device != 0) return backend::Fail(err, FP8_STATUS_OUT_OF_RANGE, "no device %u", device);
  std::memset(out, 0, sizeof(*out));
  out->struct_size = sizeof(*out);
  const dnnl_version_t* v = dnnl_version();
  std::snprintf(out->name, sizeof(out->name), "oneDNN %d.%d.%d CPU (%d threads)", v->major,
                v->minor, v->patch, Self(instance)->threads);
  out->kind = FP8_DEVICE_CPU;
  out->host_memory = 1;
  out->native_fp8 = 0;
  return FP8_STATUS_OK;
}

fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t* graph, const fp8_graph_api_t* api,
                        uint8_t* claimed, fp8_decline_fn decline, void* ctx, fp8_error_t* err) {
  FP8_ONEDNN_GUARD("claiming nodes", err, {
    const backend::GraphAccess g(graph, api);
    for (size_t n = 0; n < g.NodeCount(); ++n) {
      if (const char* why = DeclineReason(g, n)) {
        decline(ctx, n, why);
      } else {
        claimed[n] = 1;
      }
    }
    return FP8_STATUS_OK;
  });
}

fp8_status_code_t Prepare(void* instance, uint32_t, const fp8_graph_t* graph,
                          const fp8_graph_api_t* api, const size_t* nodes, size_t count, void** out,
                          fp8_error_t* err) {
  Instance* self = Self(instance);
  omp_set_num_threads(self->threads);  // reorders at prepare run threaded too
  std::string label = "preparing a oneDNN partition";
  try {
    const backend::GraphAccess g(graph, api);
    auto part = std::make_unique<Partition>();
    part->kernels.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      label = g.NodeLabel(nodes[i]);  // names the node in a oneDNN error
      std::unique_ptr<Kernel> k = MakeKernel(g, nodes[i], self->engine, err);
      if (!k) return FP8_STATUS_UNSUPPORTED;
      part->kernels.push_back(std::move(k));
    }
    size_t bytes = 64;
    for (const auto& k : part->kernels) bytes = std::max(bytes, k->workspace_bytes());
    part->workspace.reset(static_cast<uint8_t*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
    if (!part->workspace) {
      return backend::Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED,
                           "oneDNN backend: cannot allocate %zu bytes of working memory", bytes);
    }
    *out = part.release();
    return FP8_STATUS_OK;
  } catch (...) {
    return TranslateCurrentException(label.c_str(), err);
  }
}

fp8_status_code_t Execute(void* instance, uint32_t, void* partition,
                          const fp8_tensor_binding_t* bindings, size_t count, fp8_error_t* err) {
  Instance* self = Self(instance);
  omp_set_num_threads(self->threads);
  ExecContext ctx;
  ctx.bindings = bindings;
  ctx.binding_count = count;
  ctx.engine = &self->engine;
  ctx.stream = &self->stream;
  ctx.threads = self->threads;
  ctx.err = err;
  Partition* part = static_cast<Partition*>(partition);
  ctx.workspace = part->workspace.get();
  FP8_ONEDNN_GUARD("oneDNN execute", err, {
    for (auto& k : part->kernels) {
      const fp8_status_code_t st = k->Run(ctx);
      if (st != FP8_STATUS_OK) return st;
    }
    return FP8_STATUS_OK;
  });
}

fp8_status_code_t Synchronize(void* instance, uint32_t, fp8_error_t* err) {
  FP8_ONEDNN_GUARD("oneDNN stream wait", err, {
    Self(instance)->stream.wait();
    return FP8_STATUS_OK;
  });
}

void Release(void*, uint32_t, void* partition) {
  try {
    delete static_cast<Partition*>(partition);
  } catch (...) {
  }
}

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "onednn",
    FP8_DEVICE_CPU,
    /*priority=*/50,
    Create,
    Destroy,
    DeviceCount,
    DeviceInfo,
    Claim,
    backend::HostBufferAlloc,
    backend::HostBufferFree,
    backend::HostCopyToDevice,
    backend::HostCopyToHost,
    Prepare,
    Execute,
    Synchronize,
    Release,
};

}  // namespace
}  // namespace onednn
}  // namespace fp8sdk

extern "C" const fp8_backend_vtable_t* fp8_onednn_backend_entry(uint32_t) {
  return &fp8sdk::onednn::kVtable;
}
