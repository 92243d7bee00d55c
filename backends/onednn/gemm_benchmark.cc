// The oneDNN backend's LINEAR (FP8 E4M3 weights per output channel, E4M3
// activation quantization: fake-quantize -> bf16 -> oneDNN bf16 matmul with a
// run-time M -> scale + bias pass), run through a session restricted to the
// backend, next to oneDNN's own f32 and bf16 matmuls on the same shapes
// (fixed M, weights pre-reordered to the layout oneDNN prefers: their best
// case). Counters report GFLOP/s (2*M*N*K per iteration); ratios are taken
// between rows of equal (M, K, N). BM_OursFp8Linear runs the backend's own
// AVX512_BF16 FP8 GEMM (fp8_gemm.h) where the CPU has it;
// BM_OursFp8LinearViaOnednn the same graph with FP8SDK_ONEDNN_FP8_GEMM=0
// (weights decoded to bf16, oneDNN bf16 matmul). BM_VulkanFp8Linear runs
// the same LINEAR on the Vulkan backend (the plugin built next to this
// benchmark; on this machine Mesa's lavapipe, i.e. the same CPU cores).
// BM_OursInt8Linear: the INT8 baseline's LINEAR (INT8 weights and
// activations) on the same shapes.
//
//   bazel run -c opt //backends/onednn:gemm_benchmark -- --benchmark_min_time=0.5
#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backends/onednn/fp8_gemm.h"
#include "formats/model_writer.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "sdk/numerics/quantize.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"
#include "tools/common/bundled_plugins.h"

