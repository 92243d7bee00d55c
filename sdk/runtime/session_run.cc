// Session: inputs, runs and outputs (creation is in session.cc).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <new>

#include "sdk/runtime/session.h"
#include "sdk/runtime/session_internal.h"

namespace fp8sdk {

using session_internal::FromBackend;
using session_internal::TensorBytes;

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
