// Runtime benchmarks for the model file and the session:
//   BM_LoadModel/<hidden>: LoadedModel::LoadFile (mmap, header and FlatBuffer
//     checks, graph build) of two models with the same graph (2 layers) and
//     weights of ~40 MB (hidden 512) and ~370 MB (hidden 1792). Target:
//     times within 2x of each other (weights are used in place, not read).
//   BM_PlanBertBase: session creation for a BERT-base-shaped encoder
//     (12 layers, hidden 768, batch 1, sequence 128); reports the activation
//     arena the planner needs against the sum of all intermediates. Target:
//     sum >= 3x arena.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "formats/model_writer.h"
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

using testing::TinyBertConfig;

std::string ModelPath(int hidden) {
  static std::map<int, std::string> paths;
  auto it = paths.find(hidden);
  if (it != paths.end()) return it->second;
  TinyBertConfig c;
  c.hidden = hidden;
  c.heads = 8;
  c.intermediate = 4 * hidden;
  c.layers = 2;
  c.vocab = 8000;
  c.max_position = 512;
  const std::string path =
      "/tmp/fp8sdk_bench_model_" + std::to_string(hidden) + "_" + std::to_string(getpid()) + ".fp8";
  const Status st =
      WriteModelFile(testing::BuildTinyBert(c, testing::MakeTinyBertWeights(c)), path);
  if (!st.ok()) std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), st.ToString().c_str());
  paths[hidden] = path;
  return path;
}

void BM_LoadModel(benchmark::State& state) {
  const std::string path = ModelPath(static_cast<int>(state.range(0)));
  size_t size = 0;
  for (auto _ : state) {
    auto m = LoadedModel::LoadFile(path);
    if (!m.ok()) {
      state.SkipWithError(m.status().ToString().c_str());
      return;
    }
    size = m.value()->file_size();
    benchmark::DoNotOptimize(m.value()->graph().tensors.size());
  }
  state.counters["file_MB"] = static_cast<double>(size) / 1e6;
}
BENCHMARK(BM_LoadModel)->Arg(512)->Arg(1792)->Unit(benchmark::kMicrosecond);

void BM_PlanBertBase(benchmark::State& state) {
  TinyBertConfig c;
  c.hidden = 768;
  c.heads = 12;
  c.intermediate = 3072;
  c.layers = 12;
  c.vocab = 30522;
  c.max_position = 512;
  const Graph g = testing::BuildTinyBert(c, testing::MakeTinyBertWeights(c));
  SessionOptions o;
  o.max_batch = 1;
  o.max_sequence = 128;
  o.device = FP8_DEVICE_REFERENCE;
  double planned = 0, unplanned = 0;
  for (auto _ : state) {
    auto s = Session::Create(g, o);
    if (!s.ok()) {
      state.SkipWithError(s.status().ToString().c_str());
      return;
    }
    planned = static_cast<double>(s.value()->PlannedBytes());
    unplanned = static_cast<double>(s.value()->UnplannedBytes());
  }
  state.counters["arena_MiB"] = planned / (1 << 20);
  state.counters["sum_MiB"] = unplanned / (1 << 20);
  state.counters["reduction_x"] = unplanned / planned;
}
BENCHMARK(BM_PlanBertBase)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace fp8sdk

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (int h : {512, 1792}) std::remove(fp8sdk::ModelPath(h).c_str());
  return 0;
}