namespace fp8sdk {
namespace {

constexpr int kThreads = 2;

std::vector<float> Rand(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

void SetFlops(benchmark::State& state, int64_t M, int64_t K, int64_t N) {
  state.counters["GFLOPs"] = benchmark::Counter(
      static_cast<double>(2 * M * N * K) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["GFLOPs"].value /= 1e9;
}

// The Vulkan plugin is a data dependency: discovery looks in the runfiles.
const bool kPluginPathSet = (tools::UseBundledPlugins(), true);

// A LINEAR with E4M3 (or INT8: the baseline) weights and activations through
// a session on `device`.
void OursLinear(benchmark::State& state, fp8_device_kind_t device, bool own_gemm,
                DType type = DType::kFP8_E4M3) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {SymbolDim("batch"), FixedDim(K)});
  const std::vector<float> wf = Rand(static_cast<size_t>(N * K), 2);
  std::vector<uint8_t> codes(wf.size());
  const bool int8 = type == DType::kINT8;
  const float unit_scale = int8 ? Int8ScaleForAmax(1.0f) : Fp8ScaleForAmax(1.0f, kE4M3);
  QuantParams qp;
  qp.axis = 0;
  qp.scales.assign(static_cast<size_t>(N), unit_scale);
  const ChannelLayout rows{1, static_cast<size_t>(N), static_cast<size_t>(K)};
  if (int8) {
    QuantizeInt8PerChannel(wf.data(), reinterpret_cast<int8_t*>(codes.data()), rows,
                           qp.scales.data());
  } else {
    QuantizeFp8PerChannel(wf.data(), codes.data(), rows, qp.scales.data(), kE4M3);
  }
  const int w = b.AddConstant("w", type, {N, K}, codes.data(), codes.size(), qp);
  const int bias = b.AddConstantF32("b", {N}, Rand(static_cast<size_t>(N), 3));
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  a.input_quant = ActQuant{true, type, unit_scale, kE4M3};
  b.AddNode(OpType::kLINEAR, "linear", {x, w, bias}, {y}, a);
  b.AddOutput(y);
  const Graph g = b.Finish();
  SessionOptions o;
  o.device = device;
  o.strict_device = true;
  o.num_threads = kThreads;
  o.max_batch = M;
  if (!own_gemm) setenv("FP8SDK_ONEDNN_FP8_GEMM", "0", 1);  // read at prepare
  auto s = Session::Create(g, o);
  unsetenv("FP8SDK_ONEDNN_FP8_GEMM");
  if (!s.ok()) {
    state.SkipWithError(s.status().ToString().c_str());
    return;
  }
  const std::vector<float> xv = Rand(static_cast<size_t>(M * K), 4);
  const int64_t dims[2] = {M, K};
  if (!s.value()->SetInput("x", DType::kF32, dims, 2, xv.data(), xv.size() * 4).ok()) {
    state.SkipWithError("SetInput failed");
    return;
  }
  // One run first: devices may finish compiling their kernels on first use.
  if (!s.value()->Run().ok()) {
    state.SkipWithError("Run failed");
    return;
  }
  for (auto _ : state) {
    if (!s.value()->Run().ok()) state.SkipWithError("Run failed");
  }
  SetFlops(state, M, K, N);
}

void BM_OursFp8Linear(benchmark::State& state) { OursLinear(state, FP8_DEVICE_CPU, true); }
void BM_OursFp8LinearViaOnednn(benchmark::State& state) {
  OursLinear(state, FP8_DEVICE_CPU, false);
}
void BM_VulkanFp8Linear(benchmark::State& state) { OursLinear(state, FP8_DEVICE_VULKAN, true); }
// The INT8 baseline's LINEAR (oneDNN's s8 matmul where the CPU has VNNI).
void BM_OursInt8Linear(benchmark::State& state) {
  OursLinear(state, FP8_DEVICE_CPU, true, DType::kINT8);
}

// The FP8 GEMM alone (fp8_gemm.h): bf16 activation rows already quantized,
// no session, no activation quantization. Its distance from BM_OursFp8Linear
// is what the LINEAR around it costs.
void Fp8GemmKernel(benchmark::State& state, onednn::Fp8GemmPath path) {
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  if (!onednn::Fp8GemmPathRuns(path, kE4M3)) {
    state.SkipWithError("this CPU does not run this product");
    return;
  }
  std::vector<uint8_t> codes(static_cast<size_t>(N * K));
  std::mt19937 rng(5);
  for (uint8_t& c : codes) c = static_cast<uint8_t>(rng() & 0x7E);  // finite codes
  onednn::Fp8PackedWeight w;
  onednn::PackFp8Weight(codes.data(), N, K, kE4M3, path, &w);
  const std::vector<float> xf = Rand(static_cast<size_t>(M * w.kp), 4);
  std::vector<uint16_t> x(xf.size());  // E4M3 values in bf16, as the LINEAR makes them
  QuantizeFp8ToBf16(xf.data(), x.data(), x.size(), Fp8ScaleForAmax(1.0f, kE4M3), kE4M3);
  std::vector<float> xq;  // or in f32, for the product that reads f32
  if (onednn::Fp8GemmReadsF32(path)) {
    for (uint16_t b : x) xq.push_back(Bf16ToFloat(b));
  }
  const void* xp = xq.empty() ? static_cast<const void*>(x.data()) : xq.data();
  std::vector<float> scale(static_cast<size_t>(w.np), 1.0f), bias(static_cast<size_t>(w.np));
  std::vector<float> y(static_cast<size_t>(M * N));
  std::vector<uint16_t> scratch(kThreads * onednn::Fp8GemmScratchPerThread(w));
  for (auto _ : state) {
    onednn::Fp8Gemm(xp, M, w, scale.data(), bias.data(), y.data(), scratch.data(), kThreads);
  }
  SetFlops(state, M, K, N);
}
void BM_Fp8GemmKernel(benchmark::State& state) {
  Fp8GemmKernel(state, onednn::Fp8GemmPath::kBf16Dot);
}
// The f32-FMA product on the same packed weight (M = 1 runs the same GEMV).
void BM_Fp8GemmKernelF32(benchmark::State& state) {
  Fp8GemmKernel(state, onednn::Fp8GemmPath::kF32Fma);
}
// The AVX2 product (its own packed layout), for CPUs without AVX-512.
void BM_Fp8GemmKernelAvx2(benchmark::State& state) {
  Fp8GemmKernel(state, onednn::Fp8GemmPath::kAvx2Fma);
}
// The NEON product (the AVX2 layout), on 64-bit ARM.
void BM_Fp8GemmKernelNeon(benchmark::State& state) {
  Fp8GemmKernel(state, onednn::Fp8GemmPath::kNeonFma);
}

// oneDNN's matmul [M, K] x [K, N] in `type` -> f32, weights in the layout it
// prefers; false (the benchmark skipped with oneDNN's message) where oneDNN
// lacks it (bf16 on CPUs without AVX-512).
bool MatmulPd(benchmark::State& state, int64_t M, int64_t K, int64_t N,
              dnnl::memory::data_type type, const dnnl::engine& eng,
              dnnl::matmul::primitive_desc* pd) {
  using dnnl::memory;
  const memory::desc src_md({M, K}, type, memory::format_tag::ab);
  const memory::desc w_any({K, N}, type, memory::format_tag::any);
  const memory::desc dst_md({M, N}, memory::data_type::f32, memory::format_tag::ab);
  try {
    *pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_md, w_any, dst_md), eng);
  } catch (const dnnl::error& e) {
    state.SkipWithError(e.what());
    return false;
  }
  return true;
}

