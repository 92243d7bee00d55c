// The FP8 GEMM's parallel schedule, shared by its ISA files (fp8_gemm_avx512.cc,
// fp8_gemm_avx2.cc, fp8_gemm_neon.cc; built with -fopenmp). Internal: include
// nowhere else but its test (fp8_gemm_parallel_test.cc).
#ifndef FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_PARALLEL_H_
#define FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_PARALLEL_H_

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "backends/onednn/fp8_gemm.h"

namespace fp8sdk {
namespace onednn {
// Internal linkage: each ISA file gets its own copies, compiled with its
// flags, which the linker never merges (an AVX-512 copy must not serve an
// AVX2-only CPU).
namespace {  // NOLINT(build/namespaces)

// A thread's scratch from 64 bytes on (vector loads of a decoded panel must
// not straddle cache lines); Fp8GemmScratchPerThread leaves room for it.
inline uint16_t* Aligned64(uint16_t* p) {
  return reinterpret_cast<uint16_t*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t{63});
}

// Items [0, total) as one contiguous run per thread, taken from its front by
// its thread; a thread whose run is done takes the last item of the run with
// the most left. On a VM whose cores run at different speeds (a busy
// hyperthread sibling, interrupts on one vCPU) a static split left the
// faster thread waiting at the join for ~5-10% of a BERT-shaped GEMM; this
// way the slower core simply does fewer items. A run is one 64-bit word
// (next in the low half, end in the high half) changed by compare-and-swap.
class StealingRuns {
 public:
  static constexpr int kMaxThreads = 64;
  // total < 2^31 and 1 <= threads <= kMaxThreads (Fits).
  static bool Fits(int64_t total, int threads) {
    return total < (int64_t{1} << 31) && threads >= 1 && threads <= kMaxThreads;
  }
  StealingRuns(int64_t total, int threads) : threads_(threads) {
    for (int t = 0; t < threads; ++t) {
      runs_[t].v.store(Pack(total * t / threads, total * (t + 1) / threads),
                       std::memory_order_relaxed);
    }
  }
  // Thread t's next item: its own run's front, else another run's back; -1
  // when no item is left.
  int64_t Next(int t) {
    if (t < threads_) {
      std::atomic<uint64_t>& own = runs_[t].v;
      uint64_t v = own.load(std::memory_order_relaxed);
      while (Lo(v) < Hi(v)) {
        if (own.compare_exchange_weak(v, Pack(Lo(v) + 1, Hi(v)), std::memory_order_relaxed)) {
          return Lo(v);
        }
      }
    }
    for (;;) {
      int victim = -1;
      int64_t most = 0;
      for (int u = 0; u < threads_; ++u) {
        const uint64_t v = runs_[u].v.load(std::memory_order_relaxed);
        if (Hi(v) - Lo(v) > most) most = Hi(v) - Lo(v), victim = u;
      }
      if (victim < 0) return -1;
      std::atomic<uint64_t>& run = runs_[victim].v;
      uint64_t v = run.load(std::memory_order_relaxed);
      while (Lo(v) < Hi(v)) {
        if (run.compare_exchange_weak(v, Pack(Lo(v), Hi(v) - 1), std::memory_order_relaxed)) {
          return Hi(v) - 1;
        }
      }
    }
  }

 private:
  static uint64_t Pack(int64_t lo, int64_t hi) {
    return static_cast<uint64_t>(lo) | static_cast<uint64_t>(hi) << 32;
  }
  static int64_t Lo(uint64_t v) { return static_cast<int64_t>(v & 0xFFFFFFFFu); }
  static int64_t Hi(uint64_t v) { return static_cast<int64_t>(v >> 32); }
  struct alignas(64) Run {
    std::atomic<uint64_t> v;
  };
  Run runs_[kMaxThreads];
  int threads_;
};

// M > 1: the prologue on every thread, a barrier, then work items of up to
// block_rows rows x one panel, item(scratch, m0, m1, p) with the thread's
// scratch, each thread a contiguous run of items first (StealingRuns).
template <class Item>
void ForEachRowBlockAndPanel(int64_t rows, int64_t block_rows, int64_t panels, uint16_t* scratch,
                             size_t per_thread, int threads, const Fp8GemmPrologue& prologue,
                             Item item) {
  const int64_t blocks = (rows + block_rows - 1) / block_rows;
  const int64_t total = blocks * panels;
  auto run_item = [&](uint16_t* mine, int64_t i) {
    const int64_t m0 = i / panels * block_rows;
    item(mine, m0, std::min(rows, m0 + block_rows), i % panels);
  };
  const bool steal = StealingRuns::Fits(total, threads);
  StealingRuns runs(steal ? total : 0, steal ? threads : 1);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    uint16_t* mine = Aligned64(scratch + static_cast<size_t>(t) * per_thread);
    if (prologue.fn) {
      prologue.fn(prologue.ctx, t, omp_get_num_threads());
#pragma omp barrier
    }
    if (steal) {
      for (int64_t i = runs.Next(t); i >= 0; i = runs.Next(t)) run_item(mine, i);
    } else {
#pragma omp for schedule(static)
      for (int64_t i = 0; i < total; ++i) run_item(mine, i);
    }
  }
}

// M = 1 (no scratch: the GEMVs decode in registers): the prologue on one
// thread (one row), then on every thread run(p0, p1) for its share of the
// panels, one contiguous run (a GEMV that reads several panels at once keeps
// its groups whole this way).
template <class Run>
void ForEachPanelRun(int64_t panels, int threads, const Fp8GemmPrologue& prologue, Run run) {
  if (prologue.fn) prologue.fn(prologue.ctx, 0, 1);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int64_t p0 = panels * t / n, p1 = panels * (t + 1) / n;
    if (p0 < p1) run(p0, p1);
  }
}

