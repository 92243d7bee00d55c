#include "sdk/runtime/session.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "sdk/runtime/memory_planner.h"

namespace fp8sdk {

// A backend instance bound to one of its devices.
struct Session::Slot {
  BackendEntry entry;
  void* instance = nullptr;
  bool owns_instance = false;  // the first slot of an instance destroys it
  uint32_t device = 0;
  fp8_device_info_t info{};
  int domain = -1;
};

// A memory space: host memory (shared by every host backend) or one device.
struct Session::Domain {
  int slot = -1;  // owner slot for device memory; -1 for host
  bool host = true;
  void* arena = nullptr;
  uint64_t arena_size = 0;
  uint64_t unplanned = 0;
};

// A tensor's copy in one domain.
struct Session::Instance {
  int tensor = -1;
  int domain = 0;
  void* buffer = nullptr;  // arena base or dedicated host buffer
  uint64_t offset = 0;
  int first_step = 0, last_step = 0;  // ticks (see BuildSteps)
  bool in_arena = true;
  int arena_index = -1;
};

struct Session::Step {
  enum Kind { kPartition, kCopy } kind = kPartition;
  int slot = -1;              // partition: the slot that runs it
  std::vector<size_t> nodes;  // partition: node indices
  void* partition = nullptr;
  std::vector<fp8_tensor_binding_t> bindings;  // partition: one per tensor
  std::vector<int> touched;                    // partition: tensors bound
  int src = -1, dst = -1;                      // copy: instances
  double profile_ms = 0.0;                     // profiled sessions: summed time
  int64_t profile_runs = 0;
};

namespace {

Status FromBackend(fp8_status_code_t code, const fp8_error_t& err, const std::string& context) {
  return Status(static_cast<StatusCode>(code),
                context + ": " + (err.message[0] ? err.message : "failed"));
}

const char* DeviceKindName(fp8_device_kind_t k) {
  switch (k) {
    case FP8_DEVICE_AUTO:
      return "auto";
    case FP8_DEVICE_CPU:
      return "cpu";
    case FP8_DEVICE_CUDA:
      return "cuda";
    case FP8_DEVICE_VULKAN:
      return "vulkan";
    case FP8_DEVICE_REFERENCE:
      return "reference";
    default:
      return "unknown";
  }
}

uint64_t TensorBytes(const TensorDesc& t, const Shape& s) {
  return static_cast<uint64_t>(s.NumElements()) * DTypeSize(t.dtype);
}

}  // namespace

Session::Session(const Graph& graph) : graph_(graph) {}

Session::~Session() {
  for (Step& s : steps_) {
    if (s.kind == Step::kPartition && s.partition) {
      const Slot& slot = *slots_[static_cast<size_t>(s.slot)];
      slot.entry.vtable->release(slot.instance, slot.device, s.partition);
    }
  }
  for (Domain& d : domains_) {
    if (d.host) {
      std::free(d.arena);
    } else if (d.arena) {
      const Slot& slot = *slots_[static_cast<size_t>(d.slot)];
      slot.entry.vtable->buffer_free(slot.instance, slot.device, d.arena);
    }
  }
  for (auto& s : slots_) {
    if (s->owns_instance) s->entry.vtable->destroy(s->instance);
  }
}

Result<std::unique_ptr<Session>> Session::Create(const Graph& graph,
                                                 const SessionOptions& options) {
  // A device backend that runs out of memory (or past the session's limit),
  // or that claimed nodes its prepare then finds it cannot run (UNSUPPORTED:
  // e.g. cuBLASLt has no algorithm for a GEMM's shape), is left out and the
  // session is made again on the others, unless the caller insists on that
  // device.
  std::set<std::string> left_out;
  std::vector<std::string> notes;  // why each was left out
  for (;;) {
    std::unique_ptr<Session> s(new Session(graph));
    s->left_out_ = left_out;
    s->notes_ = notes;
    Status st = Status::Ok();
    try {
      st = s->Init(options);
    } catch (const std::bad_alloc&) {
      return Status(StatusCode::kRESOURCE_EXHAUSTED,
                    "out of host memory while creating the session (its limits: max_batch, "
                    "max_sequence, decide the activation memory)");
    }
    if (st.ok()) return s;
    const std::string failed = s->failed_backend_;
    const bool insisted =
        options.strict_device && options.device != FP8_DEVICE_AUTO &&
        std::any_of(s->slots_.begin(), s->slots_.end(), [&](const std::unique_ptr<Slot>& x) {
          return failed == x->entry.vtable->name && x->entry.vtable->kind == options.device;
        });
    if (failed.empty() || insisted) return st;
    left_out.insert(failed);
    notes.push_back(StrFormat("backend '%s' left out: %s", failed.c_str(), st.message().c_str()));
  }
}

Status Session::Init(const SessionOptions& o) {
  const Graph& g = graph_;
  profile_ = o.profile;
  // Planning shapes: every symbol at its limit.
  auto limit_of = [&](const std::string& sym, int64_t option, int64_t fallback) -> int64_t {
    if (option > 0) return option;
    for (const auto& [k, v] : g.metadata.dim_limits) {
      if (k == sym) return v;
    }
    return fallback;
  };
  for (int t : g.inputs) {
    for (const Dim& d : g.tensors[static_cast<size_t>(t)].shape) {
      if (!d.IsSymbolic()) continue;
      int64_t v;
      if (d.symbol == "batch") {
        v = limit_of(d.symbol, o.max_batch, 1);
      } else if (d.symbol == "sequence") {
        v = limit_of(d.symbol, o.max_sequence, 512);
      } else {
        v = limit_of(d.symbol, 0, -1);
        if (v < 0) {
          return InvalidArgument(
              StrFormat("input '%s': dimension '%s' has no limit in the model "
                        "metadata",
                        g.tensors[static_cast<size_t>(t)].name.c_str(), d.symbol.c_str()));
        }
      }
      if (v <= 0) return InvalidArgument(StrFormat("limit of '%s' must be >= 1", d.symbol.c_str()));
      plan_symbols_.Set(d.symbol, v);
    }
  }
  run_symbols_ = plan_symbols_;
  std::vector<Shape> plan_inputs;
  FP8_RETURN_IF_ERROR(ResolveInputShapes(g, plan_symbols_, &plan_inputs));
  const Status fits = InferShapes(g, plan_inputs, &plan_shapes_);
  if (!fits.ok()) {
    // Not the model's fault: these limits (options or defaults) ask for more
    // than it can take, e.g. a sequence longer than its position table.
    std::string limits;
    for (const auto& [k, v] : plan_symbols_.values)
      limits +=
          StrFormat("%s%s=%lld", limits.empty() ? "" : ", ", k.c_str(), static_cast<long long>(v));
    return InvalidArgument(StrFormat("the session's limits (%s) do not fit the model: %s",
                                     limits.c_str(), fits.message().c_str()));
  }
  run_shapes_ = plan_shapes_;
  run_input_shapes_ = plan_inputs;
  graph_view_.graph = &graph_;
  graph_view_.plan_shapes = &plan_shapes_;
  const_release_ = std::make_unique<ConstantRelease>(graph_);

  input_buffers_.resize(g.inputs.size());
  input_set_.assign(g.inputs.size(), 0);
  input_shapes_set_.resize(g.inputs.size());
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int t = g.inputs[i];
    input_buffers_[i].resize(
        TensorBytes(g.tensors[static_cast<size_t>(t)], plan_shapes_[static_cast<size_t>(t)]) + 64);
  }
  FP8_RETURN_IF_ERROR(CreateSlots(o));
  FP8_RETURN_IF_ERROR(AssignNodes(o));
  FP8_RETURN_IF_ERROR(BuildSteps());
  FP8_RETURN_IF_ERROR(PlanAndAllocate());
  FP8_RETURN_IF_ERROR(PrepareSteps());
  BuildDescription(o);
  return Status::Ok();
}