// oneDNN's own matmul at a fixed M, weights in oneDNN's preferred layout.
void OnednnMatmul(benchmark::State& state, dnnl::memory::data_type type) {
  using dnnl::memory;
  const int64_t M = state.range(0), K = state.range(1), N = state.range(2);
  omp_set_num_threads(kThreads);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(eng);
  const memory::desc src_md({M, K}, type, memory::format_tag::ab);
  const memory::desc dst_md({M, N}, memory::data_type::f32, memory::format_tag::ab);
  dnnl::matmul::primitive_desc pd;
  if (!MatmulPd(state, M, K, N, type, eng, &pd)) return;
  const dnnl::matmul mm(pd);
  memory src(src_md, eng), dst(dst_md, eng), w(pd.weights_desc(), eng);
  // Contents do not matter for speed; zero-filled is fine for bf16 and f32.
  std::memset(src.get_data_handle(), 0, src_md.get_size());
  std::memset(w.get_data_handle(), 0, pd.weights_desc().get_size());
  for (auto _ : state) {
    mm.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
    stream.wait();
  }
  SetFlops(state, M, K, N);
}

void BM_OnednnF32(benchmark::State& state) { OnednnMatmul(state, dnnl::memory::data_type::f32); }
void BM_OnednnBf16(benchmark::State& state) { OnednnMatmul(state, dnnl::memory::data_type::bf16); }

