// The CUDA backend plugin (fp8sdk/backend.h): the whole graph on an NVIDIA
// GPU. LINEAR with E4M3 activations and E4M3/E5M2 weights runs as an FP8
// GEMM on the tensor cores through cuBLASLt (sm_89 and newer): activations
// quantized by our kernel (the CPU encoder's integer steps, so the codes are
// equal), K and the output's leading dimension padded to 16 for cuBLASLt's
// FP8 rules ("TN" layout), fp32 accumulation, then our epilogue applies the
// per-channel scales and the bias. Other LINEARs: bf16 GEMMs on weights
// decoded once at load (FP8/INT8 codes are exact in bf16) or f32 GEMMs.
// Attention products: cuBLASLt strided batched f32 GEMMs on fake-quantized
// operands. LayerNorm (with the residual ADD fused), Softmax, GELU, gather,
// quantize and data movement: kernels of our own (kernels_*.cu). A partition
// is captured into a CUDA graph per input shape and replayed (the last 8
// shapes are kept).
//
// On a machine without a GPU or driver the plugin loads, create() fails with
// the CUDA error's name, and the session runs elsewhere.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backends/common/device_ops.h"
#include "backends/common/graph_access.h"
#include "backends/common/lru_cache.h"
#include "backends/cuda/cuda_ops.h"
#include "backends/cuda/lt_gemm.h"
#include "fp8sdk/backend.h"
#include "sdk/numerics/fp8_format.h"
#include "sdk/numerics/fp8_params.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace cuda {
namespace {

using backend::Fail;

fp8_status_code_t CudaFail(fp8_error_t* err, cudaError_t e, const char* what) {
  cudaGetLastError();  // clear a sticky launch error's report
  return Fail(
      err,
      e == cudaErrorMemoryAllocation ? FP8_STATUS_RESOURCE_EXHAUSTED : FP8_STATUS_BACKEND_ERROR,
      "CUDA: %s: %s (%s)", what, cudaGetErrorName(e), cudaGetErrorString(e));
}

#define FP8_CUDA(call, what)                               \
  do {                                                     \
    const cudaError_t e_ = (call);                         \
    if (e_ != cudaSuccess) return CudaFail(err, e_, what); \
  } while (0)

struct Instance {
  std::vector<DeviceState> devices;
  uint64_t memory_limit = 0;  // per device; 0: none (fp8_backend_config_t)
};

// cudaMalloc within the session's device memory limit; `what` names it.
fp8_status_code_t Malloc(const Instance* self, DeviceState& d, uint64_t bytes, void** out,
                         const char* what, fp8_error_t* err) {
  if (self->memory_limit > 0 && d.held + bytes > self->memory_limit) {
    return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED,
                "CUDA: %s: %llu bytes more would pass the session's device memory limit of "
                "%llu bytes (%llu held)",
                what, static_cast<unsigned long long>(bytes),
                static_cast<unsigned long long>(self->memory_limit),
                static_cast<unsigned long long>(d.held));
  }
  FP8_CUDA(cudaMalloc(out, bytes), what);
  d.held += bytes;
  d.sizes[*out] = bytes;
  return FP8_STATUS_OK;
}

void Free(DeviceState& d, void* ptr) {
  if (!ptr) return;
  auto it = d.sizes.find(ptr);
  if (it != d.sizes.end()) {
    d.held -= std::min(d.held, it->second);
    d.sizes.erase(it);
  }
  cudaFree(ptr);
}

Instance* Self(void* p) { return static_cast<Instance*>(p); }

