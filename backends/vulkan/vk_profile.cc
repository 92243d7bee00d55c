#include "backends/vulkan/vk_profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fp8sdk {
namespace vulkan {

bool ProfileRequested() {
  const char* env = std::getenv("FP8SDK_VULKAN_PROFILE");
  return env && std::strcmp(env, "0") != 0;
}

void DispatchProfile::AddExecute(const Shader* shaders, const uint64_t* ticks, uint32_t n,
                                 uint32_t bits, double period_ns) {
  const uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
  std::lock_guard<std::mutex> lock(mutex_);
  ++executes_;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t t = (ticks[i + 1] - ticks[i]) & mask;  // counters may wrap
    ++dispatches_[shaders[i]];
    ns_[shaders[i]] += static_cast<double>(t) * period_ns;
  }
}

void DispatchProfile::Print(const char* device_name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (executes_ == 0) return;
  std::array<int, kShaderCount> order;
  for (int i = 0; i < kShaderCount; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int a, int b) { return ns_[a] > ns_[b]; });
  double total = 0;
  for (double v : ns_) total += v;
  std::fprintf(stderr,
               "fp8sdk vulkan profile: %s, device time of %llu executes (timestamps)\n"
               "  %-24s %10s %12s %12s %7s\n",
               device_name, static_cast<unsigned long long>(executes_), "pipeline", "dispatches",
               "total ms", "us each", "share");
  for (int s : order) {
    if (dispatches_[s] == 0) continue;
    std::fprintf(stderr, "  %-24s %10llu %12.3f %12.2f %6.1f%%\n",
                 ShaderName(static_cast<Shader>(s)),
                 static_cast<unsigned long long>(dispatches_[s]), ns_[s] * 1e-6,
                 ns_[s] * 1e-3 / static_cast<double>(dispatches_[s]),
                 total > 0 ? 100.0 * ns_[s] / total : 0.0);
  }
  std::fprintf(stderr, "  %-24s %10s %12.3f\n", "all", "", total * 1e-6);
}

VkResult ProfileQueries::Create(const Device& dev, uint32_t dispatches) {
  capacity_ = 1 + dispatches;
  VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
  qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
  qi.queryCount = capacity_;
  const VkResult r = vkCreateQueryPool(dev.device(), &qi, nullptr, &pool_);
  if (r != VK_SUCCESS) {
    pool_ = VK_NULL_HANDLE;
    return r;
  }
  shaders_.reserve(capacity_);
  ticks_.resize(capacity_);
  return VK_SUCCESS;
}

void ProfileQueries::Destroy(VkDevice device) {
  if (pool_ != VK_NULL_HANDLE) vkDestroyQueryPool(device, pool_, nullptr);
  pool_ = VK_NULL_HANDLE;
}

void ProfileQueries::Begin(VkCommandBuffer cb) {
  shaders_.clear();
  if (!active()) return;
  vkCmdResetQueryPool(cb, pool_, 0, capacity_);
  vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool_, 0);
}

void ProfileQueries::After(VkCommandBuffer cb, Shader s) {
  if (!active()) return;
  // Written once this dispatch (and all before it) has finished.
  shaders_.push_back(s);
  vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, pool_,
                      static_cast<uint32_t>(shaders_.size()));
}

VkResult ProfileQueries::Collect(const Device& dev, DispatchProfile* into) {
  const uint32_t n = static_cast<uint32_t>(shaders_.size()) + 1;
  const VkResult r =
      vkGetQueryPoolResults(dev.device(), pool_, 0, n, n * sizeof(uint64_t), ticks_.data(),
                            sizeof(uint64_t), VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
  if (r != VK_SUCCESS) return r;
  into->AddExecute(shaders_.data(), ticks_.data(), n - 1, dev.timestamp_bits(),
                   dev.timestamp_period_ns());
  return VK_SUCCESS;
}

}  // namespace vulkan
}  // namespace fp8sdk
