// fp8bench: latency and throughput of any model file on any backend, like
// TFLite's benchmark_model.
//
// usage: fp8bench MODEL.fp8 [--backend auto|cpu|cuda|vulkan|reference] [--strict]
//                 [--batch B] [--seq S] [--threads N] [--warmup W] [--iterations I]
//                 [--device-memory-mb M] [--profile] [--json FILE]
// Inputs are synthetic: token ids drawn uniformly from the embedding table,
// token types 0, attention mask 1 (BERT inputs); other integer inputs get
// zeros, float inputs uniform [-1, 1].
// Prints the session (which backend runs what), median / p90 / mean latency,
// throughput (sequences/s and tokens/s), the activation arena and resident
// memory; --profile then times every operator in a second session
// (SessionOptions::profile) and prints the time by operator type and the
// slowest operators. --json FILE is checked before the work (never one of
// the inputs, its directory must exist) and a failed write is an error (exit
// 1). --help prints the usage and exits 0; usage errors exit 2.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"
#include "tools/common/bundled_plugins.h"
#include "tools/common/output_path.h"

namespace fp8sdk {
namespace {

struct Args {
  std::string model, json;
  fp8_device_kind_t device = FP8_DEVICE_AUTO;
  bool strict = false, profile = false;
  int batch = 1, seq = 128, threads = 0, warmup = 3, iterations = 20;
  int device_memory_mb = 0;  // 0: no limit
};

constexpr const char kUsage[] =
    "usage: fp8bench MODEL.fp8 [--backend auto|cpu|cuda|vulkan|reference] [--strict]\n"
    "                [--batch B] [--seq S] [--threads N] [--warmup W] [--iterations I]\n"
    "                [--device-memory-mb M] [--profile] [--json FILE]\n";

// A usage error: the reason and the usage on stderr, exit status 2.
int Usage(const std::string& error) {
  std::fprintf(stderr, "fp8bench: %s\n%s", error.c_str(), kUsage);
  return 2;
}

// A field of /proc/self/status in MB (VmHWM: peak resident, VmRSS: now).
double StatusMb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t len = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, len, field) == 0) return std::atof(line.c_str() + len) / 1024.0;
  }
  return 0.0;
}

// Rows of the embedding table the ids index (the GATHER reading input_ids).
int64_t VocabOf(const Graph& g, int input) {
  for (const Node& n : g.nodes) {
    if (n.type == OpType::kGATHER && n.inputs.size() == 2 && n.inputs[1] == input) {
      const Shape s = g.tensors[static_cast<size_t>(n.inputs[0])].FixedShape();
      if (s.rank >= 1) return s[0];
    }
  }
  return 2;
}

// Synthetic inputs (see the top of this file).
bool FeedInputs(const Graph& g, const Args& a, Session* s) {
  std::mt19937 rng(1);
  for (int t : g.inputs) {
    const TensorDesc& d = g.tensors[static_cast<size_t>(t)];
    std::vector<int64_t> dims;
    for (const Dim& dim : d.shape) {
      dims.push_back(!dim.IsSymbolic() ? dim.value : dim.symbol == "batch" ? a.batch : a.seq);
    }
    int64_t n = 1;
    for (int64_t v : dims) n *= v;
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * DTypeSize(d.dtype));
    if (d.dtype == DType::kINT64 || d.dtype == DType::kINT32) {
      const int64_t vocab = VocabOf(g, t);
      for (int64_t i = 0; i < n; ++i) {
        int64_t v = 0;
        if (d.name == "attention_mask")
          v = 1;
        else if (d.name != "token_type_ids")
          v = static_cast<int64_t>(rng() % static_cast<uint64_t>(vocab));
        if (d.dtype == DType::kINT64)
          std::memcpy(bytes.data() + 8 * i, &v, 8);
        else {
          const int32_t w = static_cast<int32_t>(v);
          std::memcpy(bytes.data() + 4 * i, &w, 4);
        }
      }
    } else if (d.dtype == DType::kF32) {
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      for (int64_t i = 0; i < n; ++i) {
        const float v = u(rng);
        std::memcpy(bytes.data() + 4 * i, &v, 4);
      }
    }
    const Status st =
        s->SetInput(d.name, d.dtype, dims.data(), dims.size(), bytes.data(), bytes.size());
    if (!st.ok()) {
      std::fprintf(stderr, "fp8bench: %s\n", st.ToString().c_str());
      return false;
    }
  }
  return true;
}

