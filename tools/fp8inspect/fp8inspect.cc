// fp8inspect: prints what a model file holds: metadata, inputs and outputs,
// operators with their tensors, every tensor's dtype, shape and quantization
// scales, and bytes by dtype.
//
// Usage: fp8inspect MODEL.fp8 [--verify] [--no-operators]
//   --verify        also check the data segment's checksum
//   --no-operators  skip the operator list
// Exit status: 0 on success, 1 if the model does not load, 2 on bad usage.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "sdk/runtime/graph_check.h"
#include "sdk/runtime/model_loader.h"

namespace fp8sdk {
namespace {

// Shapes of every tensor in terms of the symbols: inferred twice with
// different small sizes per symbol; a dimension that follows one symbol (or
// a multiple or product of them) is printed by name.
class SymbolicShapes {
 public:
  explicit SymbolicShapes(const Graph& g) : g_(g) {
    const int64_t primes_a[] = {2, 3, 5, 7, 11, 13}, primes_b[] = {17, 19, 23, 29, 31, 37};
    for (int t : g.inputs) {
      for (const Dim& d : g.tensors[static_cast<size_t>(t)].shape) {
        int64_t unused;
        if (!d.IsSymbolic() || a_.Get(d.symbol, &unused) || symbols_.size() >= 6) continue;
        a_.Set(d.symbol, primes_a[symbols_.size()]);
        b_.Set(d.symbol, primes_b[symbols_.size()]);
        symbols_.push_back(d.symbol);
      }
    }
    std::vector<Shape> ia, ib;
    ok_ = ResolveInputShapes(g, a_, &ia).ok() && ResolveInputShapes(g, b_, &ib).ok() &&
          InferShapes(g, ia, &sa_).ok() && InferShapes(g, ib, &sb_).ok();
  }

  std::string Of(int t) const {
    const TensorDesc& d = g_.tensors[static_cast<size_t>(t)];
    if (!ok_ || d.IsConstant() || !d.shape.empty()) return Declared(d);
    const Shape& x = sa_[static_cast<size_t>(t)];
    const Shape& y = sb_[static_cast<size_t>(t)];
    std::string s = "[";
    for (int i = 0; i < x.rank; ++i) {
      if (i) s += ", ";
      s += DimName(x[i], y[i]);
    }
    return s + "]";
  }

 private:
  static std::string Declared(const TensorDesc& t) {
    std::string s = "[";
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (i) s += ", ";
      s += t.shape[i].IsSymbolic() ? t.shape[i].symbol : std::to_string(t.shape[i].value);
    }
    return s + "]";
  }

  std::string DimName(int64_t da, int64_t db) const {
    if (da == db) return std::to_string(da);
    for (const std::string& s : symbols_) {
      int64_t pa, pb;
      a_.Get(s, &pa);
      b_.Get(s, &pb);
      if (da % pa == 0 && db % pb == 0 && da / pa == db / pb) {
        const int64_t k = da / pa;
        return k == 1 ? s : std::to_string(k) + "*" + s;
      }
      for (const std::string& s2 : symbols_) {
        int64_t qa, qb;
        a_.Get(s2, &qa);
        b_.Get(s2, &qb);
        if (&s2 != &s && da == pa * qa && db == pb * qb) return s + "*" + s2;
      }
    }
    return "?";
  }

  const Graph& g_;
  SymbolValues a_, b_;
  std::vector<std::string> symbols_;
  std::vector<Shape> sa_, sb_;
  bool ok_ = false;
};

std::string Bytes(uint64_t b) {
  char buf[32];
  if (b >= (1u << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", static_cast<double>(b) / (1 << 20));
  } else if (b >= 1024) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(b) / 1024);
  } else {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(b));
  }
  return buf;
}

std::string QuantString(const TensorDesc& t) {
  const QuantParams& q = t.quant;
  if (q.empty()) return "";
  const auto [lo, hi] = std::minmax_element(q.scales.begin(), q.scales.end());
  std::string s = q.axis < 0 ? StrFormat("scale %.6g", *lo)
                             : StrFormat("%zu scales on axis %d in [%.6g, %.6g]", q.scales.size(),
                                         q.axis, *lo, *hi);
  if (t.dtype == DType::kFP8_CUSTOM) s += " format " + q.fp8.Name();
  return s;
}

std::string ActQuantString(const ActQuant& q) {
  if (!q.enabled) return "";
  return StrFormat("%s scale %.6g", DTypeName(q.dtype), q.scale);
}