Status Session::CreateSlots(const SessionOptions& o) {
  std::vector<BackendEntry> entries = BackendRegistry::Global().Backends();
  for (const std::string& m : BackendRegistry::Global().Messages()) notes_.push_back(m);
  // Preferred kind first (stable: priority order within), then the rest.
  if (o.device != FP8_DEVICE_AUTO) {
    std::stable_partition(entries.begin(), entries.end(),
                          [&](const BackendEntry& e) { return e.vtable->kind == o.device; });
  }
  fp8_backend_config_t config{};
  config.struct_size = sizeof(config);
  config.num_threads = o.num_threads > 0
                           ? o.num_threads
                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.preferred_kind = o.device;
  config.device_hint = o.device_hint.c_str();
  config.device_memory_limit = o.device_memory_limit;
  domains_.push_back(Domain{});  // domain 0: host memory
  for (const BackendEntry& e : entries) {
    const fp8_backend_vtable_t* vt = e.vtable;
    if (o.device == FP8_DEVICE_REFERENCE && vt->kind != FP8_DEVICE_REFERENCE) continue;
    if (left_out_.count(vt->name)) continue;  // failed a previous try (Create)
    void* inst = nullptr;
    fp8_error_t err{};
    const fp8_status_code_t st = vt->create(&config, &inst, &err);
    if (st != FP8_STATUS_OK) {
      notes_.push_back(StrFormat("backend '%s' unavailable: %s", vt->name, err.message));
      continue;
    }
    // Destroys the instance unless a slot took it: an early exit or an
    // exception on the way (std::bad_alloc) must not leak a device context.
    struct InstanceGuard {
      const fp8_backend_vtable_t* vt;
      void* inst;
      bool taken = false;
      ~InstanceGuard() {
        if (!taken) vt->destroy(inst);
      }
    } guard{vt, inst};
    const uint32_t n = vt->device_count(inst);
    if (n == 0) {
      notes_.push_back(StrFormat("backend '%s': no devices", vt->name));
      continue;
    }
    for (uint32_t d = 0; d < n; ++d) {
      auto slot = std::make_unique<Slot>();
      slot->entry = e;
      slot->instance = inst;
      slot->owns_instance = d == 0;
      slot->device = d;
      slot->info.struct_size = sizeof(slot->info);
      fp8_error_t derr{};
      if (vt->device_info(inst, d, &slot->info, &derr) != FP8_STATUS_OK) {
        notes_.push_back(StrFormat("backend '%s' device %u: %s", vt->name, d, derr.message));
        if (d == 0) break;
        continue;
      }
      if (slot->info.host_memory) {
        slot->domain = 0;
      } else {
        Domain dom;
        dom.host = false;
        dom.slot = static_cast<int>(slots_.size());
        slot->domain = static_cast<int>(domains_.size());
        domains_.push_back(dom);
      }
      const bool owner = slot->owns_instance;
      slots_.push_back(std::move(slot));
      if (owner) guard.taken = true;  // ~Session destroys it now
    }
  }
  if (slots_.empty()) return BackendError("no backend could be started");
  return Status::Ok();
}