fp8_status_code_t Open(Instance* self, uint32_t device, fp8_error_t* err) {
  if (device >= self->devices.size())
    return Fail(err, FP8_STATUS_INVALID_ARGUMENT, "no such device");
  DeviceState& d = self->devices[device];
  FP8_CUDA(cudaSetDevice(d.ordinal), "cudaSetDevice");
  if (d.open) return FP8_STATUS_OK;
  FP8_CUDA(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking), "cudaStreamCreate");
  const cublasStatus_t lt = cublasLtCreate(&d.lt);
  if (lt != CUBLAS_STATUS_SUCCESS) {
    cudaStreamDestroy(d.stream);
    d.stream = nullptr;
    return LtFail(err, lt, "cublasLtCreate");
  }
  const cudaError_t e = cudaMalloc(&d.workspace, kWorkspaceBytes);
  if (e != cudaSuccess) {
    cublasLtDestroy(d.lt);
    cudaStreamDestroy(d.stream);
    d.lt = nullptr;
    d.stream = nullptr;
    d.workspace = nullptr;
    return CudaFail(err, e, "cudaMalloc (cuBLASLt workspace)");
  }
  d.open = true;
  return FP8_STATUS_OK;
}

// A captured and instantiated CUDA graph.
struct GraphExec {
  explicit GraphExec(cudaGraphExec_t e) : exec(e) {}
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  ~GraphExec() {
    if (exec) cudaGraphExecDestroy(exec);
  }
  cudaGraphExec_t exec;
};
constexpr size_t kGraphs = 8;  // shapes a partition keeps captured

struct Partition {
  DeviceState* dev = nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels;
  uint8_t* consts = nullptr;
  uint8_t* scratch = nullptr;
  unsigned long long* status = nullptr;  // device
  std::vector<unsigned long long> status_host;
  int status_words = 0;
  // CUDA graphs of the last kGraphs shapes and places of the bindings
  // (their signature), replayed when a run matches one.
  backend::LruCache<std::vector<int64_t>, GraphExec> graphs{kGraphs};
  std::vector<int64_t> run_signature;
  bool use_graphs = true;
};

void ReleasePartition(Partition* p) {
  if (!p) return;
  if (p->dev) cudaSetDevice(p->dev->ordinal);
  p->graphs.Clear();
  if (p->dev) {
    Free(*p->dev, p->consts);
    Free(*p->dev, p->scratch);
  }
  cudaFree(p->status);
  delete p;
}

// ---- vtable ----

fp8_status_code_t Create(const fp8_backend_config_t* config, void** out, fp8_error_t* err) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return Fail(err, FP8_STATUS_UNSUPPORTED, "no usable CUDA device: cudaGetDeviceCount: %s (%s)",
                cudaGetErrorName(e), cudaGetErrorString(e));
  }
  if (n == 0) return Fail(err, FP8_STATUS_UNSUPPORTED, "no CUDA device");
  auto self = std::make_unique<Instance>();
  self->memory_limit = backend::DeviceMemoryLimit(config);
  const bool reads_hint =
      config && config->struct_size >= offsetof(fp8_backend_config_t, device_hint) + sizeof(void*);
  const std::string hint = reads_hint && config->device_hint ? config->device_hint : "";
  for (int i = 0; i < n; ++i) {
    DeviceState d;
    d.ordinal = i;
    if (cudaGetDeviceProperties(&d.props, i) != cudaSuccess) continue;
    self->devices.push_back(d);
  }
  if (!hint.empty()) {
    std::stable_partition(self->devices.begin(), self->devices.end(), [&](const DeviceState& d) {
      return std::string(d.props.name).find(hint) != std::string::npos;
    });
  }
  if (self->devices.empty()) return Fail(err, FP8_STATUS_UNSUPPORTED, "no CUDA device answered");
  *out = self.release();
  return FP8_STATUS_OK;
}

void Destroy(void* instance) {
  Instance* self = Self(instance);
  for (DeviceState& d : self->devices) {
    if (!d.open) continue;
    cudaSetDevice(d.ordinal);
    cudaStreamSynchronize(d.stream);
    cublasLtDestroy(d.lt);
    cudaFree(d.workspace);
    cudaStreamDestroy(d.stream);
  }
  delete self;
}

