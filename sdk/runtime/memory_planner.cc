#include "sdk/runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace fp8sdk {

MemoryPlan PlanMemory(const std::vector<BufferLifetime>& buffers, uint64_t alignment) {
  MemoryPlan plan;
  const size_t n = buffers.size();
  plan.offsets.assign(n, 0);
  std::vector<uint64_t> sizes(n);
  for (size_t i = 0; i < n; ++i) {
    sizes[i] = (buffers[i].size + alignment - 1) / alignment * alignment;
    plan.total_size += sizes[i];
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (sizes[a] != sizes[b]) return sizes[a] > sizes[b];
    return buffers[a].first_step < buffers[b].first_step;
  });
  std::vector<size_t> placed;
  std::vector<std::pair<uint64_t, uint64_t>> busy;  // [offset, end) alive at the same time
  for (size_t i : order) {
    if (sizes[i] == 0) {
      placed.push_back(i);
      continue;
    }
    busy.clear();
    for (size_t j : placed) {
      if (sizes[j] == 0) continue;
      const bool overlap = buffers[j].first_step <= buffers[i].last_step &&
                           buffers[i].first_step <= buffers[j].last_step;
      if (overlap) busy.emplace_back(plan.offsets[j], plan.offsets[j] + sizes[j]);
    }
    std::sort(busy.begin(), busy.end());
    uint64_t offset = 0;
    for (const auto& [b, e] : busy) {
      if (b >= offset + sizes[i]) break;  // fits in the gap before this one
      offset = std::max(offset, e);
    }
    plan.offsets[i] = offset;
    plan.arena_size = std::max(plan.arena_size, offset + sizes[i]);
    placed.push_back(i);
  }
  return plan;
}

}  // namespace fp8sdk