namespace {
struct DeclineContext {
  std::vector<std::string>* declines;
  const Graph* graph;
  const char* backend;
};
void OnDecline(void* ctx, size_t node, const char* reason) {
  auto* c = static_cast<DeclineContext*>(ctx);
  const std::string label = node < c->graph->nodes.size() ? c->graph->nodes[node].Label(node)
                                                          : "operator " + std::to_string(node);
  c->declines->push_back(label + " declined by " + c->backend + ": " + (reason ? reason : ""));
}
}  // namespace

Status Session::AssignNodes(const SessionOptions& o) {
  const size_t nn = graph_.nodes.size();
  node_slot_.assign(nn, -1);
  std::vector<uint8_t> claimed(nn);
  for (size_t s = 0; s < slots_.size(); ++s) {
    Slot& slot = *slots_[s];
    std::fill(claimed.begin(), claimed.end(), 0);
    DeclineContext ctx{&declines_, &graph_, slot.entry.vtable->name};
    fp8_error_t err{};
    const fp8_status_code_t st =
        slot.entry.vtable->claim(slot.instance, slot.device, &graph_view_, GraphApi(),
                                 claimed.data(), OnDecline, &ctx, &err);
    if (st != FP8_STATUS_OK) {
      notes_.push_back(
          StrFormat("backend '%s' claim failed: %s", slot.entry.vtable->name, err.message));
      continue;
    }
    for (size_t n = 0; n < nn; ++n) {
      if (claimed[n] && node_slot_[n] < 0) node_slot_[n] = static_cast<int>(s);
    }
  }
  for (size_t n = 0; n < nn; ++n) {
    const int s = node_slot_[n];
    const bool off_device =
        o.strict_device && o.device != FP8_DEVICE_AUTO &&
        (s < 0 || slots_[static_cast<size_t>(s)]->entry.vtable->kind != o.device);
    if (s >= 0 && !off_device) continue;
    std::string reasons;
    const std::string label = graph_.nodes[n].Label(n);
    for (const std::string& d : declines_) {
      if (d.rfind(label + " ", 0) == 0) reasons += "\n  " + d;
    }
    // A device backend that could not start says why (no driver, no GPU);
    // one that is not there at all, where it was looked for.
    if (off_device) {
      for (const std::string& note : notes_) {
        if (note.find("unavailable") != std::string::npos ||
            note.find("no devices") != std::string::npos)
          reasons += "\n  " + note;
      }
      bool loaded = false;
      for (const BackendEntry& e : BackendRegistry::Global().Backends()) {
        loaded |= e.vtable->kind == o.device;
      }
      if (!loaded) {
        reasons += StrFormat(
            "\n  no backend for device kind '%s' is loaded: plugins (libfp8_backend_*.so) are "
            "looked for on $FP8SDK_BACKEND_PATH and next to the library holding the runtime",
            DeviceKindName(o.device));
        for (const std::string& m : BackendRegistry::Global().Messages()) reasons += "\n  " + m;
      }
    }
    return Unsupported(StrFormat("%s cannot run %s%s", label.c_str(),
                                 off_device ? "on the requested device" : "on any backend",
                                 reasons.c_str()) +
                       (off_device ? StrFormat(" (%s, strict)", DeviceKindName(o.device)) : ""));
  }
  return Status::Ok();
}

int Session::InstanceOf(int tensor, int domain) const {
  return instance_index_[static_cast<size_t>(tensor)][static_cast<size_t>(domain)];
}

