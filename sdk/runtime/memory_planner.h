// Lifetime-based arena planning: tensors whose lifetimes do not overlap share
// memory. Greedy by size (largest first, each at the lowest offset that does
// not collide with a placed tensor alive at the same time), as in TFLite's
// arena planner.
#ifndef FP8SDK_SDK_RUNTIME_MEMORY_PLANNER_H_
#define FP8SDK_SDK_RUNTIME_MEMORY_PLANNER_H_

#include <cstdint>
#include <vector>

namespace fp8sdk {

struct BufferLifetime {
  uint64_t size = 0;
  int first_step = 0;  // written at this step
  int last_step = 0;   // last read at this step (inclusive)
};

struct MemoryPlan {
  std::vector<uint64_t> offsets;  // one per lifetime, multiples of `alignment`
  uint64_t arena_size = 0;        // the peak: bytes the arena needs
  uint64_t total_size = 0;        // sum of all (aligned) sizes, without reuse
};

MemoryPlan PlanMemory(const std::vector<BufferLifetime>& buffers, uint64_t alignment = 64);

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_MEMORY_PLANNER_H_
