// Session::Run allocates nothing: operator new is counted while Run runs, for
// FP32 and FP8 models, on repeated runs with changing shapes.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
}  // namespace

// Under AddressSanitizer operator new belongs to the sanitizer (replacing it
// here would pair its allocations with our free): the count is checked in the
// regular build only.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FP8SDK_COUNTING_NEW 0
#else
#define FP8SDK_COUNTING_NEW 1
// These are the replacement global operators: new's memory comes from
// malloc, so free is the matching release (GCC cannot see that).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
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
#endif

namespace fp8sdk {
namespace {

using testing::BuildTinyBert;
using testing::MakeTinyBertInputs;
using testing::MakeTinyBertWeights;
using testing::TinyBertConfig;

TEST(RunAllocation, CounterSeesAllocations) {
  if (!FP8SDK_COUNTING_NEW) GTEST_SKIP() << "operator new is the sanitizer\'s in this build";
  g_allocations = 0;
  g_counting = true;
  auto* v = new std::vector<int>(100);
  g_counting = false;
  delete v;
  EXPECT_GE(g_allocations.load(), 2);
}

// Counts operator new calls of each Run on `device` (the first Run included:
// the oneDNN backend finishes its primitives' setup at prepare).
std::vector<long> CountRunAllocations(fp8_device_kind_t device) {
  const TinyBertConfig c;
  const auto w = MakeTinyBertWeights(c);
  const testing::TinyBertQuant q;
  const testing::TinyBertQuant* const variants[] = {nullptr, &q};
  std::vector<long> counts;
  for (const testing::TinyBertQuant* quant : variants) {
    const Graph g = BuildTinyBert(c, w, quant);
    SessionOptions o;
    o.num_threads = 2;
    o.device = device;
    auto s = Session::Create(g, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return counts;
    for (auto [b, sq] : {std::pair{2, 16}, std::pair{8, 64}, std::pair{1, 3}}) {
      const auto in = MakeTinyBertInputs(c, b, sq, 9);
      EXPECT_TRUE(testing::SetBertInputs(s.value().get(), in).ok());
      g_allocations = 0;
      g_counting = true;
      const Status st = s.value()->Run();
      g_counting = false;
      EXPECT_TRUE(st.ok()) << st.ToString();
      counts.push_back(g_allocations.load());
    }
  }
  return counts;
}

// Known gap of the oneDNN backend: oneDNN 2.6's dnnl_primitive_execute
// copies its arguments into a std::unordered_map, about 4 operator new calls
// per primitive execute (inside libdnnl; no data buffers: those are planned).
// The backend executes one matmul per LINEAR and, per GELU, its elements in
// chunks of 65536 (or of 4096 when smaller) rounded up (kernels_elementwise.cc),
// so the count is bounded by those executes; zero is the goal.
TEST(RunAllocation, OnednnRunAllocatesOnlyOneDnnBookkeeping) {
  if (!FP8SDK_COUNTING_NEW) GTEST_SKIP() << "operator new is the sanitizer\'s in this build";
  const std::vector<long> counts = CountRunAllocations(FP8_DEVICE_CPU);
  ASSERT_EQ(counts.size(), 6u);
  const TinyBertConfig c;
  const int shapes[3][2] = {{2, 16}, {8, 64}, {1, 3}};  // as in CountRunAllocations
  std::printf("onednn: operator new calls per Run:");
  for (size_t i = 0; i < counts.size(); ++i) {
    const int* bs = shapes[i % 3];
    const long linears = 6L * c.layers + 2;  // 6 per layer + pooler + classifier
    const long gelu_elements = static_cast<long>(bs[0]) * bs[1] * c.intermediate;
    const long chunk = gelu_elements >= 65536 ? 65536 : 4096;
    const long gelu_chunks =
        c.layers * (gelu_elements >= chunk ? (gelu_elements + chunk - 1) / chunk : 0);
    EXPECT_LE(counts[i], 6 * (linears + gelu_chunks)) << "run " << i;
    std::printf(" %ld", counts[i]);
  }
  std::printf("\n");
}

TEST(RunAllocation, RunDoesNotAllocate) {
  if (!FP8SDK_COUNTING_NEW) GTEST_SKIP() << "operator new is the sanitizer\'s in this build";
  const TinyBertConfig c;
  const auto w = MakeTinyBertWeights(c);
  const testing::TinyBertQuant q;
  const testing::TinyBertQuant* const variants[] = {nullptr, &q};
  for (const testing::TinyBertQuant* quant : variants) {
    const Graph g = BuildTinyBert(c, w, quant);
    SessionOptions o;
    o.num_threads = 2;
    // The reference backend; the oneDNN backend's count is the test above.
    o.device = FP8_DEVICE_REFERENCE;
    auto s = Session::Create(g, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    for (auto [b, sq] : {std::pair{2, 16}, std::pair{8, 64}, std::pair{1, 3}}) {
      const auto in = MakeTinyBertInputs(c, b, sq, 9);
      ASSERT_TRUE(testing::SetBertInputs(s.value().get(), in).ok());
      g_allocations = 0;
      g_counting = true;
      const Status st = s.value()->Run();
      g_counting = false;
      ASSERT_TRUE(st.ok()) << st.ToString();
      EXPECT_EQ(g_allocations.load(), 0)
          << (quant ? "fp8" : "fp32") << " batch " << b << " seq " << sq;
    }
  }
}

}  // namespace
}  // namespace fp8sdk
