// One model shared by many sessions on many threads gives every thread the
// single-threaded answer; one session used from two threads at once is
// detected (the second caller gets an error naming the cause) and never
// corrupts a result. Run under ThreadSanitizer too (tools/test.sh --tsan).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "formats/model_writer.h"
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

std::vector<float> Logits(Session* s, const testing::TinyBertInputs& in, Status* st) {
  *st = testing::SetBertInputs(s, in);
  if (st->ok()) *st = s->Run();
  TensorView v;
  if (st->ok()) *st = s->GetOutput("logits", &v);
  if (!st->ok()) return {};
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / 4);
}

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TinyBertQuant q;
    const Graph g = testing::BuildTinyBert(cfg_, testing::MakeTinyBertWeights(cfg_), &q);
    path_ = ::testing::TempDir() + "/concurrency_test.fp8";
    ASSERT_TRUE(WriteModelFile(g, path_).ok());
    auto m = LoadedModel::LoadFile(path_);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    model_ = std::move(m.value());
  }
  testing::TinyBertConfig cfg_;
  std::string path_;
  std::unique_ptr<LoadedModel> model_;
};

TEST_F(ConcurrencyTest, ManySessionsOnManyThreadsShareOneModel) {
  constexpr int kThreads = 4, kRuns = 5;
  // The answers, one thread at a time.
  std::vector<testing::TinyBertInputs> inputs;
  std::vector<std::vector<float>> want;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(testing::MakeTinyBertInputs(cfg_, 1 + t % 3, 8 + 3 * t, 100 + t));
    SessionOptions o;
    o.device = t % 2 ? FP8_DEVICE_CPU : FP8_DEVICE_REFERENCE;
    o.num_threads = 1;
    auto s = Session::Create(model_->graph(), o);
    ASSERT_TRUE(s.ok());
    Status st;
    want.push_back(Logits(s.value().get(), inputs.back(), &st));
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  std::atomic<int> mismatches{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SessionOptions o;
      o.device = t % 2 ? FP8_DEVICE_CPU : FP8_DEVICE_REFERENCE;
      o.num_threads = 1;
      auto s = Session::Create(model_->graph(), o);  // sessions created concurrently too
      if (!s.ok()) {
        ++errors;
        return;
      }
      for (int r = 0; r < kRuns; ++r) {
        Status st;
        const std::vector<float> got = Logits(s.value().get(), inputs[static_cast<size_t>(t)], &st);
        if (!st.ok()) ++errors;
        if (got != want[static_cast<size_t>(t)]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(mismatches.load(), 0) << "a thread saw another thread's result or a torn one";
}

TEST_F(ConcurrencyTest, OneSessionFromTwoThreadsIsDetected) {
  SessionOptions o;
  o.device = FP8_DEVICE_REFERENCE;
  o.num_threads = 1;
  auto s = Session::Create(model_->graph(), o);
  ASSERT_TRUE(s.ok());
  const auto in = testing::MakeTinyBertInputs(cfg_, 2, 16, 7);
  Status first;
  const std::vector<float> want = Logits(s.value().get(), in, &first);
  ASSERT_TRUE(first.ok());
  std::atomic<int> busy{0}, other{0};
  auto worker = [&] {
    for (int r = 0; r < 20; ++r) {
      Status st = testing::SetBertInputs(s.value().get(), in);
      if (st.ok()) st = s.value()->Run();
      if (!st.ok()) (st.message().find("busy") != std::string::npos ? busy : other)++;
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(other.load(), 0) << "only the 'busy' refusal may happen";
  // Whatever interleaving happened, the session is intact.
  Status last;
  EXPECT_EQ(Logits(s.value().get(), in, &last), want);
  EXPECT_TRUE(last.ok()) << last.ToString();
  std::printf("concurrent calls refused as busy: %d of 80\n", busy.load());
}

}  // namespace
}  // namespace fp8sdk