// Warm-up then timed runs; the timed runs' milliseconds, or empty on an error.
std::vector<double> TimeRuns(Session& s, const Args& a) {
  std::vector<double> ms;
  for (int i = 0; i < a.warmup + a.iterations; ++i) {
    const auto b = std::chrono::steady_clock::now();
    const Status st = s.Run();
    const double t =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - b).count();
    if (!st.ok()) {
      std::fprintf(stderr, "fp8bench: run %d: %s\n", i, st.ToString().c_str());
      return {};
    }
    if (i >= a.warmup) ms.push_back(t);
  }
  return ms;
}

// Per-operator times from a profiled session: printed, and as JSON.
nlohmann::json ReportProfile(const std::vector<StepProfile>& steps, double median_ms) {
  struct ByOp {
    int count = 0;
    double ms = 0;
  };
  std::map<std::string, ByOp> by_op;
  double total = 0;
  std::vector<std::pair<double, const StepProfile*>> order;
  for (const StepProfile& p : steps) {
    const double per_run = p.runs > 0 ? p.total_ms / static_cast<double>(p.runs) : 0.0;
    by_op[p.op].count++;
    by_op[p.op].ms += per_run;
    total += per_run;
    order.push_back({per_run, &p});
  }
  std::vector<std::pair<std::string, ByOp>> ops(by_op.begin(), by_op.end());
  std::sort(ops.begin(), ops.end(),
            [](const auto& x, const auto& y) { return x.second.ms > y.second.ms; });
  std::printf(
      "profile (one partition per operator, device synchronized after each; %.3f ms "
      "per run in all, %.3f ms unprofiled):\n",
      total, median_ms);
  std::printf("  %-16s %6s %12s %7s\n", "operator", "count", "ms per run", "share");
  nlohmann::json j_ops = nlohmann::json::array(), j_steps = nlohmann::json::array();
  for (const auto& [op, v] : ops) {
    std::printf("  %-16s %6d %12.3f %6.1f%%\n", op.c_str(), v.count, v.ms,
                total > 0 ? 100.0 * v.ms / total : 0.0);
    j_ops.push_back({{"op", op}, {"count", v.count}, {"ms_per_run", v.ms}});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  std::printf("  slowest operators:\n");
  for (size_t i = 0; i < order.size() && i < 10; ++i) {
    const StepProfile& p = *order[i].second;
    std::printf("  %10.3f ms  %-12s %-10s %s\n", order[i].first, p.op.c_str(), p.backend.c_str(),
                p.name.c_str());
  }
  for (const StepProfile& p : steps) {
    j_steps.push_back(
        {{"name", p.name},
         {"op", p.op},
         {"backend", p.backend},
         {"ms_per_run", p.runs > 0 ? p.total_ms / static_cast<double>(p.runs) : 0.0}});
  }
  return {{"total_ms_per_run", total}, {"by_op", j_ops}, {"steps", j_steps}};
}

int Run(const Args& a) {
  if (!a.json.empty()) {
    const std::string why = tools::CheckOutputPath(a.json, {a.model});
    if (!why.empty()) {
      std::fprintf(stderr, "fp8bench: %s\n", why.c_str());
      return 1;
    }
  }
  auto loaded = LoadedModel::LoadFile(a.model);
  if (!loaded.ok()) {
    std::fprintf(stderr, "fp8bench: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const Graph& g = loaded.value()->graph();
  SessionOptions o;
  o.device = a.device;
  o.strict_device = a.strict;
  o.num_threads = a.threads;
  o.max_batch = a.batch;
  o.max_sequence = a.seq;
  o.device_memory_limit = static_cast<uint64_t>(a.device_memory_mb) << 20;
  const auto t0 = std::chrono::steady_clock::now();
  auto session = Session::Create(g, o);
  const double create_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!session.ok()) {
    std::fprintf(stderr, "fp8bench: %s\n", session.status().ToString().c_str());
    return 1;
  }
  Session& s = *session.value();
  if (!FeedInputs(g, a, &s)) return 1;
  const std::vector<double> ms = TimeRuns(s, a);
  if (ms.empty()) return 1;
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  const double p90 = sorted[std::min(sorted.size() - 1, sorted.size() * 9 / 10)];
  double mean = 0;
  for (double v : ms) mean += v / static_cast<double>(ms.size());
  std::map<std::string, int> per_backend;
  for (const std::string& b : s.NodeBackends()) per_backend[b]++;

  std::printf("%s", s.Describe().c_str());
  std::printf("model: %s (%zu operators)\n", a.model.c_str(), g.nodes.size());
  std::printf("batch %d, sequence %d, %d warm-up + %d timed runs, session created in %.1f ms\n",
              a.batch, a.seq, a.warmup, a.iterations, create_ms);
  std::printf("latency: median %.3f ms, p90 %.3f ms, mean %.3f ms, min %.3f ms\n", median, p90,
              mean, sorted.front());
  std::printf("throughput: %.1f sequences/s, %.0f tokens/s\n", 1000.0 * a.batch / median,
              1000.0 * a.batch * a.seq / median);
  const double rss = StatusMb("VmRSS:"), peak = StatusMb("VmHWM:");
  std::printf("memory: activation arena %.2f MiB, resident %.1f MB after the runs, peak %.1f MB\n",
              static_cast<double>(s.PlannedBytes()) / (1 << 20), rss, peak);
  nlohmann::json profile;
  if (a.profile) {
    SessionOptions po = o;
    po.profile = true;
    auto ps = Session::Create(g, po);
    if (!ps.ok()) {
      std::fprintf(stderr, "fp8bench: profiled session: %s\n", ps.status().ToString().c_str());
      return 1;
    }
    if (!FeedInputs(g, a, ps.value().get()) || TimeRuns(*ps.value(), a).empty()) return 1;
    profile = ReportProfile(ps.value()->Profile(), median);
  }
  if (!a.json.empty()) {
    nlohmann::json j = {{"model", a.model},
                        {"batch", a.batch},
                        {"sequence", a.seq},
                        {"threads", a.threads},
                        {"iterations", a.iterations},
                        {"median_ms", median},
                        {"p90_ms", p90},
                        {"mean_ms", mean},
                        {"min_ms", sorted.front()},
                        {"sequences_per_s", 1000.0 * a.batch / median},
                        {"arena_bytes", s.PlannedBytes()},
                        {"rss_mb", rss},
                        {"peak_rss_mb", peak},
                        {"session_create_ms", create_ms},
                        {"operators_by_backend", per_backend},
                        {"runs_ms", ms}};
    if (a.profile) j["profile"] = profile;
    const std::string why = tools::WriteTextFile(a.json, j.dump(2) + "\n");
    if (!why.empty()) {
      std::fprintf(stderr, "fp8bench: %s\n", why.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace fp8sdk

int main(int argc, char** argv) {
  fp8sdk::tools::UseBundledPlugins();
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(wd) != 0) std::perror("chdir");
  }
  fp8sdk::Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string f = argv[i];
    auto num = [&](int lo, int hi, int* out) -> bool {
      if (i + 1 >= argc) return false;
      char* end = nullptr;
      const char* text = argv[++i];
      const long v = std::strtol(text, &end, 10);
      if (end == text || *end || v < lo || v > hi) return false;
      *out = static_cast<int>(v);
      return true;
    };
    if (f == "--backend") {
      if (i + 1 >= argc) return fp8sdk::Usage("--backend needs a name");
      const std::string b = argv[++i];
      if (b == "auto")
        a.device = FP8_DEVICE_AUTO;
      else if (b == "cpu" || b == "onednn")
        a.device = FP8_DEVICE_CPU;
      else if (b == "cuda")
        a.device = FP8_DEVICE_CUDA;
      else if (b == "vulkan")
        a.device = FP8_DEVICE_VULKAN;
      else if (b == "reference")
        a.device = FP8_DEVICE_REFERENCE;
      else
        return fp8sdk::Usage("unknown backend '" + b + "'");
    } else if (f == "--profile") {
      a.profile = true;
    } else if (f == "--strict") {
      a.strict = true;
    } else if (f == "--batch") {
      if (!num(1, 4096, &a.batch)) return fp8sdk::Usage("--batch needs an integer in [1, 4096]");
    } else if (f == "--seq") {
      if (!num(1, 1 << 16, &a.seq)) return fp8sdk::Usage("--seq needs an integer in [1, 65536]");
    } else if (f == "--threads") {
      if (!num(1, 1024, &a.threads))
        return fp8sdk::Usage("--threads needs an integer in [1, 1024]");
    } else if (f == "--device-memory-mb") {
      if (!num(1, 1 << 24, &a.device_memory_mb))
        return fp8sdk::Usage("--device-memory-mb needs an integer in [1, 16777216]");
    } else if (f == "--warmup") {
      if (!num(0, 100000, &a.warmup))
        return fp8sdk::Usage("--warmup needs an integer in [0, 100000]");
    } else if (f == "--iterations") {
      if (!num(1, 1000000, &a.iterations))
        return fp8sdk::Usage("--iterations needs an integer in [1, 1000000]");
    } else if (f == "--json") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') return fp8sdk::Usage("--json needs a file");
      a.json = argv[++i];
    } else if (f == "-h" || f == "--help") {
      std::printf("%s", fp8sdk::kUsage);
      return 0;
    } else if (!f.empty() && f[0] != '-' && a.model.empty()) {
      a.model = f;
    } else {
      return fp8sdk::Usage("unexpected argument '" + f + "'");
    }
  }
  if (a.model.empty()) return fp8sdk::Usage("no model file");
  return fp8sdk::Run(a);
}