void Shapes(benchmark::internal::Benchmark* b) {
  for (int64_t m : {1, 128, 1024}) {
    for (auto [k, n] : {std::pair<int64_t, int64_t>{768, 768}, {768, 3072}, {3072, 768}}) {
      b->Args({m, k, n});
    }
  }
  b->ArgNames({"M", "K", "N"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

// M = 1 through BERT-base's 72 weight matrices in turn (12 layers of Q, K,
// V, output 768 x 768, FFN 768 -> 3072 and 3072 -> 768), each its own
// weight: what one token costs, with weights that do not stay in the cache
// between uses as one matrix run repeatedly does (340 MB in f32, 170 MB in
// bf16, 85 MB in FP8). Arg: 0 oneDNN f32, 1 oneDNN bf16 (weights
// pre-reordered), 2 our FP8 GEMM (PreferredFp8GemmPath, E4M3).
struct KN {
  int64_t k, n;
};
std::vector<KN> BertBaseLinears() {
  std::vector<KN> v;
  for (int layer = 0; layer < 12; ++layer) {
    for (int i = 0; i < 4; ++i) v.push_back({768, 768});
    v.push_back({768, 3072});
    v.push_back({3072, 768});
  }
  return v;
}

void BM_BertBaseGemvSweep(benchmark::State& state) {
  using dnnl::memory;
  const std::vector<KN> shapes = BertBaseLinears();
  int64_t flops = 0;
  for (const KN& s : shapes) flops += 2 * s.k * s.n;
  omp_set_num_threads(kThreads);
  if (state.range(0) == 2) {
    if (onednn::PreferredFp8GemmPath(kE4M3) == onednn::Fp8GemmPath::kAuto) {
      state.SkipWithError("no FP8 GEMM product runs on this CPU");
      return;
    }
    std::vector<onednn::Fp8PackedWeight> w(shapes.size());
    std::mt19937 rng(9);
    size_t scratch_size = 0;
    for (size_t i = 0; i < shapes.size(); ++i) {
      std::vector<uint8_t> codes(static_cast<size_t>(shapes[i].k * shapes[i].n));
      for (uint8_t& c : codes) c = static_cast<uint8_t>(rng() & 0x7E);  // finite codes
      onednn::PackFp8Weight(codes.data(), shapes[i].n, shapes[i].k, kE4M3,
                            onednn::Fp8GemmPath::kAuto, &w[i]);
      scratch_size = std::max(scratch_size, onednn::Fp8GemmScratchPerThread(w[i]));
    }
    std::vector<uint16_t> x(3072, 0x3F80);  // 1.0 in bf16
    std::vector<float> x32(3072, 1.0f);     // or in f32 (Fp8GemmReadsF32)
    const void* xp =
        onednn::Fp8GemmReadsF32(w[0].path) ? static_cast<const void*>(x32.data()) : x.data();
    std::vector<float> scale(3072, 1.0f), bias(3072, 0.0f), y(3072);
    std::vector<uint16_t> scratch(kThreads * scratch_size);
    for (auto _ : state) {
      for (const onednn::Fp8PackedWeight& wi : w) {
        onednn::Fp8Gemm(xp, 1, wi, scale.data(), bias.data(), y.data(), scratch.data(), kThreads);
      }
    }
    state.SetLabel(std::string("fp8 ") + onednn::Fp8GemmPathName(w[0].path));
  } else {
    const memory::data_type type =
        state.range(0) == 0 ? memory::data_type::f32 : memory::data_type::bf16;
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(eng);
    std::vector<dnnl::matmul> mm;
    std::vector<memory> w, src, dst;
    for (const KN& s : shapes) {
      const memory::desc src_md({1, s.k}, type, memory::format_tag::ab);
      const memory::desc dst_md({1, s.n}, memory::data_type::f32, memory::format_tag::ab);
      dnnl::matmul::primitive_desc pd;
      if (!MatmulPd(state, 1, s.k, s.n, type, eng, &pd)) return;
      mm.emplace_back(pd);
      w.emplace_back(pd.weights_desc(), eng);
      src.emplace_back(src_md, eng);
      dst.emplace_back(dst_md, eng);
      // Written, so that every page is resident; contents do not matter for speed.
      std::memset(w.back().get_data_handle(), 0, pd.weights_desc().get_size());
      std::memset(src.back().get_data_handle(), 0, src_md.get_size());
    }
    for (auto _ : state) {
      for (size_t i = 0; i < shapes.size(); ++i) {
        mm[i].execute(stream,
                      {{DNNL_ARG_SRC, src[i]}, {DNNL_ARG_WEIGHTS, w[i]}, {DNNL_ARG_DST, dst[i]}});
      }
      stream.wait();
    }
    state.SetLabel(type == memory::data_type::f32 ? "onednn f32" : "onednn bf16");
  }
  state.counters["GFLOPs"] = benchmark::Counter(static_cast<double>(flops) * state.iterations(),
                                                benchmark::Counter::kIsRate);
  state.counters["GFLOPs"].value /= 1e9;
}

// A 2-layer BERT-base-width encoder (hidden 768, 12 heads, FFN 3072), FP8
// E4M3 Linears, batch 4 x sequence 128, whole-model Run on the reference
// backend (arg 0) and on this backend (arg 1).
void BM_BertEncoderRun(benchmark::State& state) {
  testing::TinyBertConfig c;
  c.hidden = 768;
  c.heads = 12;
  c.intermediate = 3072;
  c.layers = 2;
  c.max_position = 128;
  const auto w = testing::MakeTinyBertWeights(c);
  const testing::TinyBertQuant q;
  const Graph g = testing::BuildTinyBert(c, w, &q);
  const testing::TinyBertInputs in = testing::MakeTinyBertInputs(c, 4, 128, 1);
  SessionOptions o;
  o.device = state.range(0) ? FP8_DEVICE_CPU : FP8_DEVICE_REFERENCE;
  o.num_threads = kThreads;
  o.max_batch = in.batch;
  o.max_sequence = in.sequence;
  auto s = Session::Create(g, o);
  if (!s.ok()) {
    state.SkipWithError(s.status().ToString().c_str());
    return;
  }
  const int64_t dims[2] = {in.batch, in.sequence};
  const size_t bytes = in.input_ids.size() * 8;
  bool ok =
      s.value()->SetInput("input_ids", DType::kINT64, dims, 2, in.input_ids.data(), bytes).ok();
  ok &= s.value()
            ->SetInput("token_type_ids", DType::kINT64, dims, 2, in.token_type_ids.data(), bytes)
            .ok();
  ok &= s.value()
            ->SetInput("attention_mask", DType::kINT64, dims, 2, in.attention_mask.data(), bytes)
            .ok();
  if (!ok) {
    state.SkipWithError("SetInput failed");
    return;
  }
  for (auto _ : state) {
    if (!s.value()->Run().ok()) state.SkipWithError("Run failed");
  }
}

BENCHMARK(BM_OursFp8Linear)->Apply(Shapes);
BENCHMARK(BM_Fp8GemmKernel)->Apply(Shapes);
BENCHMARK(BM_Fp8GemmKernelF32)->Apply(Shapes);
BENCHMARK(BM_Fp8GemmKernelAvx2)->Apply(Shapes);
BENCHMARK(BM_Fp8GemmKernelNeon)->Apply(Shapes);
BENCHMARK(BM_OursFp8LinearViaOnednn)->Apply(Shapes);
BENCHMARK(BM_OursInt8Linear)->Apply(Shapes);
BENCHMARK(BM_BertBaseGemvSweep)
    ->ArgName("impl")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_VulkanFp8Linear)->Apply(Shapes);
BENCHMARK(BM_BertEncoderRun)
    ->ArgName("onednn")
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_OnednnF32)->Apply(Shapes);
BENCHMARK(BM_OnednnBf16)->Apply(Shapes);

}  // namespace
}  // namespace fp8sdk

BENCHMARK_MAIN();
