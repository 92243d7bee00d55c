// The Vulkan backend's per-device state, device memory and transfers:
// buffers within the session's device memory limit and the device's
// allocation and binding limits, uploads and downloads (mapped memory, or a
// staging buffer and a copy), one command buffer submitted and waited on.
#ifndef FP8SDK_BACKENDS_VULKAN_VK_MEMORY_H_
#define FP8SDK_BACKENDS_VULKAN_VK_MEMORY_H_

#include <vulkan/vulkan.h>

#include <cstdint>
#include <memory>
#include <string>

#include "backends/common/graph_access.h"
#include "backends/vulkan/vk_device.h"
#include "backends/vulkan/vk_profile.h"
#include "fp8sdk/backend.h"

namespace fp8sdk {
namespace vulkan {

// "Vulkan: <what>: <VkResult name>"; out-of-memory results are
// RESOURCE_EXHAUSTED (the session then leaves the device out).
fp8_status_code_t VkFail(fp8_error_t* err, VkResult r, const char* what);

#define FP8_VK_CHECK(call, what)                        \
  do {                                                  \
    const VkResult r_ = (call);                         \
    if (r_ != VK_SUCCESS) return VkFail(err, r_, what); \
  } while (0)

// Per device of an instance: command pool, a command buffer and fence for
// copies, and a host-visible staging buffer for devices without mapped
// device memory.
struct DeviceState {
  size_t physical = 0;  // index in Context::devices()
  Device* dev = nullptr;
  VkCommandPool pool = VK_NULL_HANDLE;
  VkCommandBuffer copy_cb = VK_NULL_HANDLE;
  VkFence fence = VK_NULL_HANDLE;
  Buffer staging;
  uint64_t held = 0;  // device-local bytes of arenas and partitions
  // The most bytes a storage buffer descriptor covers: the device's
  // maxStorageBufferRange (lavapipe and many phones: 128 MiB), or less with
  // FP8SDK_VULKAN_MAX_BINDING=<bytes> (to try a model against a smaller
  // device's limit).
  uint64_t max_binding = 0;
  bool max_binding_from_env = false;
  std::shared_ptr<DispatchProfile> profile;  // FP8SDK_VULKAN_PROFILE=1 only
};

// Fills `state` for `dev` (command pool, copy command buffer and fence,
// binding limit).
fp8_status_code_t OpenDeviceState(Device* dev, DeviceState* state, fp8_error_t* err);
// Destroys what OpenDeviceState made (nothing if it was not opened).
void CloseDeviceState(DeviceState* state);

// Submits one command buffer and waits for it.
fp8_status_code_t SubmitAndWait(Device* dev, VkCommandBuffer cb, VkFence fence, fp8_error_t* err);
fp8_status_code_t Upload(DeviceState& ds, Buffer* dst, uint64_t off, const void* src, uint64_t size,
                         fp8_error_t* err);
fp8_status_code_t Download(DeviceState& ds, void* dst, const Buffer* src, uint64_t off,
                           uint64_t size, fp8_error_t* err);

// "the most one descriptor covers on this device (maxStorageBufferRange: N
// bytes)" for messages, naming FP8SDK_VULKAN_MAX_BINDING where it lowered it.
std::string BindingLimit(const DeviceState& ds);

// Device-local memory within the session's limit (`memory_limit` bytes per
// device, 0: none); `what` names it in errors. `bound_whole`: descriptors
// bind all of it (VK_WHOLE_SIZE), so it may not pass DeviceState::max_binding
// (the constants are bound a range per operator instead, activations a range
// from near each tensor).
fp8_status_code_t DeviceBuffer(uint64_t memory_limit, DeviceState& ds, uint64_t size, Buffer* out,
                               const char* what, fp8_error_t* err, bool bound_whole = true);
void FreeDeviceBuffer(DeviceState& ds, Buffer* b);

}  // namespace vulkan
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_VULKAN_VK_MEMORY_H_