Status Session::BuildSteps() {
  const Graph& g = graph_;
  const size_t nt = g.tensors.size();
  instance_index_.assign(nt, std::vector<int>(domains_.size(), -1));
  // Lifetimes are measured in ticks: one per copy step and one per node.
  int tick = 0;
  auto new_instance = [&](int tensor, int domain, int first) {
    Instance inst;
    inst.tensor = tensor;
    inst.domain = domain;
    inst.first_step = inst.last_step = first;
    instances_.push_back(inst);
    const int id = static_cast<int>(instances_.size() - 1);
    instance_index_[static_cast<size_t>(tensor)][static_cast<size_t>(domain)] = id;
    return id;
  };
  // Model inputs live in dedicated host buffers.
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const int id = new_instance(g.inputs[i], 0, -1);
    instances_[static_cast<size_t>(id)].in_arena = false;
    instances_[static_cast<size_t>(id)].buffer = input_buffers_[i].data();
  }
  // Contiguous runs of nodes on one slot form a partition.
  for (size_t n = 0; n < g.nodes.size();) {
    const int s = node_slot_[n];
    Step part;
    part.kind = Step::kPartition;
    part.slot = s;
    // Profiled sessions time every operator: one node per partition.
    while (n < g.nodes.size() && node_slot_[n] == s && !(profile_ && !part.nodes.empty())) {
      part.nodes.push_back(n++);
    }
    const int dom = slots_[static_cast<size_t>(s)]->domain;
    // Inputs from another domain are copied in first.
    for (size_t node : part.nodes) {
      for (int t : g.nodes[node].inputs) {
        if (t < 0 || g.tensors[static_cast<size_t>(t)].IsConstant()) continue;
        if (InstanceOf(t, dom) >= 0) continue;
        int src = -1;
        for (size_t d = 0; d < domains_.size() && src < 0; ++d)
          src = InstanceOf(t, static_cast<int>(d));
        if (src < 0) continue;  // produced inside this partition
        Step copy;
        copy.kind = Step::kCopy;
        copy.src = src;
        copy.dst = new_instance(t, dom, tick);
        instances_[static_cast<size_t>(src)].last_step = tick++;
        steps_.push_back(std::move(copy));
      }
    }
    const int start = tick;
    for (size_t node : part.nodes) {
      for (int t : g.nodes[node].inputs) {
        if (t < 0 || g.tensors[static_cast<size_t>(t)].IsConstant()) continue;
        Instance& inst = instances_[static_cast<size_t>(InstanceOf(t, dom))];
        inst.last_step = std::max(inst.last_step, tick);
      }
      // Born a few nodes early (within the partition) so that a backend may
      // fuse up to kFusionWindow + 1 consecutive nodes (backend.h).
      for (int t : g.nodes[node].outputs) {
        new_instance(t, dom, std::max(start, tick - FP8_BACKEND_FUSION_WINDOW));
      }
      ++tick;
    }
    // A GATHER's indices stay intact to the end of the partition: a device
    // backend checks them while it runs and reports a bad one's value after
    // the partition's execute (backend.h).
    for (size_t node : part.nodes) {
      if (g.nodes[node].type != OpType::kGATHER || g.nodes[node].inputs.size() < 2) continue;
      const int t = g.nodes[node].inputs[1];
      if (t < 0 || g.tensors[static_cast<size_t>(t)].IsConstant()) continue;
      Instance& inst = instances_[static_cast<size_t>(InstanceOf(t, dom))];
      inst.last_step = std::max(inst.last_step, tick - 1);
    }
    steps_.push_back(std::move(part));
  }
  // Outputs stay alive to the end; those on a device are copied out.
  const int end = tick;
  output_buffers_.resize(g.outputs.size());
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int t = g.outputs[i];
    for (size_t d = 0; d < domains_.size(); ++d) {
      const int id = InstanceOf(t, static_cast<int>(d));
      if (id >= 0) instances_[static_cast<size_t>(id)].last_step = end;
    }
    if (InstanceOf(t, 0) < 0) {
      output_buffers_[i].resize(
          TensorBytes(g.tensors[static_cast<size_t>(t)], plan_shapes_[static_cast<size_t>(t)]));
    }
  }
  return Status::Ok();
}

