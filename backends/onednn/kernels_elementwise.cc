// ADD, MUL (numpy broadcasting), GELU (erf / tanh), TANH.
//
// GELU and TANH run oneDNN's eltwise primitive on fixed-size chunks (an
// eltwise result does not depend on the shape, but oneDNN 2.6's eltwise takes
// no run-time dimensions, so the primitives are created for two chunk sizes
// at prepare; their memory handles are created once and only re-pointed per
// chunk, so Run allocates nothing). A tensor that is not a whole number of
// chunks ends with one chunk that overlaps the one before (see
// UnaryKernel::Run): before, that remainder ran libm's erf one value at a
// time, and BERT-base's GELUs took 6.8-8.3 ms a run at sequence 100 against
// 2.1-2.3 ms at 128; now 1.8 ms at 100 (AMD Zen 5, 2 threads). Tensors under
// the smallest chunk run the reference's formula with libm in plain C++.
// oneDNN's erf/tanh are polynomial approximations: within a few float32 ulps
// of libm's.
// ADD and MUL are plain C++ (a binary primitive would need the run's shapes).
#include <omp.h>

#include <array>
#include <cmath>

#include "backends/onednn/dnnl_error.h"
#include "backends/onednn/kernel.h"

namespace fp8sdk {
namespace onednn {
namespace {

constexpr int64_t kGrain = 16384;

// Flat output index -> flat input index under numpy broadcasting.
class Broadcast {
 public:
  Broadcast(const Shape& in, const Shape& out) : rank_(out.rank), identity_(in == out) {
    int64_t stride = 1;
    for (int i = out.rank - 1; i >= 0; --i) {
      const int ii = in.rank - out.rank + i;
      const int64_t d = ii >= 0 ? in[ii] : 1;
      dims_[static_cast<size_t>(i)] = out[i];
      strides_[static_cast<size_t>(i)] = d == 1 ? 0 : stride;
      stride *= d;
    }
  }
  bool identity() const { return identity_; }
  int64_t Map(int64_t i) const {
    int64_t r = 0;
    for (int d = rank_ - 1; d >= 0; --d) {
      const int64_t dim = dims_[static_cast<size_t>(d)];
      r += (i % dim) * strides_[static_cast<size_t>(d)];
      i /= dim;
    }
    return r;
  }

 private:
  int rank_;
  bool identity_;
  std::array<int64_t, kMaxRank> dims_{}, strides_{};
};

class BinaryKernel : public Kernel {
 public:
  BinaryKernel(const backend::GraphAccess& g, size_t node)
      : Kernel(g, node), mul_(g.Op(node) == OpType::kMUL) {}

  fp8_status_code_t Run(const ExecContext& c) override {
    const float* a = static_cast<const float*>(in(0).Data(c));
    const float* b = static_cast<const float*>(in(1).Data(c));
    float* y = static_cast<float*>(OutData(c));
    const Shape out = OutShape(c);
    const Broadcast ia(in(0).GetShape(c), out), ib(in(1).GetShape(c), out);
    const int64_t n = out.NumElements();
    const int64_t chunks = (n + kGrain - 1) / kGrain;
    const bool mul = mul_;
#pragma omp parallel for num_threads(c.threads) schedule(static)
    for (int64_t ch = 0; ch < chunks; ++ch) {
      const int64_t begin = ch * kGrain, end = std::min(n, begin + kGrain);
      if (ia.identity() && ib.identity()) {  // the common case: vectorizes
        if (mul) {
#pragma omp simd
          for (int64_t i = begin; i < end; ++i) y[i] = a[i] * b[i];
        } else {
#pragma omp simd
          for (int64_t i = begin; i < end; ++i) y[i] = a[i] + b[i];
        }
      } else {
        for (int64_t i = begin; i < end; ++i) {
          const float x = a[ia.Map(i)], z = b[ib.Map(i)];
          y[i] = mul ? x * z : x + z;
        }
      }
    }
    return FP8_STATUS_OK;
  }

 private:
  bool mul_;
};

// Chunk sizes of the eltwise primitives: 256 KiB of float32 (stays in L2)
// and, for tensors smaller than that (small models, short sequences), 16 KiB.
constexpr int64_t kEltwiseChunks[2] = {65536, 4096};

class UnaryKernel : public Kernel {
 public:
  UnaryKernel(const backend::GraphAccess& g, size_t node, dnnl::engine& eng)
      : Kernel(g, node),
        tanh_(g.Op(node) == OpType::kTANH),
        tanh_gelu_(g.Op(node) == OpType::kGELU &&
                   g.AttrInt(node, FP8_ATTR_GELU_APPROX) == FP8_GELU_TANH) {
    const dnnl::algorithm alg = tanh_        ? dnnl::algorithm::eltwise_tanh
                                : tanh_gelu_ ? dnnl::algorithm::eltwise_gelu_tanh
                                             : dnnl::algorithm::eltwise_gelu_erf;
    const int64_t planned = g.PlanShape(g.Output(node)).NumElements();
    for (size_t i = 0; i < 2; ++i) {
      const int64_t size = kEltwiseChunks[i];
      if (planned < size) continue;  // never used: a run has at most `planned`
      const dnnl::memory::desc md({size}, dnnl::memory::data_type::f32,
                                  dnnl::memory::format_tag::a);
      const dnnl::eltwise_forward::primitive_desc pd(
          dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, alg, md, 0.0f, 0.0f),
          eng);
      chunks_[i].size = size;
      chunks_[i].eltwise = dnnl::eltwise_forward(pd);
      // Handles without buffers (DNNL_MEMORY_NONE); Run points them at data.
      chunks_[i].src = dnnl::memory(md, eng, DNNL_MEMORY_NONE);
      chunks_[i].dst = dnnl::memory(md, eng, DNNL_MEMORY_NONE);
    }
  }

