// The Vulkan backend's FP8 GEMM rate on an n x n x n problem (the issue's
// 4096^3 target), free of the input upload and output read-back: two
// sessions on the same device, one LINEAR and kChain LINEARs in a row (E4M3
// weights per output channel, E4M3 activations), and each iteration's time
// is t(kChain) - t(1): the (kChain - 1) GEMMs alone, with the same inputs,
// outputs and fixed costs on both sides. The label names the device.
//
//   bazel run -c opt //backends/vulkan:vk_gemm_benchmark
//
// Sizes whose single GEMM takes over 2 s (a CPU implementation such as
// lavapipe at 4096) are skipped with the time measured.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "formats/model_writer.h"
#include "sdk/numerics/quantize.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"
#include "tools/common/bundled_plugins.h"

namespace fp8sdk {
namespace {

constexpr int kChain = 5;

// The plugin is a data dependency: discovery looks in the runfiles.
const bool kPluginPathSet = (tools::UseBundledPlugins(), true);

// `chain` n x n E4M3 LINEARs in a row on x [n, n].
Graph Chain(int64_t n, int chain, const std::vector<uint8_t>& codes, const QuantParams& qp) {
  GraphBuilder b;
  int x = b.AddInput("x", DType::kF32, {SymbolDim("batch"), FixedDim(n)});
  for (int i = 0; i < chain; ++i) {
    const std::string id = std::to_string(i);
    const int w = b.AddConstant("w" + id, DType::kFP8_E4M3, {n, n}, codes.data(), codes.size(), qp);
    const int y = b.AddTensor("y" + id, DType::kF32);
    NodeAttrs a;
    a.input_quant = ActQuant{true, DType::kFP8_E4M3, Fp8ScaleForAmax(4.0f, kE4M3), kE4M3};
    b.AddNode(OpType::kLINEAR, "linear" + id, {x, w}, {y}, a);
    x = y;
  }
  b.AddOutput(x);
  return b.Finish();
}

double RunSeconds(Session* s) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool ok = s->Run().ok();
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return ok ? t : -1.0;
}

std::string DeviceLine(const Session& s) {
  const std::string& d = s.Describe();
  const size_t at = d.find("vulkan device");
  if (at == std::string::npos) return "vulkan";
  const size_t end = std::min(d.find('\n', at), d.find(" (plugin", at));
  return d.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

void BM_VulkanFp8Gemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  // Weights of unit-scale rows (sums stay well inside E4M3's range down the chain).
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> wf(static_cast<size_t>(n * n));
  for (float& v : wf) v = d(rng) / static_cast<float>(n);
  std::vector<uint8_t> codes(wf.size());
  QuantParams qp;
  qp.axis = 0;
  qp.scales.assign(static_cast<size_t>(n), Fp8ScaleForAmax(1.0f / static_cast<float>(n), kE4M3));
  QuantizeFp8PerChannel(wf.data(), codes.data(),
                        ChannelLayout{1, static_cast<size_t>(n), static_cast<size_t>(n)},
                        qp.scales.data(), kE4M3);
  SessionOptions o;
  o.device = FP8_DEVICE_VULKAN;
  o.strict_device = true;
  o.max_batch = n;
  const Graph g1 = Chain(n, 1, codes, qp),
              gn = Chain(n, kChain, codes, qp);  // outlive the sessions
  auto one = Session::Create(g1, o);
  auto many = Session::Create(gn, o);
  if (!one.ok() || !many.ok()) {
    state.SkipWithError((one.ok() ? many.status() : one.status()).ToString().c_str());
    return;
  }
  std::vector<float> x(static_cast<size_t>(n * n));
  for (float& v : x) v = d(rng);
  const int64_t dims[2] = {n, n};
  for (Session* s : {one.value().get(), many.value().get()}) {
    if (!s->SetInput("x", DType::kF32, dims, 2, x.data(), x.size() * 4).ok()) {
      state.SkipWithError("SetInput failed");
      return;
    }
  }
  // First runs record the command buffers.
  const double first = RunSeconds(one.value().get());
  if (first < 0 || RunSeconds(many.value().get()) < 0) {
    state.SkipWithError("Run failed");
    return;
  }
  if (first > 2.0) {
    const std::string why = "one GEMM took " + std::to_string(first) + " s on this device";
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state) {
    const double t1 = RunSeconds(one.value().get());
    const double tn = RunSeconds(many.value().get());
    if (t1 < 0 || tn < 0) {
      state.SkipWithError("Run failed");
      return;
    }
    state.SetIterationTime(tn > t1 ? tn - t1 : 1e-9);
  }
  const double flops = 2.0 * static_cast<double>(n) * n * n * (kChain - 1);
  state.counters["TFLOPs"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / 1e12, benchmark::Counter::kIsRate);
  state.SetLabel(DeviceLine(*one.value()));
}

BENCHMARK(BM_VulkanFp8Gemm)
    ->ArgName("n")
    ->Arg(512)
    ->Arg(1024)
    ->Arg(4096)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fp8sdk

BENCHMARK_MAIN();