Status Session::PlanAndAllocate() {
  uint64_t bounce = 0;
  for (size_t d = 0; d < domains_.size(); ++d) {
    Domain& dom = domains_[d];
    std::vector<BufferLifetime> lifetimes;
    std::vector<int> ids;
    for (size_t i = 0; i < instances_.size(); ++i) {
      const Instance& inst = instances_[i];
      if (inst.domain != static_cast<int>(d) || !inst.in_arena) continue;
      const TensorDesc& t = graph_.tensors[static_cast<size_t>(inst.tensor)];
      lifetimes.push_back({TensorBytes(t, plan_shapes_[static_cast<size_t>(inst.tensor)]),
                           inst.first_step, inst.last_step});
      ids.push_back(static_cast<int>(i));
    }
    const MemoryPlan plan = PlanMemory(lifetimes);
    dom.arena_size = plan.arena_size;
    dom.unplanned = plan.total_size;
    const uint64_t bytes = std::max<uint64_t>(plan.arena_size, 64);
    if (dom.host) {
      dom.arena = std::aligned_alloc(64, bytes);
      if (!dom.arena) {
        return Status(StatusCode::kRESOURCE_EXHAUSTED,
                      StrFormat("cannot allocate the %llu-byte host arena",
                                static_cast<unsigned long long>(bytes)));
      }
    } else {
      const Slot& slot = *slots_[static_cast<size_t>(dom.slot)];
      fp8_error_t err{};
      const fp8_status_code_t st =
          slot.entry.vtable->buffer_alloc(slot.instance, slot.device, bytes, &dom.arena, &err);
      if (st != FP8_STATUS_OK) {
        if (st == FP8_STATUS_RESOURCE_EXHAUSTED) failed_backend_ = slot.entry.vtable->name;
        return FromBackend(st, err,
                           StrFormat("%s: allocating the %llu-byte arena", slot.entry.vtable->name,
                                     static_cast<unsigned long long>(bytes)));
      }
    }
    for (size_t k = 0; k < ids.size(); ++k) {
      Instance& inst = instances_[static_cast<size_t>(ids[k])];
      inst.buffer = dom.arena;
      inst.offset = plan.offsets[k];
    }
  }
  for (const Step& s : steps_) {
    if (s.kind != Step::kCopy) continue;
    const Instance& a = instances_[static_cast<size_t>(s.src)];
    const Instance& b = instances_[static_cast<size_t>(s.dst)];
    if (a.domain != 0 && b.domain != 0) {
      bounce = std::max(bounce, TensorBytes(graph_.tensors[static_cast<size_t>(a.tensor)],
                                            plan_shapes_[static_cast<size_t>(a.tensor)]));
    }
  }
  bounce_.resize(bounce);
  return Status::Ok();
}

Status Session::PrepareSteps() {
  const size_t nt = graph_.tensors.size();
  for (Step& s : steps_) {
    if (s.kind != Step::kPartition) continue;
    Slot& slot = *slots_[static_cast<size_t>(s.slot)];
    s.bindings.assign(nt, fp8_tensor_binding_t{});
    auto bind = [&](int t) {
      if (t < 0 || graph_.tensors[static_cast<size_t>(t)].IsConstant()) return;
      const int id = InstanceOf(t, slot.domain);
      if (id < 0) return;
      const Instance& inst = instances_[static_cast<size_t>(id)];
      fp8_tensor_binding_t& b = s.bindings[static_cast<size_t>(t)];
      if (b.buffer) return;
      b.buffer = inst.buffer;
      b.offset = inst.offset;
      s.touched.push_back(t);
    };
    for (size_t n : s.nodes) {
      for (int t : graph_.nodes[n].inputs) bind(t);
      for (int t : graph_.nodes[n].outputs) bind(t);
    }
    fp8_error_t err{};
    const_release_->BeginPartition(s.nodes);
    graph_view_.release = const_release_.get();
    const fp8_status_code_t st =
        slot.entry.vtable->prepare(slot.instance, slot.device, &graph_view_, GraphApi(),
                                   s.nodes.data(), s.nodes.size(), &s.partition, &err);
    graph_view_.release = nullptr;
    if (st != FP8_STATUS_OK) {
      if ((st == FP8_STATUS_RESOURCE_EXHAUSTED || st == FP8_STATUS_UNSUPPORTED) &&
          !slot.info.host_memory) {
        failed_backend_ = slot.entry.vtable->name;
      }
      return FromBackend(st, err,
                         StrFormat("backend '%s' could not prepare operators %zu..%zu",
                                   slot.entry.vtable->name, s.nodes.front(), s.nodes.back()));
    }
  }
  return Status::Ok();
}

