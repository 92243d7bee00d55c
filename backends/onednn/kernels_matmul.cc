// LINEAR (oneDNN matmul, run-time M) and BATCH_MATMUL (plain C++; see
// BatchMatMulKernel for why).
//
// Numerics follow backends/reference/kernels_matmul.cc:
//   x_q = decode(encode(x * (1 / s_x)));  acc = sum_k x_q[k] * w_q[k] (fp32)
//   y = acc * (s_x * s_w[n]) + bias[n]
// LINEAR with INT8 weights and INT8 activations runs oneDNN's s8 x s8 matmul
// (VNNI where the CPU has it; one byte a weight): integer products summed in
// int32, exactly, then converted to f32 once (the reference's f32 sums are
// exact too while they stay below 2^24). Otherwise it runs bf16 x bf16 ->
// f32 when both operands are exactly bf16: quantized activations (FP8 codes
// have <= 3 mantissa bits, INT8 codes |v| <= 127) and FP8/INT8/BF16 weights;
// their products are exact in f32, so only the summation order differs from
// the reference. Everything else (f32 activations, f16/f32 weights) runs as
// an f32 matmul on the decoded values.
// The scale and bias are applied in a separate pass after the matmul: the
// same two roundings as the reference, in the same order.
#include <alloca.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/onednn/dnnl_error.h"
#include "backends/onednn/kernel.h"
#include "sdk/common/target_clones.h"
#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace onednn {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

constexpr int64_t kChunk = 16384;  // elements per parallel fake-quantization chunk

uint16_t FloatToBf16Exact(float v) {  // only for values exact in bf16
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return static_cast<uint16_t>(bits >> 16);
}

// x_q = decode(encode(x / s)) as float (out_f32) or bf16 (out_bf16), in
// parallel chunks; `codes` holds the intermediate codes (the only output when
// both are null: INT8 codes for the s8 matmul).
void FakeQuantize(const float* x, int64_t n, const backend::ActQuantView& q, uint8_t* codes,
                  float* out_f32, uint16_t* out_bf16, int threads) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t b = c * kChunk, len = std::min(kChunk, n - b);
    uint8_t* cd = codes + b;
    if (q.dtype == DType::kINT8) {
      int8_t* ci = reinterpret_cast<int8_t*>(cd);
      QuantizeInt8(x + b, ci, static_cast<size_t>(len), q.scale);
      if (out_bf16) {
        for (int64_t i = 0; i < len; ++i)
          out_bf16[b + i] = FloatToBf16Exact(static_cast<float>(ci[i]));
      } else if (out_f32) {
        for (int64_t i = 0; i < len; ++i) out_f32[b + i] = static_cast<float>(ci[i]);
      }
    } else {
      if (out_bf16) {
        QuantizeFp8ToBf16(x + b, out_bf16 + b, static_cast<size_t>(len), q.scale, q.format);
      } else {
        QuantizeFp8(x + b, cd, static_cast<size_t>(len), q.scale, q.format);
        ConvertFp8ToFloat(cd, out_f32 + b, static_cast<size_t>(len), q.format);
      }
    }
  }
}

// True when oneDNN has a matmul of `type` x `type` -> f32 with a run-time M
// on this CPU.
bool MatmulRuns(const dnnl::engine& eng, dt type) {
  const memory::desc a({DNNL_RUNTIME_DIM_VAL, 64}, type, tag::ab);
  const memory::desc b({64, 64}, type, tag::any);
  const memory::desc c({DNNL_RUNTIME_DIM_VAL, 64}, dt::f32, tag::ab);
  dnnl_primitive_desc_t pd = nullptr;
  dnnl_matmul_desc_t desc;
  if (dnnl_matmul_desc_init(&desc, &a.data, &b.data, nullptr, &c.data) != dnnl_success) {
    return false;
  }
  // The C API: the C++ one reports "unimplemented" by throwing.
  const bool ok =
      dnnl_primitive_desc_create(&pd, &desc, nullptr, eng.get(), nullptr) == dnnl_success;
  if (pd) dnnl_primitive_desc_destroy(pd);
  return ok;
}

