// The FP8 GEMM's work schedule (fp8_gemm_parallel.h): every item runs once,
// each thread starts on its own contiguous run, and a slow thread's items go
// to the others.
#include "backends/onednn/fp8_gemm_parallel.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace fp8sdk {
namespace onednn {
namespace {

// Runs `total` items on `threads` OpenMP threads; who[i] = the thread that ran
// item i (-1: none, -2: more than one); `delay(t)` before each of t's items.
template <class Delay>
std::vector<int> RunAll(int64_t total, int threads, Delay delay) {
  std::vector<std::atomic<int>> who(static_cast<size_t>(total));
  for (auto& w : who) w.store(-1);
  StealingRuns runs(total, threads);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    for (int64_t i = runs.Next(t); i >= 0; i = runs.Next(t)) {
      delay(t);
      int expected = -1;
      if (!who[static_cast<size_t>(i)].compare_exchange_strong(expected, t)) {
        who[static_cast<size_t>(i)].store(-2);
      }
    }
  }
  std::vector<int> out;
  for (auto& w : who) out.push_back(w.load());
  return out;
}

TEST(StealingRunsTest, EveryItemOnceForAnySplit) {
  for (int threads : {1, 2, 3, 5}) {
    for (int64_t total : {0, 1, 2, 7, 12, 48, 1000}) {
      const std::vector<int> who = RunAll(total, threads, [](int) {});
      for (int64_t i = 0; i < total; ++i) {
        EXPECT_GE(who[static_cast<size_t>(i)], 0)
            << "item " << i << " of " << total << ", " << threads << " threads";
      }
    }
  }
}

TEST(StealingRunsTest, OneThreadTakesEveryRun) {
  // Fewer threads than runs (OpenMP may give fewer than asked): the runs of
  // threads that never come are taken by the one that does.
  StealingRuns runs(10, 4);
  std::vector<int64_t> got;
  for (int64_t i = runs.Next(0); i >= 0; i = runs.Next(0)) got.push_back(i);
  ASSERT_EQ(got.size(), 10u);
  // Its own run first, in order, then the others' from their ends.
  EXPECT_EQ(got[0], 0);
  EXPECT_EQ(got[1], 1);
  std::vector<bool> seen(10, false);
  for (int64_t i : got) {
    ASSERT_FALSE(seen[static_cast<size_t>(i)]) << i;
    seen[static_cast<size_t>(i)] = true;
  }
}

TEST(StealingRunsTest, SlowThreadsItemsGoToTheOthers) {
  omp_set_dynamic(0);
  int got = 0;
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    got = omp_get_num_threads();
  }
  if (got < 2) GTEST_SKIP() << "OpenMP gives this process one thread";
  // Thread 0 takes 20 ms an item (0.4 s for its 20): thread 1, whose items
  // take no time, has that long to take some of them.
  const std::vector<int> who = RunAll(40, 2, [](int t) {
    if (t == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  int by_slow = 0;
  for (int w : who) {
    ASSERT_GE(w, 0);
    by_slow += w == 0;
  }
  // Statically thread 0 would run 20.
  EXPECT_LT(by_slow, 20);
}

TEST(StealingRunsTest, FitsBounds) {
  EXPECT_TRUE(StealingRuns::Fits(1000, 2));
  EXPECT_FALSE(StealingRuns::Fits(int64_t{1} << 31, 2));
  EXPECT_FALSE(StealingRuns::Fits(10, StealingRuns::kMaxThreads + 1));
  EXPECT_FALSE(StealingRuns::Fits(10, 0));
}

}  // namespace
}  // namespace onednn
}  // namespace fp8sdk