void Session::BuildDescription(const SessionOptions& o) {
  std::string d = StrFormat("device preference: %s%s\n", DeviceKindName(o.device),
                            o.strict_device ? " (strict)" : "");
  d += "symbol limits:";
  for (const auto& [k, v] : plan_symbols_.values)
    d += StrFormat(" %s=%lld", k.c_str(), static_cast<long long>(v));
  d += "\nbackends:\n";
  for (size_t s = 0; s < slots_.size(); ++s) {
    const Slot& slot = *slots_[s];
    d += StrFormat("  [%zu] %s device %u: %s (%s)\n", s, slot.entry.vtable->name, slot.device,
                   slot.info.name, slot.entry.origin.c_str());
  }
  d += "steps:\n";
  for (const Step& s : steps_) {
    if (s.kind == Step::kPartition) {
      d += StrFormat("  partition on [%d] %s: operators %zu..%zu (%zu)\n", s.slot,
                     slots_[static_cast<size_t>(s.slot)]->entry.vtable->name, s.nodes.front(),
                     s.nodes.back(), s.nodes.size());
    } else {
      const Instance& a = instances_[static_cast<size_t>(s.src)];
      const Instance& b = instances_[static_cast<size_t>(s.dst)];
      d +=
          StrFormat("  copy '%s' domain %d -> %d\n",
                    graph_.tensors[static_cast<size_t>(a.tensor)].name.c_str(), a.domain, b.domain);
    }
  }
  for (size_t i = 0; i < domains_.size(); ++i) {
    d += StrFormat(
        "memory domain %zu (%s): arena %.2f MiB planned, %.2f MiB without reuse\n", i,
        domains_[i].host ? "host" : slots_[static_cast<size_t>(domains_[i].slot)]->info.name,
        static_cast<double>(domains_[i].arena_size) / (1 << 20),
        static_cast<double>(domains_[i].unplanned) / (1 << 20));
  }
  if (const_release_->dropped_bytes() > 0) {
    d += StrFormat("weights: %.2f MiB of the mapped file dropped (backends keep their own form)\n",
                   static_cast<double>(const_release_->dropped_bytes()) / (1 << 20));
  }
  for (const std::string& x : declines_) d += "declined: " + x + "\n";
  for (const std::string& x : notes_) d += "note: " + x + "\n";
  description_ = d;
}

uint64_t Session::PlannedBytes() const {
  uint64_t b = 0;
  for (const Domain& d : domains_) b += d.arena_size;
  return b;
}

uint64_t Session::UnplannedBytes() const {
  uint64_t b = 0;
  for (const Domain& d : domains_) b += d.unplanned;
  return b;
}

std::vector<std::string> Session::NodeBackends() const {
  std::vector<std::string> v;
  for (int s : node_slot_) v.push_back(slots_[static_cast<size_t>(s)]->entry.vtable->name);
  return v;
}

namespace {
// RAII flag that detects concurrent use of one session.
class BusyGuard {
 public:
  explicit BusyGuard(std::atomic<bool>* b) : b_(b), ok_(!b->exchange(true)) {}
  ~BusyGuard() {
    if (ok_) b_->store(false);
  }
  bool ok() const { return ok_; }

 private:
  std::atomic<bool>* b_;
  bool ok_;
};
}  // namespace

Status Session::SetInput(const std::string& name, DType dtype, const int64_t* dims, size_t rank,
                         const void* data, size_t size_bytes) {
  BusyGuard guard(&busy_);
  if (!guard.ok()) return Internal("session is busy: it is used from another thread");
  const Graph& g = graph_;
  size_t i = 0;
  while (i < g.inputs.size() && g.tensors[static_cast<size_t>(g.inputs[i])].name != name) ++i;
  if (i == g.inputs.size()) {
    std::string names;
    for (int t : g.inputs)
      names += (names.empty() ? "'" : ", '") + g.tensors[static_cast<size_t>(t)].name + "'";
    return NotFound(StrFormat("no input named '%s' (inputs: %s)", name.c_str(), names.c_str()));
  }
  const TensorDesc& t = g.tensors[static_cast<size_t>(g.inputs[i])];
  if (dtype != t.dtype) {
    return InvalidArgument(
        StrFormat("input '%s' is %s; got %s", name.c_str(), DTypeName(t.dtype), DTypeName(dtype)));
  }
  if (rank != t.shape.size() || (rank && !dims)) {
    return InvalidArgument(
        StrFormat("input '%s' has rank %zu; got %zu", name.c_str(), t.shape.size(), rank));
  }
  Shape s;
  s.rank = static_cast<int>(rank);
  for (size_t d = 0; d < rank; ++d) {
    const Dim& dim = t.shape[d];
    const int64_t v = dims[d];
    if (!dim.IsSymbolic()) {
      if (v != dim.value) {
        return InvalidArgument(StrFormat("input '%s' dimension %zu must be %lld; got %lld",
                                         name.c_str(), d, static_cast<long long>(dim.value),
                                         static_cast<long long>(v)));
      }
    } else {
      int64_t max = 0;
      plan_symbols_.Get(dim.symbol, &max);
      if (v < 1) {
        return InvalidArgument(StrFormat("input '%s': '%s' is %lld; it must be at least 1",
                                         name.c_str(), dim.symbol.c_str(),
                                         static_cast<long long>(v)));
      }
      if (v > max) {
        return OutOfRange(StrFormat("input '%s': '%s' is %lld, above this session's limit %lld",
                                    name.c_str(), dim.symbol.c_str(), static_cast<long long>(v),
                                    static_cast<long long>(max)));
      }
    }
    s[static_cast<int>(d)] = v;
  }
  const uint64_t want = TensorBytes(t, s);
  if (size_bytes != want) {
    return InvalidArgument(StrFormat("input '%s' of shape %s needs %llu bytes; got %zu",
                                     name.c_str(), s.ToString().c_str(),
                                     static_cast<unsigned long long>(want), size_bytes));
  }
  if (want && !data) return InvalidArgument(StrFormat("input '%s': data is null", name.c_str()));
  if (want) std::memcpy(input_buffers_[i].data(), data, want);
  input_set_[i] = 1;
  input_shapes_set_[i] = s;
  return Status::Ok();
}

