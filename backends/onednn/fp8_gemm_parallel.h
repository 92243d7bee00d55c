// The FP8 GEMM's parallel schedule, shared by its ISA files (fp8_gemm_avx512.cc,
// fp8_gemm_avx2.cc; built with -fopenmp). Internal: include nowhere else.
#ifndef FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_PARALLEL_H_
#define FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_PARALLEL_H_

#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "backends/onednn/fp8_gemm.h"

namespace fp8sdk {
namespace onednn {

// A thread's scratch from 64 bytes on (vector loads of a decoded panel must
// not straddle cache lines); Fp8GemmScratchPerThread leaves room for it.
inline uint16_t* Aligned64(uint16_t* p) {
  return reinterpret_cast<uint16_t*>((reinterpret_cast<uintptr_t>(p) + 63) & ~uintptr_t{63});
}

// M > 1: the prologue on every thread, a barrier, then work items of up to
// block_rows rows x one panel, split statically: item(scratch, m0, m1, p)
// with the thread's scratch.
template <class Item>
void ForEachRowBlockAndPanel(int64_t rows, int64_t block_rows, int64_t panels, uint16_t* scratch,
                             size_t per_thread, int threads, const Fp8GemmPrologue& prologue,
                             Item item) {
  const int64_t blocks = (rows + block_rows - 1) / block_rows;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    uint16_t* mine = Aligned64(scratch + static_cast<size_t>(t) * per_thread);
    if (prologue.fn) {
      prologue.fn(prologue.ctx, t, omp_get_num_threads());
#pragma omp barrier
    }
#pragma omp for schedule(static)
    for (int64_t i = 0; i < blocks * panels; ++i) {
      const int64_t m0 = i / panels * block_rows;
      item(mine, m0, std::min(rows, m0 + block_rows), i % panels);
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

}  // namespace onednn
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_ONEDNN_FP8_GEMM_PARALLEL_H_
