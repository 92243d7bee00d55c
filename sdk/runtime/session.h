// A session: one model prepared for execution on the backends available.
//
// Create: bind symbolic dimensions to the session's limits and infer the
// planning shapes; offer the nodes to the backends in priority order (the
// preferred device kind first), starting each backend only while nodes are
// left for it (the reference backend takes the rest); cut contiguous
// partitions; place every tensor in a memory domain (host memory is one
// domain shared by host backends, each device another) and insert copies at
// domain boundaries; plan one arena per domain by tensor lifetimes; prepare
// every partition.
// Run: infer the actual shapes from the inputs set, execute the steps in
// order, synchronize. Run allocates nothing.
//
// A session is used by one thread at a time; concurrent calls are detected
// and refused ("session is busy").
#ifndef FP8SDK_SDK_RUNTIME_SESSION_H_
#define FP8SDK_SDK_RUNTIME_SESSION_H_

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/graph.h"
#include "sdk/runtime/graph_check.h"
#include "sdk/runtime/graph_view.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {

struct SessionOptions {
  fp8_device_kind_t device = FP8_DEVICE_AUTO;
  int num_threads = 0;       // 0: one per core
  int64_t max_batch = 0;     // 0: the model's limit, else 1
  int64_t max_sequence = 0;  // 0: the model's limit, else 512
  bool strict_device = false;
  // Prefer devices whose name contains this ("NVIDIA", "llvmpipe", ...);
  // backends with several devices list the matching ones first.
  std::string device_hint;
  // Per-operator timing: every operator becomes a partition of its own
  // (backends cannot fuse across them, and each keeps its own working
  // memory), and each Run times every step, waiting for the device after
  // each one. For profiling tools (fp8bench --profile), not for serving.
  bool profile = false;
  // The most device memory (bytes) a device backend (CUDA, Vulkan) may hold
  // for this session's arenas and prepared partitions; 0: no limit. Fixed
  // working buffers a backend keeps per device (CUDA's 32 MiB cuBLASLt
  // workspace, Vulkan's staging buffer) are not counted. A device that would need more, or that
  // runs out of memory, is left out: the session runs on the next backend
  // (noted in Describe()), or fails with RESOURCE_EXHAUSTED when
  // strict_device asks for that device.
  uint64_t device_memory_limit = 0;
};

// One step of a profiled session: an operator, or a copy between memory
// domains. Times are summed over the Runs since the session was created.
struct StepProfile {
  std::string name;     // the operator's name, or "copy <tensor>"
  std::string op;       // "LINEAR", ..., or "COPY"
  std::string backend;  // which backend ran it (copies: the destination's)
  double total_ms = 0.0;
  int64_t runs = 0;
};

struct TensorView {
  const char* name = nullptr;
  DType dtype = DType::kF32;
  Shape shape;
  const void* data = nullptr;
  size_t size_bytes = 0;
};

class Session {
 public:
  // `graph` must outlive the session.
  static Result<std::unique_ptr<Session>> Create(const Graph& graph, const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Status SetInput(const std::string& name, DType dtype, const int64_t* dims, size_t rank,
                  const void* data, size_t size_bytes);
  Status Run();
  // Valid until the next Run.
  Status GetOutput(const std::string& name, TensorView* out) const;

  const std::string& Describe() const { return description_; }
  // Bytes of all activation arenas (the planner's peak, summed over domains).
  uint64_t PlannedBytes() const;
  // What the same tensors would need without reuse.
  uint64_t UnplannedBytes() const;
  // Which backend runs each node ("reference", "onednn", ...).
  std::vector<std::string> NodeBackends() const;
  // The steps in execution order with their times (SessionOptions::profile),
  // or empty for a session created without profiling.
  std::vector<StepProfile> Profile() const;

 private:
  struct Slot;
  struct Domain;
  struct Instance;
  struct Step;

  explicit Session(const Graph& graph);
  Status Init(const SessionOptions& options);
  std::vector<BackendEntry> OrderedBackends(const SessionOptions& options);
  void StartBackend(const BackendEntry& entry, const SessionOptions& options);
  Status AssignNodes(const SessionOptions& options);
  Status BuildSteps();
  Status PlanAndAllocate();
  Status PrepareSteps();
  Status RunLocked();
  Status RunStep(Step& step);
  Status CopyOutputsAndWait();
  void BuildDescription(const SessionOptions& options);
  int InstanceOf(int tensor, int domain) const;

  const Graph& graph_;
  fp8_graph graph_view_{};
  std::unique_ptr<ConstantRelease> const_release_;
  std::vector<Shape> plan_shapes_, run_shapes_, run_input_shapes_;
  SymbolValues plan_symbols_, run_symbols_;

  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Domain> domains_;
  std::vector<int> node_slot_;
  std::vector<std::string> declines_;
  std::vector<std::string> notes_;
  // Backends Create left out (out of device memory, or a partition they
  // could not prepare).
  std::set<std::string> left_out_;
  // The device backend that failed Init so (its memory ran out, or its
  // prepare found a node it cannot run after all).
  std::string failed_backend_;
  std::vector<Instance> instances_;
  std::vector<std::vector<int>> instance_index_;  // [tensor] -> instance per domain (-1)
  std::vector<Step> steps_;

  std::vector<std::vector<uint8_t>> input_buffers_;  // one per model input (host)
  std::vector<uint8_t> input_set_;
  std::vector<Shape> input_shapes_set_;
  std::vector<std::vector<uint8_t>> output_buffers_;  // for outputs living on a device
  std::vector<uint8_t> bounce_;                       // device -> device copies
  std::string description_;
  mutable std::atomic<bool> busy_{false};
  bool ran_ = false;
  bool profile_ = false;
};

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_SESSION_H_
