// FP8SDK_VULKAN_PROFILE=1: the device time of every dispatch, from
// timestamps written after each one, summed per pipeline over the session
// and printed to stderr when the session ends (a table like fp8bench's
// profile, without the per-operator synchronization that one needs).
#ifndef FP8SDK_BACKENDS_VULKAN_VK_PROFILE_H_
#define FP8SDK_BACKENDS_VULKAN_VK_PROFILE_H_

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "backends/vulkan/vk_device.h"

namespace fp8sdk {
namespace vulkan {

// Whether FP8SDK_VULKAN_PROFILE asks for the profile (set and not "0").
bool ProfileRequested();

// Device time per pipeline, summed over the partitions of one device (they
// may execute from several threads).
class DispatchProfile {
 public:
  // One execute's dispatches: shaders[i] ran between ticks[i] and
  // ticks[i + 1] (`n` + 1 ticks of `bits` valid bits, `period_ns` each).
  void AddExecute(const Shader* shaders, const uint64_t* ticks, uint32_t n, uint32_t bits,
                  double period_ns);
  // The table, slowest pipeline first; nothing when no execute was added.
  void Print(const char* device_name) const;

 private:
  mutable std::mutex mutex_;
  std::array<uint64_t, kShaderCount> dispatches_{};
  std::array<double, kShaderCount> ns_{};
  uint64_t executes_ = 0;
};

// A partition's timestamps: query 0 before the first dispatch and one after
// each; query i + 1 ends a dispatch of the i-th shader recorded. Sized at
// prepare: executes allocate nothing.
class ProfileQueries {
 public:
  // Room for `dispatches` dispatches a recording.
  VkResult Create(const Device& dev, uint32_t dispatches);
  void Destroy(VkDevice device);
  bool active() const { return pool_ != VK_NULL_HANDLE; }
  // At the start of a recording: resets the queries and writes the first.
  void Begin(VkCommandBuffer cb);
  // After a dispatch of `s` is recorded.
  void After(VkCommandBuffer cb, Shader s);
  // Once the recorded commands have run: their times into `into`.
  VkResult Collect(const Device& dev, DispatchProfile* into);

 private:
  VkQueryPool pool_ = VK_NULL_HANDLE;
  uint32_t capacity_ = 0;
  std::vector<Shader> shaders_;
  std::vector<uint64_t> ticks_;
};

}  // namespace vulkan
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_VULKAN_VK_PROFILE_H_