// oneDNN 2.6 implements the bf16 matmul on AVX-512 CPUs only; elsewhere
// (AVX2) LINEAR runs the f32 matmul on the same exact values (the products
// stay exact; the weight takes four bytes an element instead of two).
bool Bf16MatmulRuns(const dnnl::engine& eng) {
  static const bool runs = MatmulRuns(eng, dt::bf16);
  return runs;
}

// Only where oneDNN may use VNNI (vpdpbusd sums into int32 exactly): without
// it, its int8 kernels add pairs of u8 x s8 products in int16 with
// saturation (vpmaddubsw), which s8 activations (shifted to u8 by 128) can
// reach. FP8SDK_ONEDNN_INT8_MATMUL=0 keeps INT8 LINEARs on the bf16 (or f32)
// matmul, to compare the two.
bool S8MatmulRuns(const dnnl::engine& eng) {
  static const bool runs = [&eng] {
    const unsigned isa = static_cast<unsigned>(dnnl_get_effective_cpu_isa());
    const bool vnni = (isa & (dnnl_cpu_isa_avx512_core_vnni & ~dnnl_cpu_isa_avx512_core)) != 0 ||
                      (isa & (dnnl_cpu_isa_avx2_vnni & ~dnnl_cpu_isa_avx2)) != 0;
    return vnni && MatmulRuns(eng, dt::s8);
  }();
  const char* env = std::getenv("FP8SDK_ONEDNN_INT8_MATMUL");
  return runs && !(env && std::strcmp(env, "0") == 0);
}

