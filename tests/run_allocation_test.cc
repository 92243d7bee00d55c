// Session::Run allocates nothing: operator new is counted while Run runs, for
// FP32 and FP8 models, on repeated runs with changing shapes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace fp8sdk {
namespace {

using testing::BuildTinyBert;
using testing::MakeTinyBertInputs;
using testing::MakeTinyBertWeights;
using testing::TinyBertConfig;

TEST(RunAllocation, CounterSeesAllocations) {
  g_allocations = 0;
  g_counting = true;
  auto* v = new std::vector<int>(100);
  g_counting = false;
  delete v;
  EXPECT_GE(g_allocations.load(), 2);
}

TEST(RunAllocation, RunDoesNotAllocate) {
  const TinyBertConfig c;
  const auto w = MakeTinyBertWeights(c);
  const testing::TinyBertQuant q;
  const testing::TinyBertQuant* const variants[] = {nullptr, &q};
  for (const testing::TinyBertQuant* quant : variants) {
    const Graph g = BuildTinyBert(c, w, quant);
    SessionOptions o;
    o.num_threads = 2;
    auto s = Session::Create(g, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    for (auto [b, sq] : {std::pair{2, 16}, std::pair{8, 64}, std::pair{1, 3}}) {
      const auto in = MakeTinyBertInputs(c, b, sq, 9);
      const int64_t dims[2] = {b, sq};
      const size_t bytes = in.input_ids.size() * 8;
      ASSERT_TRUE(s.value()->SetInput("input_ids", DType::kINT64, dims, 2, in.input_ids.data(), bytes).ok());
      ASSERT_TRUE(s.value()->SetInput("token_type_ids", DType::kINT64, dims, 2, in.token_type_ids.data(), bytes).ok());
      ASSERT_TRUE(s.value()->SetInput("attention_mask", DType::kINT64, dims, 2, in.attention_mask.data(), bytes).ok());
      g_allocations = 0;
      g_counting = true;
      const Status st = s.value()->Run();
      g_counting = false;
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(g_allocations.load(), 0) << (quant ? "fp8" : "fp32") << " batch " << b << " seq " << sq;
    }
  }
}

}  // namespace
}  // namespace fp8sdk
