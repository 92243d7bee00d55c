#include "backends/vulkan/vk_memory.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace fp8sdk {
namespace vulkan {

using backend::Fail;

fp8_status_code_t VkFail(fp8_error_t* err, VkResult r, const char* what) {
  const fp8_status_code_t code =
      r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY
          ? FP8_STATUS_RESOURCE_EXHAUSTED
          : FP8_STATUS_BACKEND_ERROR;
  return Fail(err, code, "Vulkan: %s: %s", what, VkResultName(r));
}

namespace {

fp8_status_code_t CreateDeviceObjects(Device* dev, DeviceState& ds, fp8_error_t* err) {
  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = dev->queue_family();
  FP8_VK_CHECK(vkCreateCommandPool(dev->device(), &pi, nullptr, &ds.pool), "vkCreateCommandPool");
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = ds.pool;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  FP8_VK_CHECK(vkAllocateCommandBuffers(dev->device(), &ai, &ds.copy_cb),
               "vkAllocateCommandBuffers");
  VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  FP8_VK_CHECK(vkCreateFence(dev->device(), &fi, nullptr, &ds.fence), "vkCreateFence");
  ds.max_binding = dev->properties().limits.maxStorageBufferRange;
  if (const char* env = std::getenv("FP8SDK_VULKAN_MAX_BINDING")) {
    const long long v = std::atoll(env);
    if (v >= 256 && static_cast<uint64_t>(v) < ds.max_binding) {
      ds.max_binding = static_cast<uint64_t>(v);
      ds.max_binding_from_env = true;
    }
  }
  // Whole 16-byte texels: shaders read some tensors as uvec4s, and a limit
  // such as 2^32 - 1 (NVIDIA) is not a multiple of 16.
  ds.max_binding = ds.max_binding / 16 * 16;
  return FP8_STATUS_OK;
}

void DestroyDeviceObjects(Device* dev, DeviceState* ds) {
  VkDevice d = dev->device();
  dev->DestroyBuffer(&ds->staging);
  if (ds->fence != VK_NULL_HANDLE) vkDestroyFence(d, ds->fence, nullptr);
  if (ds->pool != VK_NULL_HANDLE) vkDestroyCommandPool(d, ds->pool, nullptr);
  ds->fence = VK_NULL_HANDLE;
  ds->pool = VK_NULL_HANDLE;
  ds->copy_cb = VK_NULL_HANDLE;  // freed with the pool
}

}  // namespace

fp8_status_code_t OpenDeviceState(Device* dev, DeviceState* state, fp8_error_t* err) {
  const fp8_status_code_t st = CreateDeviceObjects(dev, *state, err);
  if (st != FP8_STATUS_OK) {
    DestroyDeviceObjects(dev, state);  // what was made before the failure
    return st;
  }
  state->dev = dev;
  return FP8_STATUS_OK;
}

void CloseDeviceState(DeviceState* state) {
  if (!state->dev) return;
  DestroyDeviceObjects(state->dev, state);
  state->dev = nullptr;
}

// Submits one command buffer and waits for it.
fp8_status_code_t SubmitAndWait(Device* dev, VkCommandBuffer cb, VkFence fence, fp8_error_t* err) {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cb;
  {
    std::lock_guard<std::mutex> lock(dev->queue_mutex());
    FP8_VK_CHECK(vkQueueSubmit(dev->queue(), 1, &si, fence), "vkQueueSubmit");
  }
  FP8_VK_CHECK(vkWaitForFences(dev->device(), 1, &fence, VK_TRUE, UINT64_MAX), "vkWaitForFences");
  FP8_VK_CHECK(vkResetFences(dev->device(), 1, &fence), "vkResetFences");
  return FP8_STATUS_OK;
}

// A buffer-to-buffer copy through the device's copy command buffer.
fp8_status_code_t CopyBuffer(DeviceState& ds, VkBuffer src, uint64_t src_off, VkBuffer dst,
                             uint64_t dst_off, uint64_t size, fp8_error_t* err) {
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  FP8_VK_CHECK(vkBeginCommandBuffer(ds.copy_cb, &bi), "vkBeginCommandBuffer");
  const VkBufferCopy region{src_off, dst_off, size};
  vkCmdCopyBuffer(ds.copy_cb, src, dst, 1, &region);
  // The copy's writes made visible to host reads (downloads through the
  // staging buffer) and to the shaders that read uploads; a fence alone
  // covers device accesses only.
  VkMemoryBarrier m{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  m.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
  m.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT;
  vkCmdPipelineBarrier(ds.copy_cb, VK_PIPELINE_STAGE_TRANSFER_BIT,
                       VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &m,
                       0, nullptr, 0, nullptr);
  FP8_VK_CHECK(vkEndCommandBuffer(ds.copy_cb), "vkEndCommandBuffer");
  return SubmitAndWait(ds.dev, ds.copy_cb, ds.fence, err);
}

fp8_status_code_t EnsureStaging(DeviceState& ds, uint64_t size, fp8_error_t* err) {
  if (ds.staging.size >= size) return FP8_STATUS_OK;
  ds.dev->DestroyBuffer(&ds.staging);
  FP8_VK_CHECK(ds.dev->CreateBuffer(size, /*host=*/true, &ds.staging), "staging buffer");
  return FP8_STATUS_OK;
}

fp8_status_code_t Upload(DeviceState& ds, Buffer* dst, uint64_t off, const void* src, uint64_t size,
                         fp8_error_t* err) {
  if (size == 0) return FP8_STATUS_OK;
  if (off + size > dst->size)
    return Fail(err, FP8_STATUS_OUT_OF_RANGE, "copy past the buffer's end");
  if (dst->mapped) {
    std::memcpy(static_cast<uint8_t*>(dst->mapped) + off, src, size);
    if (!dst->coherent) {
      VkMappedMemoryRange r{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
      r.memory = dst->memory;
      r.size = VK_WHOLE_SIZE;
      FP8_VK_CHECK(vkFlushMappedMemoryRanges(ds.dev->device(), 1, &r), "vkFlushMappedMemoryRanges");
    }
    return FP8_STATUS_OK;
  }
  const fp8_status_code_t st = EnsureStaging(ds, size, err);
  if (st != FP8_STATUS_OK) return st;
  std::memcpy(ds.staging.mapped, src, size);
  return CopyBuffer(ds, ds.staging.buffer, 0, dst->buffer, off, size, err);
}

fp8_status_code_t Download(DeviceState& ds, void* dst, const Buffer* src, uint64_t off,
                           uint64_t size, fp8_error_t* err) {
  if (size == 0) return FP8_STATUS_OK;
  if (off + size > src->size)
    return Fail(err, FP8_STATUS_OUT_OF_RANGE, "copy past the buffer's end");
  if (src->mapped) {
    if (!src->coherent) {
      VkMappedMemoryRange r{VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE};
      r.memory = src->memory;
      r.size = VK_WHOLE_SIZE;
      FP8_VK_CHECK(vkInvalidateMappedMemoryRanges(ds.dev->device(), 1, &r),
                   "vkInvalidateMappedMemoryRanges");
    }
    std::memcpy(dst, static_cast<const uint8_t*>(src->mapped) + off, size);
    return FP8_STATUS_OK;
  }
  fp8_status_code_t st = EnsureStaging(ds, size, err);
  if (st != FP8_STATUS_OK) return st;
  st = CopyBuffer(ds, src->buffer, off, ds.staging.buffer, 0, size, err);
  if (st != FP8_STATUS_OK) return st;
  std::memcpy(dst, ds.staging.mapped, size);
  return FP8_STATUS_OK;
}

// "the most one descriptor covers on this device (maxStorageBufferRange: N
// bytes)" for messages, naming FP8SDK_VULKAN_MAX_BINDING where it lowered it.
std::string BindingLimit(const DeviceState& ds) {
  char s[160];
  std::snprintf(s, sizeof(s), "the most one descriptor covers on this device (%s: %llu bytes)",
                ds.max_binding_from_env ? "FP8SDK_VULKAN_MAX_BINDING" : "maxStorageBufferRange",
                static_cast<unsigned long long>(ds.max_binding));
  return s;
}

// Device-local memory within the session's limit; `what` names it in errors.
// `bound_whole`: descriptors bind all of it (VK_WHOLE_SIZE), so it may not
// pass DeviceState::max_binding (the constants are bound a range per
// operator instead, activations a range from near each tensor).
fp8_status_code_t DeviceBuffer(uint64_t memory_limit, DeviceState& ds, uint64_t size, Buffer* out,
                               const char* what, fp8_error_t* err, bool bound_whole) {
  if (memory_limit > 0 && ds.held + size > memory_limit) {
    return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED,
                "Vulkan: %s: %llu bytes more would pass the session's device memory limit of "
                "%llu bytes (%llu held)",
                what, static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(memory_limit),
                static_cast<unsigned long long>(ds.held));
  }
  const uint64_t max_alloc = ds.dev->max_allocation_bytes();
  if (max_alloc > 0 && (size + 15) / 16 * 16 > max_alloc) {
    return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED,
                "Vulkan: %s: %llu bytes pass the device's largest allocation "
                "(maxMemoryAllocationSize: %llu bytes)",
                what, static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(max_alloc));
  }
  if (bound_whole && (size + 15) / 16 * 16 > ds.max_binding) {
    return Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "Vulkan: %s: %llu bytes pass %s", what,
                static_cast<unsigned long long>(size), BindingLimit(ds).c_str());
  }
  FP8_VK_CHECK(ds.dev->CreateBuffer(size, /*host=*/false, out), what);
  ds.held += out->size;
  return FP8_STATUS_OK;
}

void FreeDeviceBuffer(DeviceState& ds, Buffer* b) {
  ds.held -= std::min(ds.held, b->size);
  ds.dev->DestroyBuffer(b);
}

}  // namespace vulkan
}  // namespace fp8sdk
