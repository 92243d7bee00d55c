// The Vulkan backend plugin (fp8sdk/backend.h): FP8 emulated in compute
// shaders on any Vulkan 1.1 device. Devices are listed discrete GPU first;
// CPU implementations (Mesa's lavapipe) only when the session asks for
// Vulkan. Buffers are device memory (the session's arenas); constants are
// uploaded at prepare into one buffer per partition; an execute records the
// partition's dispatches into a command buffer (re-recorded only when the
// shapes or buffers change), submits it and waits, so between bind and read
// the whole graph stays on the device. FP8SDK_VULKAN_PROFILE=1: device time
// per pipeline (vk_profile.h).
#include <vulkan/vulkan.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends/common/device_ops.h"
#include "backends/common/graph_access.h"
#include "backends/vulkan/vk_device.h"
#include "backends/vulkan/vk_kernels.h"
#include "backends/vulkan/vk_memory.h"
#include "backends/vulkan/vk_profile.h"
#include "fp8sdk/backend.h"

namespace fp8sdk {
namespace vulkan {
namespace {

using backend::Fail;

struct Instance {
  Context* ctx = nullptr;
  std::vector<DeviceState> devices;
  uint64_t memory_limit = 0;  // per device; 0: none (fp8_backend_config_t)
};

struct Partition {
  DeviceState* ds = nullptr;
  std::vector<std::unique_ptr<Kernel>> kernels;
  Buffer consts, status;  // status: host-visible words, one per GATHER
  Buffer scratch;         // binding 3 (and 7, as texels) of operators with scratch_words()
  int status_words = 0;
  uint32_t max_groups = 65535;  // DeviceTraits::max_groups
  VkDescriptorPool pool = VK_NULL_HANDLE;
  std::vector<VkDescriptorSet> sets;
  // What bindings 0..3 of each set point at now.
  struct Bound {
    VkBuffer buffer = VK_NULL_HANDLE;
    uint64_t offset = 0, range = 0;
    bool operator==(const Bound& o) const {
      return buffer == o.buffer && offset == o.offset && range == o.range;
    }
  };
  std::vector<std::array<Bound, 4>> set_buffers;
  // This run's (BindActivations; kept: no allocation per run): what the
  // sets should point at, and RunContext::bases.
  std::vector<std::array<Bound, 4>> want;
  std::vector<uint64_t> bases;
  VkCommandBuffer cb = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  std::vector<uint32_t> recorded;   // the signature of the recorded commands
  std::vector<uint32_t> signature;  // this run's (kept: no allocation per run)
  std::vector<Dispatch> dispatches;
  ProfileQueries queries;  // FP8SDK_VULKAN_PROFILE only
};

Instance* Self(void* p) { return static_cast<Instance*>(p); }

// Calls f(slot, tensor, dtype) for a kernel's output (binding 0) and each
// operand held in an activation (binding s + 1), until one returns an error.
template <typename F>
fp8_status_code_t ForEachActivation(const Kernel& k, F&& f) {
  fp8_status_code_t st = f(0, k.output(), k.output_dtype());
  for (size_t s = 0; s < 3 && st == FP8_STATUS_OK; ++s) {
    const Operand& o = k.operands()[s];
    if (o.present() && !o.constant) st = f(static_cast<int>(s + 1), o.tensor, o.dtype);
  }
  return st;
}

const char* SlotName(int slot) {
  static const char* const kNames[4] = {"output", "input 0", "input 1", "input 2"};
  return kNames[slot];
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Creates the logical device and the per-instance objects on first use.
fp8_status_code_t Open(Instance* self, uint32_t device, fp8_error_t* err) {
  if (device >= self->devices.size())
    return Fail(err, FP8_STATUS_INVALID_ARGUMENT, "no such device");
  DeviceState& ds = self->devices[device];
  if (ds.dev) return FP8_STATUS_OK;
  std::string why;
  Device* dev = self->ctx->device(ds.physical, &why);
  if (!dev) return Fail(err, FP8_STATUS_BACKEND_ERROR, "Vulkan device: %s", why.c_str());
  return OpenDeviceState(dev, &ds, err);
}

// ---- vtable ----

fp8_status_code_t Create(const fp8_backend_config_t* config, void** out, fp8_error_t* err) {
  std::string why;
  Context* ctx = Context::Get(&why);
  if (!ctx) return Fail(err, FP8_STATUS_UNSUPPORTED, "%s", why.c_str());
  const bool reads_prefs =
      config && config->struct_size >= offsetof(fp8_backend_config_t, device_hint) + sizeof(void*);
  const fp8_device_kind_t preferred = reads_prefs ? config->preferred_kind : FP8_DEVICE_AUTO;
  std::string hint = reads_prefs && config->device_hint ? config->device_hint : "";
  if (hint.empty()) {
    if (const char* env = std::getenv("FP8SDK_VULKAN_DEVICE")) hint = env;
  }
  auto self = std::make_unique<Instance>();
  self->ctx = ctx;
  self->memory_limit = backend::DeviceMemoryLimit(config);
  const bool profile = ProfileRequested();
  size_t cpu_devices = 0;
  for (size_t i = 0; i < ctx->devices().size(); ++i) {
    const VkPhysicalDeviceType type = ctx->devices()[i].props.deviceType;
    // A CPU implementation only when the session asks for Vulkan: the CPU
    // backend is faster on the same cores.
    if (type == VK_PHYSICAL_DEVICE_TYPE_CPU && preferred != FP8_DEVICE_VULKAN) {
      ++cpu_devices;
      continue;
    }
    DeviceState ds;
    ds.physical = i;
    if (profile) ds.profile = std::make_shared<DispatchProfile>();
    self->devices.push_back(ds);
  }
  if (!hint.empty()) {
    const std::string h = Lower(hint);
    std::stable_partition(self->devices.begin(), self->devices.end(), [&](const DeviceState& d) {
      return Lower(ctx->devices()[d.physical].props.deviceName).find(h) != std::string::npos;
    });
  }
  if (self->devices.empty()) {
    return Fail(err, FP8_STATUS_UNSUPPORTED, "no Vulkan device%s",
                cpu_devices ? " (a CPU implementation is used only when Vulkan is requested)" : "");
  }
  *out = self.release();
  return FP8_STATUS_OK;
}

void Destroy(void* instance) {
  Instance* self = Self(instance);
  for (DeviceState& ds : self->devices) {
    if (!ds.dev) continue;
    if (ds.profile) ds.profile->Print(ds.dev->properties().deviceName);
    CloseDeviceState(&ds);
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
  const PhysicalDevice& p = self->ctx->devices()[self->devices[device].physical];
  std::snprintf(out->name, sizeof(out->name), "%.127s", p.props.deviceName);
  out->kind = FP8_DEVICE_VULKAN;
  out->memory_bytes = p.device_local_bytes;
  out->native_fp8 = 0;
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
  auto b = std::make_unique<Buffer>();
  st = DeviceBuffer(self->memory_limit, self->devices[device], size, b.get(),
                    "allocating device memory", err,
                    /*bound_whole=*/false);
  if (st != FP8_STATUS_OK) return st;
  *out = b.release();
  return FP8_STATUS_OK;
}

void BufferFree(void* instance, uint32_t device, void* buffer) {
  Instance* self = Self(instance);
  if (!buffer || device >= self->devices.size() || !self->devices[device].dev) return;
  Buffer* b = static_cast<Buffer*>(buffer);
  FreeDeviceBuffer(self->devices[device], b);
  delete b;
}

fp8_status_code_t CopyToDevice(void* instance, uint32_t device, void* dst, uint64_t off,
                               const void* src, uint64_t size, fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  return Upload(self->devices[device], static_cast<Buffer*>(dst), off, src, size, err);
}

fp8_status_code_t CopyToHost(void* instance, uint32_t device, void* dst, const void* src,
                             uint64_t off, uint64_t size, fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  return Download(self->devices[device], dst, static_cast<const Buffer*>(src), off, size, err);
}

void ReleasePartition(Partition* p) {
  if (!p) return;
  if (p->ds && p->ds->dev) {
    Device* dev = p->ds->dev;
    VkDevice d = dev->device();
    if (p->fence != VK_NULL_HANDLE) vkDestroyFence(d, p->fence, nullptr);
    p->queries.Destroy(d);
    if (p->cb != VK_NULL_HANDLE) vkFreeCommandBuffers(d, p->ds->pool, 1, &p->cb);
    if (p->pool != VK_NULL_HANDLE) vkDestroyDescriptorPool(d, p->pool, nullptr);
    FreeDeviceBuffer(*p->ds, &p->consts);
    FreeDeviceBuffer(*p->ds, &p->scratch);
    dev->DestroyBuffer(&p->status);
  }
  delete p;
}

// Bindings 6 and 7 of every set: the constants and scratch as texels, where
// the device gives buffers texel views (they stay for the partition's life).
void WriteTexelBindings(Partition* p) {
  const VkBufferView views[kTexelBindings] = {p->consts.texels, p->scratch.texels};
  std::vector<VkWriteDescriptorSet> w;
  for (VkDescriptorSet set : p->sets) {
    for (uint32_t t = 0; t < kTexelBindings; ++t) {
      if (views[t] == VK_NULL_HANDLE) continue;
      VkWriteDescriptorSet x{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      x.dstSet = set;
      x.dstBinding = kBindings + t;
      x.descriptorCount = 1;
      x.descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      x.pTexelBufferView = &views[t];
      w.push_back(x);
    }
  }
  if (!w.empty()) {
    vkUpdateDescriptorSets(p->ds->dev->device(), static_cast<uint32_t>(w.size()), w.data(), 0,
                           nullptr);
  }
}

fp8_status_code_t Prepare(void* instance, uint32_t device, const fp8_graph_t* graph,
                          const fp8_graph_api_t* api, const size_t* nodes, size_t count, void** out,
                          fp8_error_t* err) {
  Instance* self = Self(instance);
  fp8_status_code_t st = Open(self, device, err);
  if (st != FP8_STATUS_OK) return st;
  DeviceState& ds = self->devices[device];
  Device* dev = ds.dev;
  std::unique_ptr<Partition, void (*)(Partition*)> p(new Partition(), ReleasePartition);
  p->ds = &ds;
  const backend::GraphAccess g(graph, api);
  ConstantPool pool;
  std::string label;
  DeviceTraits traits;
  traits.cpu = dev->cpu_kernels();
  traits.coop_matrix = dev->coop_matrix();
  const char* storage16 = std::getenv("FP8SDK_VULKAN_STORAGE16");
  traits.storage16 = dev->storage16() && !(storage16 && std::strcmp(storage16, "0") == 0);
  if (dev->properties().deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU) {
    traits.max_groups = 4 * std::max(1u, std::thread::hardware_concurrency());
  }
  if (const char* env = std::getenv("FP8SDK_VULKAN_MAX_GROUPS")) {
    traits.max_groups = static_cast<uint32_t>(std::clamp(std::atol(env), 1L, 65535L));
  }
  p->max_groups = traits.max_groups;
  // FP8SDK_VULKAN_GEMM=tiled: the GPU kernels on any device (tests use it to
  // check them on lavapipe); =large: also gemm_large.comp for every LINEAR,
  // whatever its rows.
  if (const char* env = std::getenv("FP8SDK_VULKAN_GEMM")) {
    if (std::strcmp(env, "tiled") == 0 || std::strcmp(env, "large") == 0) traits.cpu = false;
    if (std::strcmp(env, "large") == 0) {
      traits.large_gemm_min_rows = 1;
      traits.large_gemm_min_tiles = 1;
    }
  }
  uint64_t scratch_words = 0;
  try {
    const auto build = [&] {
      p->kernels.clear();
      p->status_words = 0;
      pool = ConstantPool();
      scratch_words = 0;
      for (size_t i = 0; i < count; ++i) {
        label = g.NodeLabel(nodes[i]);
        pool.BeginKernel(dev->properties().limits.minStorageBufferOffsetAlignment);
        p->kernels.push_back(MakeKernel(g, nodes[i], &pool, &p->status_words, traits));
        Kernel& k = *p->kernels.back();
        k.set_const_bytes(pool.bytes().size() - k.const_base());
        scratch_words = std::max(scratch_words, k.scratch_words());
      }
    };
    build();
    // The CPU-type kernels read the constants and scratch as texels: where
    // those pass the device's texel buffer limit, the GPU kernels instead.
    if (traits.cpu &&
        (!dev->TexelsFit(pool.bytes().size()) || !dev->TexelsFit(4 * scratch_words))) {
      traits.texels = false;
      build();
    }
  } catch (const std::bad_alloc&) {
    return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "%s: out of host memory", label.c_str());
  }
  // Every constant is on the device now: the file's bytes are not read again.
  for (size_t i = 0; i < count; ++i) {
    for (size_t k = 0; k < g.InputCount(nodes[i]); ++k) {
      const int32_t t = g.Input(nodes[i], k);
      if (t >= 0 && g.ConstData(t)) g.ConstDone(t);
    }
  }
  // Each operator's constants are bound as one range of the buffer, the
  // scratch whole (sized for the operator that needs the most).
  for (const auto& k : p->kernels) {
    const uint64_t need[2] = {k->const_bytes(), 4 * k->scratch_words()};
    for (int i = 0; i < 2; ++i) {
      if ((need[i] + 15) / 16 * 16 <= ds.max_binding) continue;
      return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "Vulkan: %s: %s (%llu bytes) %s %s",
                  k->label().c_str(), i == 0 ? "its constants" : "the scratch it needs",
                  static_cast<unsigned long long>(need[i]), i == 0 ? "pass" : "passes",
                  BindingLimit(ds).c_str());
    }
    // Each activation is bound from near its start (ActivationBinding): one
    // larger than a binding at the session's largest shapes would fail runs.
    st = ForEachActivation(*k, [&](int slot, int32_t t, DType dtype) {
      const uint64_t b = static_cast<uint64_t>(g.PlanShape(t).NumElements()) * DTypeSize(dtype);
      if ((b + 15) / 16 * 16 <= ds.max_binding) return FP8_STATUS_OK;
      return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED,
                  "Vulkan: %s: its %s (%llu bytes at the session's largest shapes) passes %s",
                  k->label().c_str(), SlotName(slot), static_cast<unsigned long long>(b),
                  BindingLimit(ds).c_str());
    });
    if (st != FP8_STATUS_OK) return st;
  }
  const std::vector<uint8_t>& bytes = pool.bytes();
  st = DeviceBuffer(self->memory_limit, ds, bytes.size(), &p->consts, "allocating the constants",
                    err,
                    /*bound_whole=*/false);
  if (st != FP8_STATUS_OK) return st;
  st = Upload(ds, &p->consts, 0, bytes.data(), bytes.size(), err);
  if (st != FP8_STATUS_OK) return st;
  FP8_VK_CHECK(dev->CreateBuffer(4u * std::max(1, p->status_words), true, &p->status),
               "allocating status words");
  st = DeviceBuffer(self->memory_limit, ds, 4u * std::max<uint64_t>(1, scratch_words), &p->scratch,
                    "allocating scratch memory", err);
  if (st != FP8_STATUS_OK) return st;

  const uint32_t sets = static_cast<uint32_t>(std::max<size_t>(1, count));
  FP8_VK_CHECK(dev->CreateDescriptorPool(sets, &p->pool), "vkCreateDescriptorPool");
  p->sets.resize(count);
  p->set_buffers.assign(count, {});
  p->want.resize(count);
  std::vector<VkDescriptorSetLayout> layouts(count, dev->set_layout());
  if (count > 0) {
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = p->pool;
    ai.descriptorSetCount = static_cast<uint32_t>(count);
    ai.pSetLayouts = layouts.data();
    FP8_VK_CHECK(vkAllocateDescriptorSets(dev->device(), &ai, p->sets.data()),
                 "vkAllocateDescriptorSets");
    WriteTexelBindings(p.get());
  }
  VkCommandBufferAllocateInfo ci{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ci.commandPool = ds.pool;
  ci.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ci.commandBufferCount = 1;
  FP8_VK_CHECK(vkAllocateCommandBuffers(dev->device(), &ci, &p->cb), "vkAllocateCommandBuffers");
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  FP8_VK_CHECK(vkCreateFence(dev->device(), &fi, nullptr, &p->fence), "vkCreateFence");
  p->dispatches.resize(count * kMaxDispatches);
  if (ds.profile && dev->timestamp_bits() > 0) {
    FP8_VK_CHECK(p->queries.Create(*dev, static_cast<uint32_t>(count * kMaxDispatches)),
                 "vkCreateQueryPool");
  }
  *out = p.release();
  return FP8_STATUS_OK;
}

// What an activation's descriptor covers: all of a buffer a descriptor can
// cover whole (offset 0, VK_WHOLE_SIZE); in a larger one, max_binding bytes
// (or up to the buffer's end) from the tensor's offset rounded down to the
// device's minStorageBufferOffsetAlignment.
Partition::Bound ActivationBinding(const DeviceState& ds, const fp8_tensor_binding_t& t) {
  const Buffer* b = static_cast<const Buffer*>(t.buffer);
  const uint64_t extent = (b->size + 15) / 16 * 16;  // the VkBuffer's size (CreateBuffer)
  if (extent <= ds.max_binding) return {b->buffer, 0, VK_WHOLE_SIZE};
  const uint64_t align =
      std::max<uint64_t>(4, ds.dev->properties().limits.minStorageBufferOffsetAlignment);
  uint64_t base = t.offset - t.offset % align;
  // An empty tensor at the buffer's end: a range may not be empty.
  if (base + 16 > extent) base = (extent - 16) / align * align;
  return {b->buffer, base, std::min(extent - base, ds.max_binding)};
}

// Binding 4 of a kernel's set, and its unused operand bindings: its range
// of the constant buffer (16 bytes at the start when it has none: bound,
// never read).
Partition::Bound ConstantsBinding(const Partition& p, const Kernel& k) {
  return {p.consts.buffer, k.const_bytes() > 0 ? k.const_base() : 0,
          std::max<uint64_t>(16, (k.const_bytes() + 15) / 16 * 16)};
}

// What this run's sets should point at (Partition::want) and where each
// activation's words count from (RunContext::bases); RESOURCE_EXHAUSTED
// naming a tensor that lies past what its descriptor covers.
fp8_status_code_t BindActivations(Partition* p, const fp8_tensor_binding_t* bindings,
                                  size_t binding_count, fp8_error_t* err) {
  p->bases.assign(binding_count, 0);
  for (size_t i = 0; i < p->kernels.size(); ++i) {
    const Kernel& k = *p->kernels[i];
    std::array<Partition::Bound, 4>& want = p->want[i];
    want.fill(ConstantsBinding(*p, k));
    const fp8_status_code_t st = ForEachActivation(k, [&](int slot, int32_t t, DType dtype) {
      const Partition::Bound bound = ActivationBinding(*p->ds, bindings[t]);
      want[static_cast<size_t>(slot)] = bound;
      p->bases[t] = bound.offset;
      if (bound.range == VK_WHOLE_SIZE) return FP8_STATUS_OK;
      const uint64_t bytes =
          (static_cast<uint64_t>(backend::BindingShape(bindings[t]).NumElements()) *
               DTypeSize(dtype) +
           3) /
          4 * 4;
      const uint64_t lead = bindings[t].offset - bound.offset;  // to the aligned start
      if (lead + bytes <= bound.range) return FP8_STATUS_OK;
      return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED,
                  "Vulkan: %s: its %s (%llu bytes, %llu from its binding's aligned start) "
                  "passes %s",
                  k.label().c_str(), SlotName(slot), static_cast<unsigned long long>(bytes),
                  static_cast<unsigned long long>(lead + bytes), BindingLimit(*p->ds).c_str());
    });
    if (st != FP8_STATUS_OK) return st;
    if (k.scratch_words() > 0) want[3] = {p->scratch.buffer, 0, VK_WHOLE_SIZE};
  }
  return FP8_STATUS_OK;
}

// Points each node's descriptor set at Partition::want (only where it
// changed; no command buffer is pending here).
void UpdateSets(Partition* p) {
  VkDevice d = p->ds->dev->device();
  for (size_t i = 0; i < p->kernels.size(); ++i) {
    const std::array<Partition::Bound, 4>& want = p->want[i];
    if (want == p->set_buffers[i]) continue;
    const Partition::Bound consts = ConstantsBinding(*p, *p->kernels[i]);
    VkDescriptorBufferInfo info[kBindings];
    VkWriteDescriptorSet w[kBindings];
    for (uint32_t b = 0; b < kBindings; ++b) {
      const Partition::Bound x = b < 4    ? want[b]
                                 : b == 4 ? consts
                                          : Partition::Bound{p->status.buffer, 0, VK_WHOLE_SIZE};
      info[b] = VkDescriptorBufferInfo{x.buffer, x.offset, x.range};
      w[b] = VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      w[b].dstSet = p->sets[i];
      w[b].dstBinding = b;
      w[b].descriptorCount = 1;
      w[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w[b].pBufferInfo = &info[b];
    }
    vkUpdateDescriptorSets(d, kBindings, w, 0, nullptr);
    p->set_buffers[i] = want;
  }
}

fp8_status_code_t Record(Partition* p, fp8_error_t* err) {
  Device* dev = p->ds->dev;
  VkCommandBuffer cb = p->cb;
  FP8_VK_CHECK(vkResetCommandBuffer(cb, 0), "vkResetCommandBuffer");
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  FP8_VK_CHECK(vkBeginCommandBuffer(cb, &bi), "vkBeginCommandBuffer");
  if (p->status_words > 0) {
    vkCmdFillBuffer(cb, p->status.buffer, 0, VK_WHOLE_SIZE, 0xFFFFFFFFu);
    VkMemoryBarrier m{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    m.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    m.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         0, 1, &m, 0, nullptr, 0, nullptr);
  }
  p->queries.Begin(cb);
  Shader bound = kShaderCount;
  for (size_t i = 0; i < p->dispatches.size(); ++i) {
    const Dispatch& d = p->dispatches[i];
    if (d.groups[0] == 0 || d.groups[1] == 0 || d.groups[2] == 0) continue;
    const size_t node = i / kMaxDispatches;
    if (d.shader != bound) {
      vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, dev->pipeline(d.shader));
      bound = d.shader;
    }
    vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, dev->pipeline_layout(), 0, 1,
                            &p->sets[node], 0, nullptr);
    vkCmdPushConstants(cb, dev->pipeline_layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0,
                       kPushConstantBytes, d.push.data());
    vkCmdDispatch(cb, d.groups[0], d.groups[1], d.groups[2]);
    p->queries.After(cb, d.shader);
    // Each operator reads what the ones before it wrote.
    VkMemoryBarrier m{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    m.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    m.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &m, 0, nullptr, 0, nullptr);
  }
  // Results to the host (mapped reads) and to transfers (copies out).
  VkMemoryBarrier m{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  m.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  m.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
  vkCmdPipelineBarrier(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &m, 0,
                       nullptr, 0, nullptr);
  FP8_VK_CHECK(vkEndCommandBuffer(cb), "vkEndCommandBuffer");
  return FP8_STATUS_OK;
}

// A GATHER index found outside its table: the message names the node, the
// index and its position, like the CPU backends'.
fp8_status_code_t ReportBadIndex(Partition* p, const fp8_tensor_binding_t* bindings,
                                 fp8_error_t* err) {
  const uint32_t* words = static_cast<const uint32_t*>(p->status.mapped);
  for (const auto& k : p->kernels) {
    if (k->status_word() < 0) continue;
    const uint32_t pos = words[k->status_word()];
    if (pos == 0xFFFFFFFFu) continue;
    const Operand& table = k->operands()[0];
    const Operand& idx = k->operands()[1];
    int64_t value = 0;
    if (idx.constant) {
      value = -1;
    } else {
      const size_t elem = idx.dtype == DType::kINT64 ? 8 : 4;
      uint8_t raw[8] = {};
      const fp8_tensor_binding_t& b = bindings[idx.tensor];
      if (Download(*p->ds, raw, static_cast<const Buffer*>(b.buffer), b.offset + pos * elem, elem,
                   err) == FP8_STATUS_OK) {
        if (elem == 8) {
          std::memcpy(&value, raw, 8);
        } else {
          int32_t v32;
          std::memcpy(&v32, raw, 4);
          value = v32;
        }
      }
    }
    const Shape ts =
        table.constant ? table.const_shape : backend::BindingShape(bindings[table.tensor]);
    return Fail(err, FP8_STATUS_OUT_OF_RANGE, "%s: index %lld at position %u is outside [0, %lld)",
                k->label().c_str(), static_cast<long long>(value), pos,
                static_cast<long long>(ts.rank > 0 ? ts[0] : 0));
  }
  return FP8_STATUS_OK;
}

fp8_status_code_t Execute(void*, uint32_t, void* partition, const fp8_tensor_binding_t* bindings,
                          size_t binding_count, fp8_error_t* err) {
  Partition* p = static_cast<Partition*>(partition);
  RunContext rc;
  rc.bindings = bindings;
  rc.binding_count = binding_count;
  rc.err = err;
  rc.max_groups = p->max_groups;
  const fp8_status_code_t placed = BindActivations(p, bindings, binding_count, err);
  if (placed != FP8_STATUS_OK) return placed;
  rc.bases = p->bases.data();
  std::vector<uint32_t>& signature = p->signature;
  signature.clear();
  for (size_t i = 0; i < p->kernels.size(); ++i) {
    const Kernel& k = *p->kernels[i];
    // Word addressing: every bound offset must be a multiple of 4 (the
    // session's arenas align tensors to 64 bytes).
    if (bindings[k.output()].offset % 4 != 0) {
      return Fail(err, FP8_STATUS_INTERNAL, "%s: output offset not word-aligned",
                  k.label().c_str());
    }
    for (const Operand& o : k.operands()) {
      if (o.present() && !o.constant && bindings[o.tensor].offset % 4 != 0) {
        return Fail(err, FP8_STATUS_INTERNAL, "%s: input offset not word-aligned",
                    k.label().c_str());
      }
    }
    Dispatch* d = &p->dispatches[i * kMaxDispatches];
    for (int j = 0; j < kMaxDispatches; ++j) d[j] = Dispatch{};
    const fp8_status_code_t st = k.Plan(rc, d);
    if (st != FP8_STATUS_OK) return st;
    for (int j = 0; j < kMaxDispatches; ++j) {
      signature.push_back(static_cast<uint32_t>(d[j].shader));
      signature.insert(signature.end(), d[j].push.begin(), d[j].push.end());
      signature.insert(signature.end(), d[j].groups, d[j].groups + 3);
    }
  }
  UpdateSets(p);
  for (const auto& bound : p->set_buffers) {
    for (const Partition::Bound& b : bound) {
      for (const uint64_t v : {reinterpret_cast<uint64_t>(b.buffer), b.offset, b.range}) {
        signature.push_back(static_cast<uint32_t>(v));
        signature.push_back(static_cast<uint32_t>(v >> 32));
      }
    }
  }
  if (signature != p->recorded) {
    const fp8_status_code_t st = Record(p, err);
    if (st != FP8_STATUS_OK) {
      p->recorded.clear();
      return st;
    }
    p->recorded.swap(signature);
  }
  const fp8_status_code_t st = SubmitAndWait(p->ds->dev, p->cb, p->fence, err);
  if (st != FP8_STATUS_OK) return st;
  if (p->queries.active()) {
    FP8_VK_CHECK(p->queries.Collect(*p->ds->dev, p->ds->profile.get()), "vkGetQueryPoolResults");
  }
  if (p->status_words > 0) return ReportBadIndex(p, bindings, err);
  return FP8_STATUS_OK;
}

fp8_status_code_t Synchronize(void*, uint32_t, fp8_error_t*) {
  return FP8_STATUS_OK;  // execute and copies complete before they return
}

void Release(void*, uint32_t, void* partition) {
  ReleasePartition(static_cast<Partition*>(partition));
}

const fp8_backend_vtable_t kVtable = {
    sizeof(fp8_backend_vtable_t),
    FP8_BACKEND_ABI_VERSION,
    "vulkan",
    FP8_DEVICE_VULKAN,
    60,  // above the CPU backend (50): a GPU, when there is one
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
}  // namespace vulkan
}  // namespace fp8sdk

extern "C" __attribute__((visibility("default"))) const fp8_backend_vtable_t* fp8_backend_entry(
    uint32_t) {
  return &fp8sdk::vulkan::kVtable;
}