uint32_t DeviceCount(void* instance) {
  return static_cast<uint32_t>(Self(instance)->devices.size());
}

fp8_status_code_t DeviceInfo(void* instance, uint32_t device, fp8_device_info_t* out,
                             fp8_error_t* err) {
  Instance* self = Self(instance);
  if (device >= self->devices.size())
    return Fail(err, FP8_STATUS_INVALID_ARGUMENT, "no such device");
  const cudaDeviceProp& p = self->devices[device].props;
  std::snprintf(out->name, sizeof(out->name), "%.100s (sm_%d%d)", p.name, p.major, p.minor);
  out->kind = FP8_DEVICE_CUDA;
  out->memory_bytes = p.totalGlobalMem;
  out->native_fp8 = p.major * 10 + p.minor >= 89;
  out->host_memory = 0;
  return FP8_STATUS_OK;
}

fp8_status_code_t Claim(void*, uint32_t, const fp8_graph_t* graph, const fp8_graph_api_t* api,
                        uint8_t* claimed, fp8_decline_fn decline, void* ctx, fp8_error_t*) {
  const backend::GraphAccess g(graph, api);
  for (size_t n = 0; n < g.NodeCount(); ++n) {
    const char* why = DeclineReason(g, n);
    claimed[n] = why == nullptr;
    if (why) decline(ctx, n, why);
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t BufferAlloc(void* instance, uint32_t device, uint64_t size, void** out,
                              fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  return Malloc(self, self->devices[device], std::max<uint64_t>(size, 256), out,
                "cudaMalloc (arena)", err);
}

void BufferFree(void* instance, uint32_t device, void* buffer) {
  Instance* self = Self(instance);
  if (device >= self->devices.size()) return;
  cudaSetDevice(self->devices[device].ordinal);
  Free(self->devices[device], buffer);
}

fp8_status_code_t CopyToDevice(void* instance, uint32_t device, void* dst, uint64_t off,
                               const void* src, uint64_t size, fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& d = self->devices[device];
  FP8_CUDA(cudaMemcpyAsync(static_cast<uint8_t*>(dst) + off, src, size, cudaMemcpyHostToDevice,
                           d.stream),
           "cudaMemcpyAsync (to device)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");
  return FP8_STATUS_OK;
}

fp8_status_code_t CopyToHost(void* instance, uint32_t device, void* dst, const void* src,
                             uint64_t off, uint64_t size, fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& d = self->devices[device];
  FP8_CUDA(cudaMemcpyAsync(dst, static_cast<const uint8_t*>(src) + off, size,
                           cudaMemcpyDeviceToHost, d.stream),
           "cudaMemcpyAsync (to host)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");
  return FP8_STATUS_OK;
}

fp8_status_code_t Prepare(void* instance, uint32_t device, const fp8_graph_t* graph,
                          const fp8_graph_api_t* api, const size_t* nodes, size_t count, void** out,
                          fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& d = self->devices[device];
  std::unique_ptr<Partition, void (*)(Partition*)> p(new Partition(), ReleasePartition);
  p->dev = &d;
  if (const char* env = std::getenv("FP8SDK_CUDA_GRAPHS"))
    p->use_graphs = std::strcmp(env, "0") != 0;
  const backend::GraphAccess g(graph, api);
  ConstantPool pool;
  const int sm = d.props.major * 10 + d.props.minor;
  size_t scratch = 256;
  for (size_t i = 0; i < count; ++i) {
    p->kernels.push_back(MakeKernel(g, nodes[i], &pool, &p->status_words, sm));
    scratch = std::max(scratch, p->kernels.back()->scratch_bytes());
    // ADD then LAYER_NORM on its output, same shapes: one fused kernel.
    if (i > 0 && g.Op(nodes[i]) == OpType::kLAYER_NORM && g.Op(nodes[i - 1]) == OpType::kADD &&
        g.Input(nodes[i], 0) == g.Output(nodes[i - 1]) &&
        g.PlanShape(g.Input(nodes[i - 1], 0)) == g.PlanShape(g.Input(nodes[i - 1], 1))) {
      p->kernels[i]->FuseResidual(p->kernels[i - 1].get());
    }
  }
  // A GEMM cuBLASLt cannot run fails here, where the session can still
  // leave this device out, not in a run.
  for (const auto& k : p->kernels) {
    st = k->Check(d.lt, err);
    if (st != FP8_STATUS_OK) return st;
  }
  for (size_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < g.InputCount(nodes[i]); ++k) {
      const int32_t t = g.Input(nodes[i], k);
      if (t >= 0 && g.ConstData(t)) g.ConstDone(t);  // uploaded below
    }
  }
  const std::vector<uint8_t>& bytes = pool.bytes();
  st = Malloc(self, d, std::max<size_t>(bytes.size(), 256), reinterpret_cast<void**>(&p->consts),
              "cudaMalloc (weights)", err);
  if (st != FP8_STATUS_OK) return st;
  // On the partition's stream (a cudaMemcpy from pageable memory may return
  // before the copy lands, and this non-blocking stream would not wait for it).
  FP8_CUDA(cudaMemcpyAsync(p->consts, bytes.data(), bytes.size(), cudaMemcpyHostToDevice, d.stream),
           "cudaMemcpyAsync (weights)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize (weights)");
  st = Malloc(self, d, scratch, reinterpret_cast<void**>(&p->scratch), "cudaMalloc (scratch)", err);
  if (st != FP8_STATUS_OK) return st;
  p->status_host.assign(static_cast<size_t>(std::max(1, p->status_words)), ~0ull);
  FP8_CUDA(cudaMalloc(reinterpret_cast<void**>(&p->status),
                      p->status_host.size() * sizeof(unsigned long long)),
           "cudaMalloc (status)");
  *out = p.release();
  return FP8_STATUS_OK;
}

fp8_status_code_t LaunchAll(Partition* p, const RunContext& rc) {
  for (auto& k : p->kernels) {
    if (k->skipped) continue;
    const fp8_status_code_t st = k->Launch(rc);
    if (st != FP8_STATUS_OK) return st;
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Execute(void*, uint32_t, void* partition, const fp8_tensor_binding_t* bindings,
                          size_t binding_count, fp8_error_t* err) {
  Partition* p = static_cast<Partition*>(partition);
  DeviceState& d = *p->dev;
  FP8_CUDA(cudaSetDevice(d.ordinal), "cudaSetDevice");
  RunContext rc;
  rc.bindings = bindings;
  rc.consts = p->consts;
  rc.scratch = p->scratch;
  rc.status = p->status;
  rc.dev = &d;
  rc.err = err;
  std::fill(p->status_host.begin(), p->status_host.end(), ~0ull);
  FP8_CUDA(cudaMemcpyAsync(p->status, p->status_host.data(),
                           p->status_host.size() * sizeof(unsigned long long),
                           cudaMemcpyHostToDevice, d.stream),
           "cudaMemcpyAsync (status)");
  // The shapes and places of this run; one captured before: replay its graph.
  std::vector<int64_t>& sig = p->run_signature;  // kept: no allocation per run
  sig.clear();
  for (size_t t = 0; t < binding_count; ++t) {
    const fp8_tensor_binding_t& b = bindings[t];
    if (!b.buffer) continue;
    sig.push_back(static_cast<int64_t>(reinterpret_cast<uintptr_t>(b.buffer) + b.offset));
    for (int r = 0; r < b.rank; ++r) sig.push_back(b.dims[r]);
  }
  GraphExec* replay = p->use_graphs ? p->graphs.Find(sig) : nullptr;
  if (replay) {
    FP8_CUDA(cudaGraphLaunch(replay->exec, d.stream), "cudaGraphLaunch");
  } else if (p->use_graphs) {
    FP8_CUDA(cudaStreamBeginCapture(d.stream, cudaStreamCaptureModeThreadLocal),
             "cudaStreamBeginCapture");
    const fp8_status_code_t st = LaunchAll(p, rc);
    cudaGraph_t graph = nullptr;
    const cudaError_t e = cudaStreamEndCapture(d.stream, &graph);
    if (st != FP8_STATUS_OK && e == cudaSuccess) {  // a failure of its own, not of capturing
      if (graph) cudaGraphDestroy(graph);
      return st;
    }
    if (st != FP8_STATUS_OK && graph) cudaGraphDestroy(graph);
    cudaGraphExec_t exec = nullptr;
    cudaError_t ie = e;
    if (e == cudaSuccess) {
      ie = cudaGraphInstantiate(&exec, graph, 0);
      cudaGraphDestroy(graph);
    }
    if (ie != cudaSuccess) {
      // Something in the partition cannot be captured (nothing ran while
      // capturing): run it launch by launch from now on.
      cudaGetLastError();
      p->graphs.Clear();
      p->use_graphs = false;
      const fp8_status_code_t eager = LaunchAll(p, rc);
      if (eager != FP8_STATUS_OK) return eager;
    } else {
      GraphExec& added = p->graphs.Insert(sig, std::make_unique<GraphExec>(exec));
      FP8_CUDA(cudaGraphLaunch(added.exec, d.stream), "cudaGraphLaunch");
    }
  } else {
    const fp8_status_code_t st = LaunchAll(p, rc);
    if (st != FP8_STATUS_OK) return st;
  }
  // GATHER index errors: read back the status words with the results.
  FP8_CUDA(cudaMemcpyAsync(p->status_host.data(), p->status,
                           p->status_host.size() * sizeof(unsigned long long),
                           cudaMemcpyDeviceToHost, d.stream),
           "cudaMemcpyAsync (status)");
  FP8_CUDA(cudaStreamSynchronize(d.stream), "cudaStreamSynchronize");
  for (auto& k : p->kernels) {
    if (k->status_word() < 0) continue;
    const unsigned long long pos = p->status_host[static_cast<size_t>(k->status_word())];
    if (pos == ~0ull) continue;
    const Operand& idx = k->in(1);
    int64_t value = -1;
    if (!idx.constant) {
      const fp8_tensor_binding_t& b = bindings[idx.tensor];
      const size_t elem = idx.dtype == DType::kINT64 ? 8 : 4;
      uint8_t raw[8] = {};
      if (cudaMemcpy(raw, static_cast<const uint8_t*>(b.buffer) + b.offset + pos * elem, elem,
                     cudaMemcpyDeviceToHost) == cudaSuccess) {
        if (elem == 8) {
          std::memcpy(&value, raw, 8);
        } else {
          int32_t v;
          std::memcpy(&v, raw, 4);
          value = v;
        }
      }
    }
    return Fail(err, FP8_STATUS_OUT_OF_RANGE,
                "%s: index %lld at position %llu is outside [0, %lld)", k->label().c_str(),
                static_cast<long long>(value), pos, static_cast<long long>(k->gather_dim()));
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Synchronize(void* instance, uint32_t device, fp8_error_t* err) {
  Instance* self = Self(instance);
  if (device >= self->devices.size() || !self->devices[device].open) return FP8_STATUS_OK;
  FP8_CUDA(cudaStreamSynchronize(self->devices[device].stream), "cudaStreamSynchronize");
  return FP8_STATUS_OK;
}

void Release(void*, uint32_t, void* partition) {
  ReleasePartition(static_cast<Partition*>(partition));
}

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "cuda",
    FP8_DEVICE_CUDA,
    70,  // above Vulkan (60) and the CPU (50)
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
}  // namespace cuda
}  // namespace fp8sdk

extern "C" __attribute__((visibility("default"))) const fp8_backend_vtable_t* fp8_backend_entry(
    uint32_t) {
  return &fp8sdk::cuda::kVtable;
}