  // The tensor in whole chunks of the largest primitive it holds, and the
  // rest (< one chunk) as one more chunk that ends at the tensor's end, i.e.
  // recomputes part of the previous chunk's elements into the same values
  // (when x and y do not overlap): at most one execute more than whole
  // chunks, each execute being a parallel region and ~4 allocations inside
  // oneDNN 2.6 (tests/run_allocation_test.cc), where finishing with the small
  // chunk would take up to 15. What no primitive covers (tensors under the
  // smallest chunk, or x and y overlapping) runs the reference's formula
  // with libm in plain C++.
  fp8_status_code_t Run(const ExecContext& c) override {
    const float* x = static_cast<const float*>(in(0).Data(c));
    float* y = static_cast<float*>(OutData(c));
    const int64_t total = OutShape(c).NumElements();
    int64_t done = 0;
    for (const Chunk& ch : chunks_) {
      if (ch.size == 0 || total < ch.size) continue;
      for (; total - done >= ch.size; done += ch.size) {
        if (fp8_status_code_t st = Execute(c, ch, x + done, y + done)) return st;
      }
      const uintptr_t xa = reinterpret_cast<uintptr_t>(x), ya = reinterpret_cast<uintptr_t>(y);
      const uintptr_t bytes = static_cast<uintptr_t>(total) * sizeof(float);
      if (done < total && (xa + bytes <= ya || ya + bytes <= xa)) {
        const int64_t at = total - ch.size;
        if (fp8_status_code_t st = Execute(c, ch, x + at, y + at)) return st;
        done = total;
      }
      break;
    }
    if (done < total) Formula(x + done, y + done, total - done, c.threads);
    return FP8_STATUS_OK;
  }

 private:
  struct Chunk {
    int64_t size = 0;  // 0: not created
    dnnl::eltwise_forward eltwise;
    dnnl::memory src, dst;
  };

  fp8_status_code_t Execute(const ExecContext& c, const Chunk& ch, const float* x, float* y) {
    dnnl_status_t st = dnnl_memory_set_data_handle(ch.src.get(), const_cast<float*>(x));
    if (st == dnnl_success) st = dnnl_memory_set_data_handle(ch.dst.get(), y);
    if (st == dnnl_success) {
      const dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, ch.src.get()}, {DNNL_ARG_DST, ch.dst.get()}};
      st = dnnl_primitive_execute(ch.eltwise.get(), c.stream->get(), 2, args);
    }
    if (st == dnnl_success) st = dnnl_stream_wait(c.stream->get());
    if (st != dnnl_success) return FailFromDnnlStatus(st, label_.c_str(), c.err);
    return FP8_STATUS_OK;
  }

  // n elements with libm (the reference's formulas).
  void Formula(const float* x, float* y, int64_t n, int threads) const {
    const int64_t chunks = (n + kGrain - 1) / kGrain;
    const bool th = tanh_, tg = tanh_gelu_;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t ch = 0; ch < chunks; ++ch) {
      const int64_t begin = ch * kGrain, end = std::min(n, begin + kGrain);
      if (th) {
        for (int64_t i = begin; i < end; ++i) y[i] = std::tanh(x[i]);
      } else if (tg) {
        // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        const float k0 = 0.7978845608028654f, k1 = 0.044715f;
        for (int64_t i = begin; i < end; ++i) {
          const float v = x[i];
          y[i] = 0.5f * v * (1.0f + std::tanh(k0 * (v + k1 * v * v * v)));
        }
      } else {
        // 0.5 x (1 + erf(x / sqrt(2)))
        const float inv_sqrt2 = 0.7071067811865476f;
        for (int64_t i = begin; i < end; ++i) {
          const float v = x[i];
          y[i] = 0.5f * v * (1.0f + std::erf(v * inv_sqrt2));
        }
      }
    }
  }

  bool tanh_, tanh_gelu_;
  Chunk chunks_[2];
};

}  // namespace

std::unique_ptr<Kernel> MakeElementwiseKernel(const backend::GraphAccess& g, size_t node,
                                              dnnl::engine& eng) {
  if (g.Op(node) == OpType::kADD || g.Op(node) == OpType::kMUL) {
    return std::make_unique<BinaryKernel>(g, node);
  }
  return std::make_unique<UnaryKernel>(g, node, eng);
}

}  // namespace onednn
}  // namespace fp8sdk