class LinearKernel : public Kernel {
 public:
  LinearKernel(const backend::GraphAccess& g, size_t node, dnnl::engine& eng) : Kernel(g, node) {
    const int32_t w = g.Input(node, 1);
    const Shape ws = g.PlanShape(w);
    n_ = ws[0];
    k_ = ws[1];
    const DType wt = g.TensorDType(w);
    const backend::QuantView wq = g.Quant(w);
    act_ = g.ActQuant(node, 0);
    s8_ = act_.enabled && act_.dtype == DType::kINT8 && wt == DType::kINT8 && S8MatmulRuns(eng);
    bf16_ = !s8_ && act_.enabled && (IsFp8(wt) || wt == DType::kINT8 || wt == DType::kBF16) &&
            Bf16MatmulRuns(eng);

    const float sx = act_.enabled ? act_.scale : 1.0f;
    scale_.assign(static_cast<size_t>(n_), sx);
    if (wq.quantized && IsQuantized(wt)) {
      for (int64_t n = 0; n < n_; ++n) {
        scale_[static_cast<size_t>(n)] = sx * wq.scales[wq.scale_count == 1 ? 0 : n];
      }
    }
    bias_.assign(static_cast<size_t>(n_), 0.0f);
    const int32_t b = g.Input(node, 2);
    if (b >= 0) {
      std::memcpy(bias_.data(), g.ConstData(b), bias_.size() * sizeof(float));
      g.ConstDone(b);
    }

    // The weight's codes (unscaled), [N, K] row-major, in the matmul's type.
    const size_t count = static_cast<size_t>(n_ * k_);
    const void* src = g.ConstData(w);
    std::vector<uint16_t> w_bf16;
    std::vector<float> w_f32;
    // s8: the codes as they are (the reorder below reads them in place).
    if (bf16_) {
      w_bf16.resize(count);
      if (IsFp8(wt)) {
        ConvertFp8ToBf16(static_cast<const uint8_t*>(src), w_bf16.data(), count, wq.format);
      } else if (wt == DType::kINT8) {
        const int8_t* s = static_cast<const int8_t*>(src);
        for (size_t i = 0; i < count; ++i) w_bf16[i] = FloatToBf16Exact(static_cast<float>(s[i]));
      } else {
        std::memcpy(w_bf16.data(), src, count * sizeof(uint16_t));
      }
    } else if (!s8_) {
      w_f32.resize(count);
      if (IsFp8(wt)) {
        ConvertFp8ToFloat(static_cast<const uint8_t*>(src), w_f32.data(), count, wq.format);
      } else if (wt == DType::kINT8) {
        const int8_t* s = static_cast<const int8_t*>(src);
        for (size_t i = 0; i < count; ++i) w_f32[i] = static_cast<float>(s[i]);
      } else if (wt == DType::kF16 || wt == DType::kBF16) {
        const uint16_t* s = static_cast<const uint16_t*>(src);
        for (size_t i = 0; i < count; ++i)
          w_f32[i] = wt == DType::kF16 ? F16ToFloat(s[i]) : Bf16ToFloat(s[i]);
      } else {
        std::memcpy(w_f32.data(), src, count * sizeof(float));
      }
    }

    // The primitive: M is a run-time dimension, the weights' layout is the
    // one oneDNN prefers (format any), reordered into once here.
    const dt src_type = s8_ ? dt::s8 : bf16_ ? dt::bf16 : dt::f32;
    const memory::desc src_md({DNNL_RUNTIME_DIM_VAL, k_}, src_type, tag::ab);
    const memory::desc w_any({k_, n_}, src_type, tag::any);
    const memory::desc dst_md({DNNL_RUNTIME_DIM_VAL, n_}, dt::f32, tag::ab);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, w_any, dst_md), eng);
    matmul_ = dnnl::matmul(pd);
    // [N, K] row-major is the {K, N} tensor in layout "ba".
    void* user_data = s8_     ? const_cast<void*>(src)  // read only
                      : bf16_ ? static_cast<void*>(w_bf16.data())
                              : static_cast<void*>(w_f32.data());
    memory user_w({{k_, n_}, src_type, tag::ba}, eng, user_data);
    weights_ = memory(pd.weights_desc(), eng);
    dnnl::stream s(eng);
    dnnl::reorder(user_w, weights_).execute(s, user_w, weights_);
    s.wait();
    g.ConstDone(w);  // reordered into oneDNN's layout; the file's bytes are not read again
    // Executes on zero rows here, at prepare (M = 1 and a mid-size M take
    // different code paths): oneDNN finishes setting a primitive up (kernel
    // generation; its f32 GEMM does that lazily, process-wide) on a first
    // execute, which would otherwise happen inside the first Run.
    max_m_ = g.PlanShape(g.Input(node, 0)).NumElements() / std::max<int64_t>(1, k_);
    for (const int64_t m : {int64_t{1}, std::min<int64_t>(max_m_, 256)}) {
      if (m < 1) continue;
      std::vector<float> warm_out(static_cast<size_t>(m * n_));
      std::vector<float> warm_in(static_cast<size_t>(m * k_));  // zero bits: 0 in every type
      memory warm_src({{m, k_}, src_type, tag::ab}, eng, warm_in.data());
      memory warm_dst({{m, n_}, dt::f32, tag::ab}, eng, warm_out.data());
      matmul_.execute(
          s, {{DNNL_ARG_SRC, warm_src}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, warm_dst}});
      s.wait();
    }

    if (act_.enabled) {
      const size_t elems = static_cast<size_t>(max_m_ * k_);
      codes_ = Reserve<uint8_t>(elems);
      if (!s8_) xq_ = bf16_ ? Reserve<uint16_t>(elems) : Reserve<float>(elems);  // s8: the codes
    }
  }

  fp8_status_code_t Run(const ExecContext& c) override {
    const Shape xs = in(0).GetShape(c);
    const int64_t M = xs.NumElements() / k_;
    if (M > max_m_) return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
    if (M == 0) return FP8_STATUS_OK;
    const float* x = static_cast<const float*>(in(0).Data(c));
    float* y = static_cast<float*>(OutData(c));
    void* src = const_cast<float*>(x);
    if (act_.enabled) {
      uint16_t* xq_bf16 = bf16_ ? At<uint16_t>(c, xq_) : nullptr;
      float* xq_f32 = bf16_ || s8_ ? nullptr : At<float>(c, xq_);
      uint8_t* codes = At<uint8_t>(c, codes_);
      FakeQuantize(x, M * k_, act_, codes, xq_f32, xq_bf16, c.threads);
      src = s8_     ? static_cast<void*>(codes)
            : bf16_ ? static_cast<void*>(xq_bf16)
                    : static_cast<void*>(xq_f32);
    }
    // Through the C API: the C++ wrappers would add a shared_ptr per memory
    // handle and an argument map per execute. What remains: the two handles
    // of this run's shape (oneDNN's own malloc) and oneDNN's internal
    // argument map (see kernel.h).
    dnnl_memory_desc_t src_md, dst_md;
    const dnnl_dims_t src_dims = {M, k_}, dst_dims = {M, n_};
    dnnl_memory_t src_mem = nullptr, dst_mem = nullptr;
    dnnl_status_t st = dnnl_memory_desc_init_by_tag(&src_md, 2, src_dims,
                                                    s8_     ? dnnl_s8
                                                    : bf16_ ? dnnl_bf16
                                                            : dnnl_f32,
                                                    dnnl_ab);
    if (st == dnnl_success)
      st = dnnl_memory_desc_init_by_tag(&dst_md, 2, dst_dims, dnnl_f32, dnnl_ab);
    if (st == dnnl_success) st = dnnl_memory_create(&src_mem, &src_md, c.engine->get(), src);
    if (st == dnnl_success) st = dnnl_memory_create(&dst_mem, &dst_md, c.engine->get(), y);
    if (st == dnnl_success) {
      const dnnl_exec_arg_t args[3] = {
          {DNNL_ARG_SRC, src_mem}, {DNNL_ARG_WEIGHTS, weights_.get()}, {DNNL_ARG_DST, dst_mem}};
      st = dnnl_primitive_execute(matmul_.get(), c.stream->get(), 3, args);
    }
    if (st == dnnl_success) st = dnnl_stream_wait(c.stream->get());
    if (src_mem) dnnl_memory_destroy(src_mem);
    if (dst_mem) dnnl_memory_destroy(dst_mem);
    if (st != dnnl_success) return FailFromDnnlStatus(st, label_.c_str(), c.err);
    const int64_t N = n_;
    const float* scale = scale_.data();
    const float* bias = bias_.data();
#pragma omp parallel for num_threads(c.threads) schedule(static)
    for (int64_t m = 0; m < M; ++m) {
      float* __restrict yr = y + m * N;
#pragma omp simd
      for (int64_t j = 0; j < N; ++j) yr[j] = yr[j] * scale[j] + bias[j];
    }
    return FP8_STATUS_OK;
  }

 private:
  int64_t n_ = 0, k_ = 0, max_m_ = 0;
  bool s8_ = false, bf16_ = false;
  backend::ActQuantView act_;
  std::vector<float> scale_, bias_;
  dnnl::matmul matmul_;
  memory weights_;
  size_t codes_ = 0, xq_ = 0;  // workspace offsets (with act_ only)
};

