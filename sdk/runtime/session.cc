#include "sdk/runtime/session.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <thread>

#include "sdk/runtime/memory_planner.h"
#include "sdk/runtime/session_internal.h"

namespace fp8sdk {

using session_internal::FromBackend;
using session_internal::TensorBytes;

namespace {

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

// The session insists on one device kind: no operator may run elsewhere.
bool InsistsOnKind(const SessionOptions& o) {
  return o.strict_device && o.device != FP8_DEVICE_AUTO;
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
        InsistsOnKind(options) &&
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
  FP8_RETURN_IF_ERROR(AssignNodes(o));
  FP8_RETURN_IF_ERROR(BuildSteps());
  FP8_RETURN_IF_ERROR(PlanAndAllocate());
  FP8_RETURN_IF_ERROR(PrepareSteps());
  BuildDescription(o);
  return Status::Ok();
}

// The backends in the order they are offered the graph: the preferred kind
// first (stable: priority order within), then the rest, unless the session
// insists on its device (an operator left to another kind fails it anyway).
std::vector<BackendEntry> Session::OrderedBackends(const SessionOptions& o) {
  std::vector<BackendEntry> entries = BackendRegistry::Global().Backends();
  for (const std::string& m : BackendRegistry::Global().Messages()) notes_.push_back(m);
  if (o.device != FP8_DEVICE_AUTO) {
    std::stable_partition(entries.begin(), entries.end(),
                          [&](const BackendEntry& e) { return e.vtable->kind == o.device; });
  }
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const BackendEntry& e) {
                                 const bool other_kind = e.vtable->kind != o.device;
                                 return (o.device == FP8_DEVICE_REFERENCE && other_kind) ||
                                        (InsistsOnKind(o) && other_kind) ||
                                        left_out_.count(e.vtable->name) > 0;  // failed a try
                               }),
                entries.end());
  return entries;
}

// Creates the backend's instance and a slot per device; a backend that
// cannot start (no driver, no device) leaves a note why.
void Session::StartBackend(const BackendEntry& e, const SessionOptions& o) {
  fp8_backend_config_t config{};
  config.struct_size = sizeof(config);
  config.num_threads = o.num_threads > 0
                           ? o.num_threads
                           : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  config.preferred_kind = o.device;
  config.device_hint = o.device_hint.c_str();
  config.device_memory_limit = o.device_memory_limit;
  const fp8_backend_vtable_t* vt = e.vtable;
  void* inst = nullptr;
  fp8_error_t err{};
  const fp8_status_code_t st = vt->create(&config, &inst, &err);
  if (st != FP8_STATUS_OK) {
    notes_.push_back(StrFormat("backend '%s' unavailable: %s", vt->name, err.message));
    return;
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
    return;
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

// Offers the graph to the backends in order (OrderedBackends), each device's
// claims taking the operators no earlier device took. A backend is started
// only while operators are left: one placed after the preferred backends
// took every operator is never loaded onto its device (probing the CUDA and
// Vulkan plugins cost a CPU-only BERT-base session ~55 MB resident and
// ~0.26 s to create with Mesa's lavapipe installed). A backend with several
// devices starts them all.
Status Session::AssignNodes(const SessionOptions& o) {
  const size_t nn = graph_.nodes.size();
  node_slot_.assign(nn, -1);
  std::vector<uint8_t> claimed(nn);
  domains_.push_back(Domain{});  // domain 0: host memory
  size_t placed = 0;
  size_t next = 0;  // the first slot that has not claimed yet
  for (const BackendEntry& e : OrderedBackends(o)) {
    if (!slots_.empty() && placed == nn) {
      notes_.push_back(
          StrFormat("backend '%s' not started: every operator is placed", e.vtable->name));
      continue;
    }
    StartBackend(e, o);
    for (; next < slots_.size(); ++next) {
      Slot& slot = *slots_[next];
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
        if (claimed[n] && node_slot_[n] < 0) {
          node_slot_[n] = static_cast<int>(next);
          ++placed;
        }
      }
    }
  }
  // A strict session without a backend of its kind goes on to name the
  // operators it cannot run and why (no plugin of that kind loaded, ...).
  const bool strict = InsistsOnKind(o);
  if (slots_.empty() && !strict) return BackendError("no backend could be started");
  for (size_t n = 0; n < nn; ++n) {
    const int s = node_slot_[n];
    const bool off_device =
        strict && (s < 0 || slots_[static_cast<size_t>(s)]->entry.vtable->kind != o.device);
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
  if (slots_.empty()) return BackendError("no backend could be started");
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

}  // namespace fp8sdk
