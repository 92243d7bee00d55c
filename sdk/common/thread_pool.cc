#include "sdk/common/thread_pool.h"

#include <algorithm>

namespace fp8sdk {

ThreadPool::ThreadPool(int num_threads) {
  if (num_threads <= 0)
    num_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks() {
  for (int64_t c; (c = next_chunk_.fetch_add(1)) < chunks_;) {
    const int64_t begin = n_ * c / chunks_, end = n_ * (c + 1) / chunks_;
    (*fn_)(begin, end, c);
    if (remaining_.fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      done_.notify_all();
    }
  }
}

void ThreadPool::Run(int64_t n, int64_t chunks, const RangeFn& fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    n_ = n;
    chunks_ = chunks;
    next_chunk_.store(0);
    remaining_.store(chunks);
    ++generation_;
    in_parallel_for_ = true;
  }
  wake_.notify_all();
  RunChunks();
  std::unique_lock<std::mutex> lock(mu_);
  // Also wait for every worker to leave RunChunks, so that none can see the
  // next job's counters with this job's state.
  done_.wait(lock, [this] { return remaining_.load() == 0 && active_ == 0; });
  fn_ = nullptr;
  in_parallel_for_ = false;
}

void ThreadPool::WorkerLoop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      if (!fn_) continue;
      ++active_;
    }
    RunChunks();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --active_;
    }
    done_.notify_all();
  }
}

}  // namespace fp8sdk