// Plain C++: output rows in parallel; every output sums its products in
// increasing k (as the reference does). Quantized operands are fake-quantized
// into f32 buffers sized at prepare; their products are exact in f32.
// yr[n] = scale * sum over k (in increasing k) of ar[k] * bm[k * ldb + n],
// n < width. k outer, n inner: vectorizes over n, and lanes are separate
// outputs, so the AVX-512 / AVX2 / baseline clones give the same bits as the
// reference (-ffp-contract=off keeps it FMA-free).
FP8SDK_CLONES_AVX512_AVX2 void MatMulRow(const float* __restrict ar, const float* __restrict bm,
                                         int64_t K, int64_t ldb, int64_t width, float scale,
                                         float* __restrict yr) {
  for (int64_t n = 0; n < width; ++n) yr[n] = 0.0f;
  for (int64_t k = 0; k < K; ++k) {
    const float av = ar[k];
    const float* __restrict br = bm + k * ldb;
    // GCC -O2 vectorizes only what it is told to.
#pragma omp simd
    for (int64_t n = 0; n < width; ++n) yr[n] += av * br[n];
  }
  for (int64_t n = 0; n < width; ++n) yr[n] *= scale;
}

// 16 floats, unaligned; GCC lowers it to each clone's widest vectors.
typedef float V16 __attribute__((vector_size(64), aligned(4)));