Status Session::Run() {
  BusyGuard guard(&busy_);
  if (!guard.ok()) return Internal("session is busy: it is used from another thread");
  return RunLocked();
}

Status Session::RunLocked() {
  const Graph& g = graph_;
  ran_ = false;
  // Symbols from the inputs; every input must agree.
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const TensorDesc& t = g.tensors[static_cast<size_t>(g.inputs[i])];
    if (!input_set_[i]) return InvalidArgument(StrFormat("input '%s' was not set", t.name.c_str()));
  }
  for (auto& [sym, v] : run_symbols_.values) v = -1;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const TensorDesc& t = g.tensors[static_cast<size_t>(g.inputs[i])];
    for (size_t d = 0; d < t.shape.size(); ++d) {
      if (!t.shape[d].IsSymbolic()) continue;
      const int64_t v = input_shapes_set_[i][static_cast<int>(d)];
      for (auto& [sym, cur] : run_symbols_.values) {
        if (sym != t.shape[d].symbol) continue;
        if (cur >= 0 && cur != v) {
          return InvalidArgument(StrFormat("inputs disagree on '%s': %lld and %lld (input '%s')",
                                           sym.c_str(), static_cast<long long>(cur),
                                           static_cast<long long>(v), t.name.c_str()));
        }
        cur = v;
      }
    }
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) run_input_shapes_[i] = input_shapes_set_[i];
  FP8_RETURN_IF_ERROR(InferShapes(g, run_input_shapes_, &run_shapes_));
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    if (run_shapes_[t].NumElements() > plan_shapes_[t].NumElements()) {
      return Internal(StrFormat(
          "%s: shape %s exceeds the planned %s", g.TensorLabel(static_cast<int>(t)).c_str(),
          run_shapes_[t].ToString().c_str(), plan_shapes_[t].ToString().c_str()));
    }
  }
  for (Step& s : steps_) {
    // Timed only in profiled sessions: Run's usual path stays as lean as before.
    const auto started =
        profile_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
    FP8_RETURN_IF_ERROR(RunStep(s));
    if (profile_) {
      // Time to completion: wait for the device that ran the step (a copy:
      // the device side of it).
      int slot_index = s.slot;
      if (s.kind == Step::kCopy) {
        const Domain& to =
            domains_[static_cast<size_t>(instances_[static_cast<size_t>(s.dst)].domain)];
        const Domain& from =
            domains_[static_cast<size_t>(instances_[static_cast<size_t>(s.src)].domain)];
        slot_index = to.host ? from.slot : to.slot;
      }
      if (slot_index >= 0) {
        const Slot& slot = *slots_[static_cast<size_t>(slot_index)];
        fp8_error_t err{};
        const fp8_status_code_t st =
            slot.entry.vtable->synchronize(slot.instance, slot.device, &err);
        if (st != FP8_STATUS_OK) return FromBackend(st, err, "synchronize (profiling)");
      }
      s.profile_ms +=
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count();
      ++s.profile_runs;
    }
  }
  FP8_RETURN_IF_ERROR(CopyOutputsAndWait());
  ran_ = true;
  return Status::Ok();
}

