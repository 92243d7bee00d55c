// A fixed pool of worker threads for CPU kernels. ParallelFor splits a range
// into contiguous chunks and runs them on the workers and the calling thread;
// it returns when every chunk is done. Creating the pool starts the threads;
// ParallelFor itself allocates nothing.
//
// One ParallelFor at a time per pool (the pool belongs to one session, which
// is used by one thread at a time); nested calls run inline.
#ifndef FP8SDK_SDK_COMMON_THREAD_POOL_H_
#define FP8SDK_SDK_COMMON_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace fp8sdk {

class ThreadPool {
 public:
  // num_threads counts the caller: 1 means no workers. 0 means one per core.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) over [0, n) in chunks of at least `grain` items.
  template <typename Fn>
  void ParallelFor(int64_t n, int64_t grain, Fn&& fn) {
    if (n <= 0) return;
    const int64_t max_chunks = grain > 0 ? (n + grain - 1) / grain : n;
    const int64_t chunks = std::min<int64_t>(max_chunks, num_threads());
    if (chunks <= 1 || in_parallel_for_) {
      fn(int64_t{0}, n);
      return;
    }
    Run(n, chunks, [&fn](int64_t b, int64_t e, int64_t) { fn(b, e); });
  }

  // Like ParallelFor, and also passes the chunk index c (0 <= c <
  // num_threads()): no two chunks with the same index run at once, so c can
  // select per-thread scratch memory.
  template <typename Fn>
  void ParallelForIndexed(int64_t n, int64_t grain, Fn&& fn) {
    if (n <= 0) return;
    const int64_t max_chunks = grain > 0 ? (n + grain - 1) / grain : n;
    const int64_t chunks = std::min<int64_t>(max_chunks, num_threads());
    if (chunks <= 1 || in_parallel_for_) {
      fn(int64_t{0}, n, int64_t{0});
      return;
    }
    Run(n, chunks, [&fn](int64_t b, int64_t e, int64_t c) { fn(b, e, c); });
  }

 private:
  using RangeFn = std::function<void(int64_t, int64_t, int64_t)>;
  void Run(int64_t n, int64_t chunks, const RangeFn& fn);
  void WorkerLoop();
  void RunChunks();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  // The current job.
  const RangeFn* fn_ = nullptr;
  int64_t n_ = 0, chunks_ = 0;
  std::atomic<int64_t> next_chunk_{0};
  std::atomic<int64_t> remaining_{0};
  int active_ = 0;  // workers inside RunChunks (guarded by mu_)
  std::atomic<bool> in_parallel_for_{false};
};

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_COMMON_THREAD_POOL_H_