// Four rows x 64 columns (starting at column n0 of y) with the 16
// accumulators in registers; same sums, in the same order, as MatMulRow.
// Only the first `rows` rows and `width` (<= 64) columns are stored.
FP8SDK_CLONES_AVX512_AVX2 void MatMulBlock(const float* const* ar, const float* __restrict bm,
                                           int64_t K, int64_t ldb, float scale, float* const* yr,
                                           int64_t n0, int64_t rows, int64_t width) {
  V16 a00 = {}, a01 = {}, a02 = {}, a03 = {}, a10 = {}, a11 = {}, a12 = {}, a13 = {};
  V16 a20 = {}, a21 = {}, a22 = {}, a23 = {}, a30 = {}, a31 = {}, a32 = {}, a33 = {};
  const float *x0 = ar[0], *x1 = ar[1], *x2 = ar[2], *x3 = ar[3];
  for (int64_t k = 0; k < K; ++k) {
    const V16* w = reinterpret_cast<const V16*>(bm + k * ldb);
    const V16 w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
    const float v0 = x0[k], v1 = x1[k], v2 = x2[k], v3 = x3[k];
    a00 += v0 * w0;
    a01 += v0 * w1;
    a02 += v0 * w2;
    a03 += v0 * w3;
    a10 += v1 * w0;
    a11 += v1 * w1;
    a12 += v1 * w2;
    a13 += v1 * w3;
    a20 += v2 * w0;
    a21 += v2 * w1;
    a22 += v2 * w2;
    a23 += v2 * w3;
    a30 += v3 * w0;
    a31 += v3 * w1;
    a32 += v3 * w2;
    a33 += v3 * w3;
  }
  const V16 acc[4][4] = {
      {a00, a01, a02, a03}, {a10, a11, a12, a13}, {a20, a21, a22, a23}, {a30, a31, a32, a33}};
  for (int64_t r = 0; r < rows; ++r) {
    V16* out = reinterpret_cast<V16*>(yr[r] + n0);
    if (width == 64) {
      for (int q = 0; q < 4; ++q) out[q] = acc[r][q] * scale;
      continue;
    }
    alignas(64) float part[64];
    for (int q = 0; q < 4; ++q) reinterpret_cast<V16*>(part)[q] = acc[r][q] * scale;
    std::memcpy(yr[r] + n0, part, static_cast<size_t>(width) * sizeof(float));
  }
}

// Most K rows of a thread's packed tail of B (BatchMatMulKernel): 64 KiB.
constexpr int64_t kTailK = 256;

