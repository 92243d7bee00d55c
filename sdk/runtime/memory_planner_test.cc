#include "sdk/runtime/memory_planner.h"

#include <gtest/gtest.h>

#include <random>

namespace fp8sdk {
namespace {

// No two buffers alive at the same step overlap in memory, and every buffer
// fits in the arena.
void ExpectValid(const std::vector<BufferLifetime>& b, const MemoryPlan& p) {
  ASSERT_EQ(p.offsets.size(), b.size());
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_EQ(p.offsets[i] % 64, 0u);
    EXPECT_LE(p.offsets[i] + b[i].size, p.arena_size);
    for (size_t j = i + 1; j < b.size(); ++j) {
      const bool time = b[i].first_step <= b[j].last_step && b[j].first_step <= b[i].last_step;
      const bool space =
          p.offsets[i] < p.offsets[j] + b[j].size && p.offsets[j] < p.offsets[i] + b[i].size;
      EXPECT_FALSE(time && space && b[i].size && b[j].size) << i << " and " << j;
    }
  }
}

TEST(MemoryPlanner, ChainReusesTwoBuffers) {
  // x0 -> x1 -> x2 -> ... each read only by the next step.
  std::vector<BufferLifetime> b;
  for (int i = 0; i < 10; ++i) b.push_back({1024, i, i + 1});
  const MemoryPlan p = PlanMemory(b);
  ExpectValid(b, p);
  EXPECT_EQ(p.arena_size, 2048u);
  EXPECT_EQ(p.total_size, 10240u);
}

TEST(MemoryPlanner, RandomLifetimesAreValid) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<BufferLifetime> b;
    for (int i = 0; i < 60; ++i) {
      const int first = static_cast<int>(rng() % 40);
      b.push_back({rng() % 5000, first, first + static_cast<int>(rng() % 10)});
    }
    const MemoryPlan p = PlanMemory(b);
    ExpectValid(b, p);
    EXPECT_LE(p.arena_size, p.total_size);
  }
}

}  // namespace
}  // namespace fp8sdk
