#include "backends/reference/reference_backend.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "backends/common/host_memory.h"
#include "backends/reference/kernel.h"

namespace fp8sdk {
namespace reference {
namespace {

struct Instance {
  explicit Instance(int threads) : pool(threads) {}
  ThreadPool pool;
};

struct Partition {
  std::vector<std::unique_ptr<Kernel>> kernels;
  Scratch scratch;
};

Instance* Self(void* instance) { return static_cast<Instance*>(instance); }

fp8_status_code_t Create(const fp8_backend_config_t* config, void** out, fp8_error_t* err) {
  int threads = config && config->num_threads > 0 ? config->num_threads : 0;
  try {
    *out = new Instance(threads);
  } catch (const std::exception& e) {
    return backend::Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "cannot start threads: %s", e.what());
  }
  return FP8_STATUS_OK;
}

void Destroy(void* instance) { delete Self(instance); }

uint32_t DeviceCount(void*) { return 1; }

fp8_status_code_t DeviceInfo(void* instance, uint32_t device, fp8_device_info_t* out,
                             fp8_error_t* err) {
  if (device != 0) return backend::Fail(err, FP8_STATUS_OUT_OF_RANGE, "no device %u", device);
  std::memset(out, 0, sizeof(*out));
  out->struct_size = sizeof(*out);
  std::snprintf(out->name, sizeof(out->name), "reference CPU (%d threads)",
                Self(instance)->pool.num_threads());
  out->kind = FP8_DEVICE_REFERENCE;
  out->host_memory = 1;
  return FP8_STATUS_OK;
}

fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t* graph, const fp8_graph_api_t* api,
                        uint8_t* claimed, fp8_decline_fn decline, void* ctx, fp8_error_t*) {
  const backend::GraphAccess g(graph, api);
  for (size_t n = 0; n < g.NodeCount(); ++n) {
    // LINEAR needs constant weights and bias (decoded once at prepare).
    if (g.Op(n) == OpType::kLINEAR) {
      const int32_t b = g.Input(n, 2);
      if (!g.ConstData(g.Input(n, 1)) || (b >= 0 && !g.ConstData(b))) {
        decline(ctx, n, "LINEAR with a non-constant weight or bias");
        continue;
      }
    }
    claimed[n] = 1;
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Prepare(void* instance, uint32_t, const fp8_graph_t* graph,
                          const fp8_graph_api_t* api, const size_t* nodes, size_t count, void** out,
                          fp8_error_t* err) {
  const backend::GraphAccess g(graph, api);
  auto part = std::make_unique<Partition>();
  try {
    for (size_t i = 0; i < count; ++i) {
      std::unique_ptr<Kernel> k = MakeKernel(g, nodes[i], Self(instance)->pool.num_threads(), err);
      if (!k) return FP8_STATUS_UNSUPPORTED;
      k->ReserveScratch(&part->scratch, Self(instance)->pool.num_threads());
      part->kernels.push_back(std::move(k));
    }
  } catch (const std::bad_alloc&) {
    return backend::Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "out of memory preparing kernels");
  }
  *out = part.release();
  return FP8_STATUS_OK;
}

fp8_status_code_t Execute(void* instance, uint32_t, void* partition,
                          const fp8_tensor_binding_t* bindings, size_t count, fp8_error_t* err) {
  ExecContext ctx;
  ctx.bindings = bindings;
  ctx.binding_count = count;
  ctx.pool = &Self(instance)->pool;
  ctx.err = err;
  Partition* part = static_cast<Partition*>(partition);
  ctx.scratch = &part->scratch;
  for (auto& k : part->kernels) {
    const fp8_status_code_t st = k->Run(ctx);
    if (st != FP8_STATUS_OK) return st;
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Synchronize(void*, uint32_t, fp8_error_t*) { return FP8_STATUS_OK; }

void Release(void*, uint32_t, void* partition) { delete static_cast<Partition*>(partition); }

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "reference",
    FP8_DEVICE_REFERENCE,
    /*priority=*/0,
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
}  // namespace reference
}  // namespace fp8sdk

extern "C" const fp8_backend_vtable_t* fp8_reference_backend_entry(uint32_t) {
  return &fp8sdk::reference::kVtable;
}
