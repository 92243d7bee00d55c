// Conversion bandwidth next to memcpy of the same buffers, in one run.
// Bytes counted = bytes read + bytes written, for every benchmark, so the
// GB/s figures compare directly:
//   memcpy of the float buffer          4N read + 4N written
//   float -> E4M3                       4N read + 1N written
//   E4M3 -> bf16                        1N read + 2N written
//   E4M3 -> float                       1N read + 4N written
// with N elements; the argument is N in Mi elements (1..64: 4..256 MiB of
// float32). tools/bench_ratios.py turns the JSON output into ratios.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace {

size_t Elements(const benchmark::State& state) { return static_cast<size_t>(state.range(0)) << 20; }

std::vector<float> RandomFloats(size_t n) {
  std::vector<float> v(n);
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 100.0f);
  for (auto& x : v) x = nd(rng);
  return v;
}

void BM_MemcpyFloat(benchmark::State& state) {
  const size_t n = Elements(state);
  std::vector<float> src = RandomFloats(n), dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 8));
}

void BM_MemcpyBf16(benchmark::State& state) {
  const size_t n = Elements(state);
  std::vector<uint16_t> src(n, 0x3F80), dst(n);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), n * sizeof(uint16_t));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 4));
}

void BM_FloatToE4M3(benchmark::State& state) {
  const size_t n = Elements(state);
  const CpuIsa isa = static_cast<CpuIsa>(state.range(1));
  std::vector<float> src = RandomFloats(n);
  std::vector<uint8_t> dst(n);
  for (auto _ : state) {
    ConvertFloatToFp8(src.data(), dst.data(), n, kE4M3, Fp8Saturation::kSatFinite, isa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 5));
  state.SetLabel(CpuIsaName(isa));
}

// Activation quantization for a bf16 GEMM: float -> E4M3 value as bf16, in
// one pass (QuantizeFp8ToBf16), and the same through codes in two.
void BM_FloatToE4M3Bf16(benchmark::State& state) {
  const size_t n = Elements(state);
  const CpuIsa isa = static_cast<CpuIsa>(state.range(1));
  std::vector<float> src = RandomFloats(n);
  std::vector<uint16_t> dst(n);
  for (auto _ : state) {
    QuantizeFp8ToBf16(src.data(), dst.data(), n, 1.0f, kE4M3, Fp8Saturation::kSatFinite, isa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 6));
  state.SetLabel(CpuIsaName(isa));
}

void BM_FloatToE4M3Bf16TwoPasses(benchmark::State& state) {
  const size_t n = Elements(state);
  const CpuIsa isa = static_cast<CpuIsa>(state.range(1));
  std::vector<float> src = RandomFloats(n);
  std::vector<uint8_t> codes(n);
  std::vector<uint16_t> dst(n);
  for (auto _ : state) {
    QuantizeFp8(src.data(), codes.data(), n, 1.0f, kE4M3, Fp8Saturation::kSatFinite, isa);
    ConvertFp8ToBf16(codes.data(), dst.data(), n, kE4M3, isa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 6));
  state.SetLabel(CpuIsaName(isa));
}

void BM_E4M3ToBf16(benchmark::State& state) {
  const size_t n = Elements(state);
  const CpuIsa isa = static_cast<CpuIsa>(state.range(1));
  std::vector<uint8_t> src(n);
  for (size_t i = 0; i < n; ++i) src[i] = static_cast<uint8_t>(i * 131);
  std::vector<uint16_t> dst(n);
  for (auto _ : state) {
    ConvertFp8ToBf16(src.data(), dst.data(), n, kE4M3, isa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 3));
  state.SetLabel(CpuIsaName(isa));
}

void BM_E4M3ToFloat(benchmark::State& state) {
  const size_t n = Elements(state);
  const CpuIsa isa = static_cast<CpuIsa>(state.range(1));
  std::vector<uint8_t> src(n);
  for (size_t i = 0; i < n; ++i) src[i] = static_cast<uint8_t>(i * 131);
  std::vector<float> dst(n);
  for (auto _ : state) {
    ConvertFp8ToFloat(src.data(), dst.data(), n, kE4M3, isa);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * 5));
  state.SetLabel(CpuIsaName(isa));
}

void SizeArgs(benchmark::internal::Benchmark* b) {
  for (int64_t mi : {1, 4, 16, 64}) b->Args({mi});
}

void SizeIsaArgs(benchmark::internal::Benchmark* b) {
  for (int64_t mi : {1, 4, 16, 64}) {
    for (CpuIsa isa : {CpuIsa::kScalar, CpuIsa::kAvx2, CpuIsa::kAvx512}) {
      if (CpuSupports(isa)) b->Args({mi, static_cast<int64_t>(isa)});
    }
  }
}

BENCHMARK(BM_MemcpyFloat)->Apply(SizeArgs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MemcpyBf16)->Apply(SizeArgs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FloatToE4M3)->Apply(SizeIsaArgs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FloatToE4M3Bf16)->Apply(SizeIsaArgs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FloatToE4M3Bf16TwoPasses)
    ->Apply(SizeIsaArgs)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_E4M3ToBf16)->Apply(SizeIsaArgs)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_E4M3ToFloat)->Apply(SizeIsaArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fp8sdk

BENCHMARK_MAIN();