class BatchMatMulKernel : public Kernel {
 public:
  BatchMatMulKernel(const backend::GraphAccess& g, size_t node) : Kernel(g, node) {
    transpose_b_ = g.AttrInt(node, FP8_ATTR_TRANSPOSE_B) != 0;
    const float alpha = g.AttrFloat(node, FP8_ATTR_ALPHA);
    q_[0] = g.ActQuant(node, 0);
    q_[1] = g.ActQuant(node, 1);
    scale_ = (alpha * (q_[0].enabled ? q_[0].scale : 1.0f)) * (q_[1].enabled ? q_[1].scale : 1.0f);
    size_t codes = 0;
    for (int i = 0; i < 2; ++i) {
      planned_[i] = g.PlanShape(g.Input(node, static_cast<size_t>(i))).NumElements();
      if (!q_[i].enabled) continue;
      buf_[i] = Reserve<float>(static_cast<size_t>(planned_[i]));
      codes = std::max(codes, static_cast<size_t>(planned_[i]));
    }
    codes_ = Reserve<uint8_t>(codes);
    // B is transposed once per run into [.., K, N] so that every product row
    // vectorizes over n (attention's Q K^T).
    if (transpose_b_) bt_ = Reserve<float>(static_cast<size_t>(planned_[1]));
  }