Status Session::RunStep(Step& s) {
  const Graph& g = graph_;
  {
    if (s.kind == Step::kCopy) {
      const Instance& a = instances_[static_cast<size_t>(s.src)];
      const Instance& b = instances_[static_cast<size_t>(s.dst)];
      const uint64_t bytes = TensorBytes(g.tensors[static_cast<size_t>(a.tensor)],
                                         run_shapes_[static_cast<size_t>(a.tensor)]);
      fp8_error_t err{};
      const uint8_t* src_host =
          a.domain == 0 ? static_cast<const uint8_t*>(a.buffer) + a.offset : nullptr;
      uint8_t* dst_host = b.domain == 0 ? static_cast<uint8_t*>(b.buffer) + b.offset : nullptr;
      if (!src_host) {
        const Slot& from =
            *slots_[static_cast<size_t>(domains_[static_cast<size_t>(a.domain)].slot)];
        uint8_t* target = dst_host ? dst_host : bounce_.data();
        const fp8_status_code_t st = from.entry.vtable->copy_to_host(
            from.instance, from.device, target, a.buffer, a.offset, bytes, &err);
        if (st != FP8_STATUS_OK) return FromBackend(st, err, "copy to host");
        src_host = target;
      }
      if (!dst_host) {
        const Slot& to = *slots_[static_cast<size_t>(domains_[static_cast<size_t>(b.domain)].slot)];
        const fp8_status_code_t st = to.entry.vtable->copy_to_device(
            to.instance, to.device, b.buffer, b.offset, src_host, bytes, &err);
        if (st != FP8_STATUS_OK) return FromBackend(st, err, "copy to device");
      }
      return Status::Ok();
    }
    for (int t : s.touched) {
      fp8_tensor_binding_t& b = s.bindings[static_cast<size_t>(t)];
      const Shape& sh = run_shapes_[static_cast<size_t>(t)];
      b.rank = sh.rank;
      for (int d = 0; d < sh.rank; ++d) b.dims[d] = sh[d];
    }
    const Slot& slot = *slots_[static_cast<size_t>(s.slot)];
    fp8_error_t err{};
    const fp8_status_code_t st = slot.entry.vtable->execute(
        slot.instance, slot.device, s.partition, s.bindings.data(), s.bindings.size(), &err);
    if (st != FP8_STATUS_OK) {
      return FromBackend(st, err, StrFormat("backend '%s'", slot.entry.vtable->name));
    }
  }
  return Status::Ok();
}

Status Session::CopyOutputsAndWait() {
  const Graph& g = graph_;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int t = g.outputs[i];
    if (InstanceOf(t, 0) >= 0) continue;
    for (size_t d = 1; d < domains_.size(); ++d) {
      const int id = InstanceOf(t, static_cast<int>(d));
      if (id < 0) continue;
      const Instance& a = instances_[static_cast<size_t>(id)];
      const Slot& from = *slots_[static_cast<size_t>(domains_[d].slot)];
      fp8_error_t err{};
      const fp8_status_code_t st = from.entry.vtable->copy_to_host(
          from.instance, from.device, output_buffers_[i].data(), a.buffer, a.offset,
          TensorBytes(g.tensors[static_cast<size_t>(t)], run_shapes_[static_cast<size_t>(t)]),
          &err);
      if (st != FP8_STATUS_OK) return FromBackend(st, err, "copying an output to the host");
      break;
    }
  }
  for (const auto& slot : slots_) {
    fp8_error_t err{};
    const fp8_status_code_t st =
        slot->entry.vtable->synchronize(slot->instance, slot->device, &err);
    if (st != FP8_STATUS_OK)
      return FromBackend(st, err, StrFormat("backend '%s' synchronize", slot->entry.vtable->name));
  }
  return Status::Ok();
}

std::vector<StepProfile> Session::Profile() const {
  std::vector<StepProfile> out;
  if (!profile_) return out;
  for (const Step& s : steps_) {
    StepProfile p;
    if (s.kind == Step::kPartition) {
      const Node& n = graph_.nodes[s.nodes.front()];
      p.name = n.name;
      p.op = OpTypeName(n.type);
      p.backend = slots_[static_cast<size_t>(s.slot)]->entry.vtable->name;
    } else {
      const Instance& dst = instances_[static_cast<size_t>(s.dst)];
      p.name = "copy " + graph_.tensors[static_cast<size_t>(dst.tensor)].name;
      p.op = "COPY";
      const Domain& d = domains_[static_cast<size_t>(dst.domain)];
      p.backend = d.host ? "host" : slots_[static_cast<size_t>(d.slot)]->entry.vtable->name;
    }
    p.total_ms = s.profile_ms;
    p.runs = s.profile_runs;
    out.push_back(std::move(p));
  }
  return out;
}

Status Session::GetOutput(const std::string& name, TensorView* out) const {
  BusyGuard guard(&busy_);
  if (!guard.ok()) return Internal("session is busy: it is used from another thread");
  const Graph& g = graph_;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const int t = g.outputs[i];
    const TensorDesc& desc = g.tensors[static_cast<size_t>(t)];
    if (desc.name != name) continue;
    if (!ran_)
      return InvalidArgument(StrFormat("output '%s': the session has not run", name.c_str()));
    out->name = desc.name.c_str();
    out->dtype = desc.dtype;
    out->shape = run_shapes_[static_cast<size_t>(t)];
    out->size_bytes = static_cast<size_t>(TensorBytes(desc, out->shape));
    const int id = InstanceOf(t, 0);
    out->data = id >= 0 ? static_cast<const uint8_t*>(instances_[static_cast<size_t>(id)].buffer) +
                              instances_[static_cast<size_t>(id)].offset
                        : output_buffers_[i].data();
    return Status::Ok();
  }
  std::string names;
  for (int t : g.outputs)
    names += (names.empty() ? "'" : ", '") + g.tensors[static_cast<size_t>(t)].name + "'";
  return NotFound(StrFormat("no output named '%s' (outputs: %s)", name.c_str(), names.c_str()));
}

}  // namespace fp8sdk
