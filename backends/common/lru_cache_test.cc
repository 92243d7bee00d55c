#include "backends/common/lru_cache.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <vector>

namespace fp8sdk {
namespace backend {
namespace {

// Records its destruction, as a GEMM plan or a CUDA graph releases what it
// holds.
struct Held {
  Held(int id, std::vector<int>* released) : id(id), released(released) {}
  ~Held() { released->push_back(id); }
  int id;
  std::vector<int>* released;
};

TEST(LruCache, FindsWhatWasInserted) {
  std::vector<int> released;
  LruCache<std::vector<int64_t>, Held> cache(4);
  EXPECT_EQ(cache.Find({1, 128}), nullptr);
  cache.Insert({1, 128}, std::make_unique<Held>(1, &released));
  cache.Insert({1, 64}, std::make_unique<Held>(2, &released));
  ASSERT_NE(cache.Find({1, 128}), nullptr);
  EXPECT_EQ(cache.Find({1, 128})->id, 1);
  EXPECT_EQ(cache.Find({1, 64})->id, 2);
  EXPECT_EQ(cache.Find({1, 32}), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(released.empty());
}

TEST(LruCache, AFullCacheDropsTheLeastRecentlyUsed) {
  std::vector<int> released;
  LruCache<int, Held> cache(3);
  for (int k = 0; k < 3; ++k) cache.Insert(k, std::make_unique<Held>(k, &released));
  ASSERT_NE(cache.Find(0), nullptr);  // 1 is now the least recently used
  cache.Insert(3, std::make_unique<Held>(3, &released));
  EXPECT_EQ(released, std::vector<int>({1}));
  EXPECT_EQ(cache.Find(1), nullptr);
  for (int k : {0, 2, 3}) {
    ASSERT_NE(cache.Find(k), nullptr) << k;
    EXPECT_EQ(cache.Find(k)->id, k);
  }
  EXPECT_EQ(cache.size(), 3u);
  // 0, 2, 3 were just used in that order: 0 goes next.
  cache.Insert(4, std::make_unique<Held>(4, &released));
  EXPECT_EQ(released, std::vector<int>({1, 0}));
}

TEST(LruCache, InsertingAnExistingKeyReplacesItsValue) {
  std::vector<int> released;
  LruCache<std::array<int64_t, 2>, Held> cache(2);
  cache.Insert({7, 7}, std::make_unique<Held>(1, &released));
  cache.Insert({7, 7}, std::make_unique<Held>(2, &released));
  EXPECT_EQ(released, std::vector<int>({1}));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find({7, 7})->id, 2);
}

TEST(LruCache, ClearAndDestructionReleaseEverything) {
  std::vector<int> released;
  {
    LruCache<int, Held> cache(0);  // a capacity of 0 holds one
    EXPECT_EQ(cache.capacity(), 1u);
    cache.Insert(1, std::make_unique<Held>(1, &released));
    cache.Insert(2, std::make_unique<Held>(2, &released));
    EXPECT_EQ(released, std::vector<int>({1}));
    cache.Clear();
    EXPECT_EQ(released, std::vector<int>({1, 2}));
    cache.Insert(3, std::make_unique<Held>(3, &released));
  }
  EXPECT_EQ(released, std::vector<int>({1, 2, 3}));
}

}  // namespace
}  // namespace backend
}  // namespace fp8sdk