  // Plain C++ rather than a oneDNN matmul: with run-time batch, M, N and K
  // (attention's shapes change with the sequence), oneDNN 2.6 JIT-compiles
  // kernels inside execute the first time it meets a new shape (seen as
  // ~4,600 allocations in one Run), i.e. compiles during Run; and it has no
  // implementation for broadcast batch dimensions with run-time sizes.
  // Measured: the oneDNN version made the 2-layer BERT-base-width encoder
  // ~10% faster (42.5 vs 47 ms); a fixed-shape microkernel is the better fix.
  fp8_status_code_t Run(const ExecContext& c) override {
    const float* ops[2] = {static_cast<const float*>(in(0).Data(c)),
                           static_cast<const float*>(in(1).Data(c))};
    const Shape sa = in(0).GetShape(c), sb = in(1).GetShape(c), so = OutShape(c);
    const Shape shapes[2] = {sa, sb};
    for (int i = 0; i < 2; ++i) {
      if (!q_[i].enabled) continue;
      const int64_t n = shapes[i].NumElements();
      if (n > planned_[i]) return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
      float* buf = At<float>(c, buf_[i]);
      FakeQuantize(ops[i], n, q_[i], At<uint8_t>(c, codes_), buf, nullptr, c.threads);
      ops[i] = buf;
    }
    const float* a = ops[0];
    const float* b = ops[1];
    const int r = so.rank;
    const int64_t M = sa[r - 2], K = sa[r - 1], N = so[r - 1];
    if (M * N == 0) return FP8_STATUS_OK;
    const int64_t batches = so.NumElements() / (M * N);
    float* y = static_cast<float*>(OutData(c));
    const float scale = scale_;
    if (transpose_b_) {
      const int64_t nb = sb.NumElements();
      if (nb > planned_[1]) return Fail(c, FP8_STATUS_OUT_OF_RANGE, "input larger than planned");
      const int64_t mats = K > 0 ? nb / (N * K) : 0;
      float* bt = At<float>(c, bt_);
#pragma omp parallel for num_threads(c.threads) schedule(static)
      for (int64_t i = 0; i < mats; ++i) {
        const float* src = b + i * N * K;
        float* dst = bt + i * N * K;
        for (int64_t n = 0; n < N; ++n) {
          for (int64_t k = 0; k < K; ++k) dst[k * N + n] = src[n * K + k];
        }
      }
      b = bt;
    }
    // Work items: 4 rows of one batch matrix; each runs 64-column blocks in
    // registers (MatMulBlock). The last N % 64 columns (attention's Q K^T at
    // sequence lengths that are not multiples of 64, P V with heads narrower
    // than 64) are packed by each thread into 64 zero-padded columns on its
    // stack (K x 256 bytes, only where there is such a tail, at most 64 KiB:
    // up to kTailK rows of K), and run in registers as well; beyond that,
    // row by row (MatMulRow). With MatMulRow for all of them,
    // BERT-base's BATCH_MATMULs took 5.2-5.9 ms a run at sequence 100
    // against 2.8-3.6 ms at 128; now 2.6-2.7 ms at 100 (AMD Zen 5, 2
    // threads). (Reserved in the workspace instead, the tail made the runs at
    // 128 ~10% slower in interleaved runs.)
    const int64_t groups = (M + 3) / 4;
    const bool pack_tail = N % 64 != 0 && K <= kTailK;
#pragma omp parallel num_threads(c.threads)
    {
      float* tail = nullptr;
      if (pack_tail) {
        void* raw = alloca(static_cast<size_t>(K * 64) * sizeof(float) + 64);
        tail = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(raw) + 63) & ~uintptr_t{63});
      }
      const float* tail_of = nullptr;  // the B matrix `tail` holds
#pragma omp for schedule(static)
      for (int64_t item = 0; item < batches * groups; ++item) {
        const int64_t bi = item / groups, m0 = (item % groups) * 4;
        // Batch index -> operand batch offsets under broadcasting.
        int64_t oa = 0, ob = 0, rem = bi, sa_stride = 1, sb_stride = 1;
        for (int d = r - 3; d >= 0; --d) {
          const int64_t idx = rem % so[d];
          rem /= so[d];
          if (sa[d] != 1) oa += idx * sa_stride;
          if (sb[d] != 1) ob += idx * sb_stride;
          sa_stride *= sa[d];
          sb_stride *= sb[d];
        }
        const int64_t rows = std::min<int64_t>(4, M - m0);
        const float* ar[4];
        float* yr[4];
        for (int64_t i = 0; i < 4; ++i) {
          const int64_t m = m0 + std::min(i, rows - 1);  // extra rows repeat the last one
          ar[i] = a + (oa * M + m) * K;
          yr[i] = y + (bi * M + m) * N;
        }
        const float* bm = b + ob * K * N;
        int64_t n0 = 0;
        for (; n0 + 64 <= N; n0 += 64) MatMulBlock(ar, bm + n0, K, N, scale, yr, n0, rows, 64);
        if (n0 < N && pack_tail) {
          const int64_t width = N - n0;
          if (tail_of != bm) {
            for (int64_t k = 0; k < K; ++k) {
              float* dst = tail + k * 64;
              std::memcpy(dst, bm + k * N + n0, static_cast<size_t>(width) * sizeof(float));
              std::fill(dst + width, dst + 64, 0.0f);
            }
            tail_of = bm;
          }
          MatMulBlock(ar, tail, K, 64, scale, yr, n0, rows, width);
        } else if (n0 < N) {
          for (int64_t i = 0; i < rows; ++i)
            MatMulRow(ar[i], bm + n0, K, N, N - n0, scale, yr[i] + n0);
        }
      }
    }
    return FP8_STATUS_OK;
  }

 private:
  bool transpose_b_ = false;
  float scale_ = 1.0f;
  backend::ActQuantView q_[2];
  int64_t planned_[2] = {0, 0};  // elements of A and B at the planning shapes
  // Workspace offsets: fake-quantized operands, their codes, B transposed.
  size_t buf_[2] = {0, 0}, codes_ = 0, bt_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> MakeLinearKernel(const backend::GraphAccess& g, size_t node,
                                         dnnl::engine& eng) {
  // FP8 weight x FP8 activations: our own GEMM where the CPU has AVX512_BF16.
  if (std::unique_ptr<Kernel> k = MakeFp8LinearKernel(g, node)) return k;
  return std::make_unique<LinearKernel>(g, node, eng);
}

std::unique_ptr<Kernel> MakeBatchMatMulKernel(const backend::GraphAccess& g, size_t node,
                                              dnnl::engine& eng) {
  (void)eng;  // plain C++ (see BatchMatMulKernel)
  return std::make_unique<BatchMatMulKernel>(g, node);
}

}  // namespace onednn
}  // namespace fp8sdk