// How the FMA products decode codes: E5M2 (f16's high byte), E4M3 (a
// shifted f16, the value / 256), E4M3 with NaN codes in the weight.
enum class FmaCodes { kE5M2, kE4M3, kE4M3Nan };

// f(std::integral_constant<FmaCodes, C>{}) for w's codes.
template <class F>
void WithFmaCodes(const Fp8PackedWeight& w, F f) {
  if (w.format == kE5M2) {
    f(std::integral_constant<FmaCodes, FmaCodes::kE5M2>{});
  } else if (w.has_nan) {
    f(std::integral_constant<FmaCodes, FmaCodes::kE4M3Nan>{});
  } else {
    f(std::integral_constant<FmaCodes, FmaCodes::kE4M3>{});
  }
}

// The decode's factor undone at the store (E4M3 decodes to the value / 256).
constexpr float FmaUnscale(FmaCodes c) { return c == FmaCodes::kE5M2 ? 1.0f : 256.0f; }

// The FMA products' scratch per thread: a K block of a panel's sub-panels in
// f32, from 64 bytes on; in uint16_t elements.
constexpr size_t FmaScratchPerThread(int64_t block_k) {
  return static_cast<size_t>(2 * kFp8Panel * block_k + 32);
}

// The FMA products' driver (kAvx2Fma, kNeonFma: panels of sub-panels of
// kSub columns, k-major, fp8_gemm.h). M = 1: gemv(xf, panel, kp, unscale,
// scale, bias, y, cols) per panel. M > 1: per work item and K block of
// kBlockK, decode(panel, kp, k0, nk, subs, dst) writes the block's sub-panels
// in f32 to the thread's scratch, then tiles[r] (r = 1..kRows rows) runs each
// sub-panel against the rows, kRows at a time (Tile's signature in the ISA
// files). Instantiated in each ISA file, with that file's flags.
template <int64_t kSub, int64_t kRows, int64_t kBlockK, int64_t kBlockRows, class Gemv,
          class Decode, class TileFn>
void RunSubPanels(const float* x, int64_t rows, const Fp8PackedWeight& w, const float* scale,
                  const float* bias, float* y, uint16_t* scratch, int threads,
                  const Fp8GemmPrologue& prologue, float unscale, Gemv gemv, Decode decode,
                  const TileFn (&tiles)[kRows + 1]) {
  const int64_t panels = w.np / kFp8Panel, N = w.n, kp = w.kp;
  const int64_t panel_bytes = kp * kFp8Panel;
  const uint8_t* packed = w.panels.data();
  const size_t per_thread = Fp8GemmScratchPerThread(w);
  if (rows == 1) {
    ForEachPanelRun(panels, threads, prologue, [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        const int64_t n0 = p * kFp8Panel;
        gemv(x, packed + p * panel_bytes, kp, unscale, scale + n0, bias + n0, y + n0,
             std::min(kFp8Panel, N - n0));
      }
    });
    return;
  }
  // One work item: rows [m0, m1) against panel p, with the thread's scratch.
  auto item = [&](uint16_t* mine, int64_t m0, int64_t m1, int64_t p) {
    float* bf = reinterpret_cast<float*>(mine);
    const int64_t n0 = p * kFp8Panel;
    const int64_t cols = std::min(kFp8Panel, N - n0);
    const int64_t subs = (cols + kSub - 1) / kSub;
    for (int64_t k0 = 0; k0 < kp; k0 += kBlockK) {
      const int64_t nk = std::min(kBlockK, kp - k0);
      const bool first = k0 == 0, last = k0 + nk == kp;
      decode(packed + p * panel_bytes, kp, k0, nk, subs, bf);
      for (int64_t s = 0; s < subs; ++s) {
        const int64_t j = n0 + s * kSub;
        for (int64_t m = m0; m < m1; m += kRows) {
          const int64_t r = std::min(kRows, m1 - m);
          tiles[r](x + m * kp + k0, kp, bf + s * nk * kSub, nk, unscale, scale + j, bias + j,
                   y + m * N + j, N, std::min(kSub, cols - s * kSub), first, last);
        }
      }
    }
  };
  ForEachRowBlockAndPanel(rows, kBlockRows, panels, scratch, per_thread, threads, prologue, item);
}

}  // namespace
}  // namespace onednn
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_PARALLEL_H_