int Inspect(const char* path, bool verify, bool operators) {
  LoadOptions o;
  o.verify_data_checksum = verify;
  auto loaded = LoadedModel::LoadFile(path, o);
  if (!loaded.ok()) {
    std::fprintf(stderr, "fp8inspect: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  const LoadedModel& m = *loaded.value();
  const Graph& g = m.graph();
  const Metadata& md = g.metadata;
  const SymbolicShapes shapes(g);
  auto ShapeString = [&](const TensorDesc& d) {
    return shapes.Of(static_cast<int>(&d - g.tensors.data()));
  };
  std::printf("model: %s (%s, format %u.%u%s)\n", path, Bytes(m.file_size()).c_str(),
              m.format_major(), m.format_minor(), verify ? ", data checksum ok" : "");
  if (!md.producer.empty())
    std::printf("producer: %s %s\n", md.producer.c_str(), md.producer_version.c_str());
  if (!md.source_model.empty()) std::printf("source: %s\n", md.source_model.c_str());
  if (!md.source_model_sha256.empty())
    std::printf("source sha256: %s\n", md.source_model_sha256.c_str());
  if (!md.calibration.method.empty()) {
    std::printf("calibration: %s", md.calibration.method.c_str());
    if (md.calibration.percentile > 0) std::printf(" (percentile %g)", md.calibration.percentile);
    std::printf(", %u samples from %s\n", md.calibration.num_samples,
                md.calibration.dataset.c_str());
  }
  if (!md.label_names.empty()) {
    std::printf("labels:");
    for (size_t i = 0; i < md.label_names.size(); ++i)
      std::printf(" %zu=%s", i, md.label_names[i].c_str());
    std::printf("\n");
  }
  for (const auto& [sym, max] : md.dim_limits)
    std::printf("limit: %s <= %lld\n", sym.c_str(), static_cast<long long>(max));
  for (const auto& [k, v] : md.extra) std::printf("meta: %s = %s\n", k.c_str(), v.c_str());

  auto print_io = [&](const char* what, const std::vector<int>& list) {
    std::printf("%s:\n", what);
    for (int t : list) {
      const TensorDesc& d = g.tensors[static_cast<size_t>(t)];
      std::printf("  %-24s %-9s %s\n", d.name.c_str(), DTypeName(d.dtype), ShapeString(d).c_str());
    }
  };
  print_io("inputs", g.inputs);
  print_io("outputs", g.outputs);

  if (operators) {
    std::printf("operators (%zu):\n", g.nodes.size());
    for (size_t n = 0; n < g.nodes.size(); ++n) {
      const Node& node = g.nodes[n];
      std::printf("  %4zu %-12s %s\n", n, OpTypeName(node.type), node.name.c_str());
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        const int t = node.inputs[i];
        if (t < 0) continue;
        const TensorDesc& d = g.tensors[static_cast<size_t>(t)];
        std::printf("         in  %-44s %-9s %-16s %s\n", d.name.c_str(), DTypeName(d.dtype),
                    ShapeString(d).c_str(), QuantString(d).c_str());
      }
      const std::string aq =
          node.type == OpType::kLINEAR ? ActQuantString(node.attrs.input_quant) : "";
      if (!aq.empty()) std::printf("         input quantization: %s\n", aq.c_str());
      for (int t : node.outputs) {
        const TensorDesc& d = g.tensors[static_cast<size_t>(t)];
        std::printf("         out %-44s %-9s %s\n", d.name.c_str(), DTypeName(d.dtype),
                    ShapeString(d).c_str());
      }
    }
  }

  std::map<std::string, std::pair<uint64_t, uint64_t>> by_dtype;  // bytes, tensors
  uint64_t total = 0;
  for (const TensorDesc& t : g.tensors) {
    if (!t.IsConstant()) continue;
    auto& e = by_dtype[DTypeName(t.dtype)];
    e.first += t.data_size;
    e.second += 1;
    total += t.data_size;
  }
  std::printf("constant bytes by dtype:\n");
  for (const auto& [dt, e] : by_dtype) {
    std::printf("  %-10s %12s in %llu tensors (%.1f%%)\n", dt.c_str(), Bytes(e.first).c_str(),
                static_cast<unsigned long long>(e.second),
                total ? 100.0 * static_cast<double>(e.first) / static_cast<double>(total) : 0.0);
  }
  std::printf("  %-10s %12s\n", "total", Bytes(total).c_str());
  return 0;
}

}  // namespace
}  // namespace fp8sdk

int main(int argc, char** argv) {
  // Under `bazel run`, resolve relative paths against the caller's directory.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) {
    if (chdir(wd) != 0) std::perror("chdir");
  }
  static const char kUsage[] = "usage: fp8inspect MODEL.fp8 [--verify] [--no-operators]\n";
  const auto usage = [&](const std::string& why) {
    std::fprintf(stderr, "fp8inspect: %s\n%s", why.c_str(), kUsage);
    return 2;
  };
  const char* path = nullptr;
  bool verify = false, operators = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("%s", kUsage);
      return 0;
    } else if (std::strcmp(argv[i], "--verify") == 0) {
      verify = true;
    } else if (std::strcmp(argv[i], "--no-operators") == 0) {
      operators = false;
    } else if (argv[i][0] == '-') {
      return usage(std::string("unknown option '") + argv[i] + "'");
    } else if (path) {
      return usage(std::string("one model at a time (got '") + path + "' and '" + argv[i] + "')");
    } else {
      path = argv[i];
    }
  }
  if (!path) return usage("no model file");
  return fp8sdk::Inspect(path, verify, operators);
}
