// Converting a BERT-base-sized model: 12 layers, hidden 768, vocabulary
// 30522, random weights (Hugging Face directory, float32 safetensors),
// calibrated on 128 sentences of 128 tokens. Reports wall time and the peak
// resident memory against the float32 model size. Targets: <= 120 s on two
// cores, peak memory <= 2.5x the model.
//
// Runs once (the conversion is the unit of work):
//   bazel run -c opt //converter:convert_benchmark
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>

#include "converter/convert.h"
#include "converter/report.h"
#include "converter/testing/hf_fixture.h"

namespace fp8sdk {
namespace convert {
namespace {

void BM_ConvertBertBase(benchmark::State& state) {
  fp8sdk::testing::TinyBertConfig c;
  c.vocab = 30522;
  c.hidden = 768;
  c.heads = 12;
  c.intermediate = 3072;
  c.layers = 12;
  c.max_position = 512;
  const std::string dir = testing::MakeTempDir();
  uint64_t model_bytes = 0;
  {
    const auto w = fp8sdk::testing::MakeTinyBertWeights(c);
    for (const auto& [name, v] : w.w) model_bytes += v.size() * sizeof(float);
    testing::WriteHfBert(dir, c, w, "F32");
  }
  std::mt19937 rng(1);
  std::string ids;
  for (int s = 0; s < 128; ++s) {
    ids += "101";
    for (int i = 0; i < 126; ++i) ids += " " + std::to_string(1000 + rng() % 29000);
    ids += " 102\n";
  }
  testing::WriteFile(dir + "/calib.ids", ids);
  // Measure the conversion's own peak: reset the high-water mark after the
  // model was written (Linux: "5" to clear_refs resets VmHWM).
  std::FILE* clear = std::fopen("/proc/self/clear_refs", "w");
  if (clear) {
    std::fputs("5", clear);
    std::fclose(clear);
  }
  const double rss_before = PeakRssMb();
  ConvertReport r;
  for (auto _ : state) {
    ConvertOptions o;
    o.input = dir;
    o.output = dir + "/out.fp8";
    o.calib = dir + "/calib.ids";
    o.calib_is_ids = true;
    o.samples = 128;
    o.max_length = 128;
    o.eval_samples = static_cast<int>(state.range(0));
    o.device = state.range(1) ? FP8_DEVICE_CPU : FP8_DEVICE_REFERENCE;
    const Status st = RunConvert(o, &r);
    if (!st.ok()) {
      state.SkipWithError(st.ToString().c_str());
      break;
    }
  }
  state.counters["seconds"] = r.total_s;
  state.counters["calibrate_s"] = r.calibrate_s;
  state.counters["evaluate_s"] = r.evaluate_s;
  state.counters["model_MB"] = static_cast<double>(model_bytes) / 1e6;
  state.counters["peak_rss_MB"] = r.peak_rss_mb;
  state.counters["peak_over_model"] = r.peak_rss_mb * 1048576.0 / static_cast<double>(model_bytes);
  state.counters["rss_before_MB"] = rss_before;
  testing::RemoveTree(dir);
}
// Args: evaluation sentences, backend (0 = reference, the default; 1 = oneDNN).
BENCHMARK(BM_ConvertBertBase)
    ->Args({32, 0})
    ->Args({32, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace convert
}  // namespace fp8sdk

BENCHMARK_MAIN();
