// FP8 against bf16 on the GPU (issue target: FP8 8192^3 >= 1.6x cuBLASLt
// bf16 and >= 1000 TFLOP/s on an H100): cuBLASLt E4M3 x E4M3 and bf16 x bf16
// GEMMs (bf16 outputs, fp32 accumulation) through the backend's LtGemm, and
// the backend's LINEAR through a session (f32 in and out: quantization,
// FP8 GEMM, scale and bias), timed with CUDA events. Without a GPU every
// benchmark reports an error and exits.
//
//   bazel run //backends/cuda:cuda_gemm_benchmark -- --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "backends/cuda/lt_gemm.h"
#include "formats/model_writer.h"
#include "sdk/numerics/quantize.h"
#include "sdk/runtime/session.h"
#include "tools/common/bundled_plugins.h"

namespace fp8sdk {
namespace {

// The plugin is a data dependency: discovery looks in the runfiles.
const bool kPluginPathSet = (tools::UseBundledPlugins(), true);

bool HaveGpu(benchmark::State& state) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    state.SkipWithError((std::string("no CUDA GPU: ") + cudaGetErrorName(e)).c_str());
    return false;
  }
  return true;
}

// Random finite E4M3 codes with |x| <= 1.875 (bit 6 clear: never the NaN
// code): constant or zero data runs faster than real data on these GPUs.
void RandomE4M3(std::vector<uint8_t>* codes, std::mt19937* rng) {
  for (uint8_t& c : *codes) c = static_cast<uint8_t>((*rng)() & 0xbf);
}

void SetFlops(benchmark::State& state, int64_t m, int64_t n, int64_t k) {
  state.counters["TFLOPs"] = benchmark::Counter(
      static_cast<double>(2 * m * n * k) * state.iterations() / 1e12, benchmark::Counter::kIsRate);
}

void RawGemm(benchmark::State& state, bool fp8) {
  if (!HaveGpu(state)) return;
  const int64_t n = state.range(0);
  cudaStream_t stream;
  cudaStreamCreate(&stream);
  cublasLtHandle_t lt;
  cublasLtCreate(&lt);
  void *w, *x, *y, *ws;
  const size_t in_bytes = static_cast<size_t>(n * n) * (fp8 ? 1 : 2);
  cudaMalloc(&w, in_bytes);
  cudaMalloc(&x, in_bytes);
  cudaMalloc(&y, static_cast<size_t>(n * n) * 2);
  cudaMalloc(&ws, cuda::kWorkspaceBytes);
  // Random finite operands: E4M3 codes, or bf16 values in [-1, 1).
  std::vector<uint8_t> host(in_bytes);
  std::mt19937 rng(static_cast<uint32_t>(n));
  for (void* dst : {w, x}) {
    if (fp8) {
      RandomE4M3(&host, &rng);
    } else {
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      for (size_t i = 0; i < host.size() / 2; ++i) {
        const float v = uniform(rng);
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const uint16_t bf16 = static_cast<uint16_t>(bits >> 16);
        std::memcpy(&host[2 * i], &bf16, 2);
      }
    }
    cudaMemcpy(dst, host.data(), in_bytes, cudaMemcpyHostToDevice);
  }
  cuda::LtGemm gemm;
  gemm.Configure(fp8 ? CUDA_R_8F_E4M3 : CUDA_R_16BF, fp8 ? CUDA_R_8F_E4M3 : CUDA_R_16BF,
                 CUDA_R_16BF, CUBLAS_COMPUTE_32F, fp8);
  fp8_error_t err{};
  auto once = [&] {
    return gemm.Run(lt, stream, ws, w, n, true, x, n, y, n, n, n, n, 1.0f, 1, 0, 0, 0, &err);
  };
  if (once() != FP8_STATUS_OK) {
    state.SkipWithError(err.message);
  } else {
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    for (auto _ : state) {
      cudaEventRecord(a, stream);
      once();
      cudaEventRecord(b, stream);
      cudaEventSynchronize(b);
      float ms = 0;
      cudaEventElapsedTime(&ms, a, b);
      state.SetIterationTime(ms / 1e3);
    }
    SetFlops(state, n, n, n);
  }
  cudaFree(w);
  cudaFree(x);
  cudaFree(y);
  cudaFree(ws);
  cublasLtDestroy(lt);
  cudaStreamDestroy(stream);
}

void BM_CublasLtFp8E4M3(benchmark::State& state) { RawGemm(state, true); }
void BM_CublasLtBf16(benchmark::State& state) { RawGemm(state, false); }

// The backend's LINEAR: x f32 [M, K] -> y f32 [M, N], E4M3 weights and
// activations.
void BM_BackendFp8Linear(benchmark::State& state) {
  if (!HaveGpu(state)) return;
  const int64_t n = state.range(0);
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {SymbolDim("batch"), FixedDim(n)});
  std::mt19937 rng(static_cast<uint32_t>(n));
  std::vector<uint8_t> codes(static_cast<size_t>(n * n));
  RandomE4M3(&codes, &rng);
  QuantParams qp;
  qp.axis = 0;
  qp.scales.assign(static_cast<size_t>(n), 1.0f / 64);
  const int w = b.AddConstant("w", DType::kFP8_E4M3, {n, n}, codes.data(), codes.size(), qp);
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  a.input_quant = ActQuant{true, DType::kFP8_E4M3, 1.0f / 64, kE4M3};
  b.AddNode(OpType::kLINEAR, "linear", {x, w}, {y}, a);
  b.AddOutput(y);
  const Graph g = b.Finish();
  SessionOptions o;
  o.device = FP8_DEVICE_CUDA;
  o.strict_device = true;
  o.max_batch = n;
  auto s = Session::Create(g, o);
  if (!s.ok()) {
    state.SkipWithError(s.status().ToString().c_str());
    return;
  }
  std::vector<float> xv(static_cast<size_t>(n * n));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : xv) v = uniform(rng);
  const int64_t dims[2] = {n, n};
  if (!s.value()->SetInput("x", DType::kF32, dims, 2, xv.data(), xv.size() * 4).ok()) {
    state.SkipWithError("SetInput failed");
    return;
  }
  for (auto _ : state) {
    if (!s.value()->Run().ok()) state.SkipWithError("Run failed");
  }
  SetFlops(state, n, n, n);
}

BENCHMARK(BM_CublasLtFp8E4M3)->Arg(4096)->Arg(8192)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CublasLtBf16)->Arg(4096)->Arg(8192)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BackendFp8Linear)->Arg(4096)->Arg(8192)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fp8sdk

BENCHMARK_MAIN();
