// One conformance suite, instantiated once per backend ("reference", "onednn", and the plugins
// next to this test, "vulkan" and "cuda" (on a machine without such a device their cases skip with
// the reason)): every case of conformance_cases.h (every operator x relevant dtypes x shapes, odd
// sizes included, built as tiny graphs), run on a session restricted to the backend under test
// (reference: FP8_DEVICE_REFERENCE; others: their device kind with strict_device, so nothing
// silently falls back) and compared with the reference backend, within the case's tolerance
// (conformance_cases.h) or the looser one listed below for that backend (kLooser).
//
// Each backend lists what it does not support and why (kUnsupported): those
// cases must be declined with that reason at session creation, not crash.
//
// End to end: the BERT-shaped test model (FP32 and quantized variants) gives
// logits within 1e-3 (relative to max |logit|) of the reference and the same
// argmax; with $FP8SDK_DATA the SST-2 demo model gives the same label on
// every dev sentence.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "converter/import/hf_import.h"
#include "formats/model_writer.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/session.h"
#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"
#include "tests/conformance/conformance_cases.h"
#include "tests/test_models.h"
#include "tools/common/bundled_plugins.h"

namespace fp8sdk {
namespace {

// The Vulkan and CUDA plugins are data dependencies of this test: discovery
// looks in the runfiles (before the registry's first use).
const bool kPluginPathSet = (tools::UseBundledPlugins(), true);

// ---- What each backend does not run, and why (checked below). ----
struct Unsupported {
  const char* case_prefix;  // cases whose name starts with this
  const char* reason;       // must appear in the decline message
};
const std::map<std::string, std::vector<Unsupported>>& UnsupportedTable() {
  static const auto* t = new std::map<std::string, std::vector<Unsupported>>{
      {"reference", {}},
      {"vulkan", {}},
      {"cuda", {}},
      {"onednn", {}},
  };
  return *t;
}

// ---- Where a backend computes less precisely than the reference by design:
// the tolerance it is held to instead, and why. ----
struct Looser {
  const char* backend;
  const char* prefix;    // cases whose name starts with this
  const char* contains;  // and contains this
  double tol;
  const char* why;
};
constexpr Looser kLooser[] = {
    // FP8 weights x E4M3 activations on cuBLASLt's FP8 GEMM. The activation
    // quantization itself stays bit-exact (linear_quant_probe_*).
    {"cuda", "linear_wfp8_", "_xfp8_e4m3", 4e-3,
     "Hopper's FP8 tensor cores keep about 14 significant bits in the sums they promote to fp32 "
     "(DeepSeek-V3 report); measured on an H200 (2026-12-04): at most 2.4e-4 over the suite's "
     "shapes"},
};

double ToleranceFor(const std::string& backend, const std::string& name, double tol) {
  for (const Looser& l : kLooser) {
    if (backend == l.backend && name.rfind(l.prefix, 0) == 0 &&
        name.find(l.contains) != std::string::npos) {
      return l.tol;
    }
  }
  return tol;
}

// ---- Test graphs (conformance_cases.h). ----
using conformance::AllCases;
using conformance::Case;
using conformance::Feed;
using conformance::Fixed;
using conformance::GatherCase;
using conformance::MakeFeed;

// ---- Running. ----
SessionOptions OptionsFor(const std::string& backend) {
  SessionOptions o;
  o.num_threads = 2;
  if (backend == "reference") {
    o.device = FP8_DEVICE_REFERENCE;
  } else {
    for (const BackendEntry& e : BackendRegistry::Global().Backends()) {
      if (backend == e.vtable->name) o.device = e.vtable->kind;
    }
    o.strict_device = true;
  }
  return o;
}

struct Outputs {
  std::vector<std::vector<uint8_t>> bytes;  // per run
  DType dtype = DType::kF32;
};

Status RunCase(const Case& c, const std::string& backend, Outputs* out,
               std::vector<std::string>* where = nullptr) {
  SessionOptions o = OptionsFor(backend);
  if (c.max_batch) o.max_batch = c.max_batch;
  FP8_ASSIGN_OR_RETURN(std::unique_ptr<Session> s, Session::Create(c.graph, o));
  if (where) *where = s->NodeBackends();
  for (const std::vector<Feed>& run : c.runs) {
    for (const Feed& f : run) {
      FP8_RETURN_IF_ERROR(s->SetInput(f.name, f.dtype, f.dims.data(), f.dims.size(), f.bytes.data(),
                                      f.bytes.size()));
    }
    FP8_RETURN_IF_ERROR(s->Run());
    TensorView v;
    FP8_RETURN_IF_ERROR(
        s->GetOutput(c.graph.tensors[static_cast<size_t>(c.graph.outputs[0])].name, &v));
    const uint8_t* p = static_cast<const uint8_t*>(v.data);
    out->bytes.emplace_back(p, p + v.size_bytes);
    out->dtype = v.dtype;
  }
  return Status::Ok();
}

const Unsupported* FindUnsupported(const std::string& backend, const std::string& case_name) {
  for (const Unsupported& u : UnsupportedTable().at(backend)) {
    if (case_name.rfind(u.case_prefix, 0) == 0) return &u;
  }
  return nullptr;
}

// A one-operator graph: y = tanh(x), x of 4 floats.
Graph OneTanh() {
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, Fixed({4}));
  const int y = b.AddTensor("y", DType::kF32);
  b.AddNode(OpType::kTANH, "tanh", {x}, {y});
  b.AddOutput(y);
  return b.Finish();
}

// Backends that may be absent on a machine: why they cannot run here, or "".
std::string Unavailable(const std::string& backend) {
  if (backend != "vulkan" && backend != "cuda") return "";
  static std::map<std::string, std::string> cache;
  auto it = cache.find(backend);
  if (it != cache.end()) return it->second;
  const std::string why = [&] {
    bool found = false;
    for (const BackendEntry& e : BackendRegistry::Global().Backends())
      found |= std::string(e.vtable->name) == backend;
    if (!found) {
      std::string m = "the " + backend + " plugin is not registered";
      for (const std::string& x : BackendRegistry::Global().Messages()) m += "; " + x;
      return m;
    }
    const Graph g = OneTanh();
    auto s = Session::Create(g, OptionsFor(backend));
    return s.ok() ? std::string() : "no " + backend + " device: " + s.status().ToString();
  }();
  cache[backend] = why;
  return why;
}

class Conformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string why = Unavailable(GetParam());
    if (!why.empty()) GTEST_SKIP() << why;
  }
};

TEST_P(Conformance, BackendIsRegistered) {
  bool found = false;
  for (const BackendEntry& e : BackendRegistry::Global().Backends())
    found |= GetParam() == e.vtable->name;
  ASSERT_TRUE(found) << GetParam();
  ASSERT_TRUE(UnsupportedTable().count(GetParam()))
      << "every backend lists what it does not support";
  // A variant of this suite that runs on a particular device (the Vulkan
  // targets at other subgroup sizes) names it in FP8SDK_TEST_DEVICE_NAME:
  // the session must be on that device, or the variant would test the
  // default one again.
  const char* want = std::getenv("FP8SDK_TEST_DEVICE_NAME");
  if (want && GetParam() != "reference" && GetParam() != "onednn") {
    const Graph g = OneTanh();  // the session keeps a reference
    auto s = Session::Create(g, OptionsFor(GetParam()));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_NE((*s)->Describe().find(want), std::string::npos)
        << "asked for a device named \"" << want << "\"; the session:\n"
        << (*s)->Describe();
  }
}

TEST_P(Conformance, EveryOperatorMatchesTheReference) {
  const std::string backend = GetParam();
  int compared = 0, declined = 0;
  for (const Case& c : AllCases()) {
    SCOPED_TRACE(c.name);
    Outputs got, want;
    std::vector<std::string> where;
    const Status st = RunCase(c, backend, &got, &where);
    if (const Unsupported* u = FindUnsupported(backend, c.name)) {
      ASSERT_FALSE(st.ok()) << "listed as unsupported but ran";
      EXPECT_EQ(st.code(), StatusCode::kUNSUPPORTED) << st.ToString();
      EXPECT_NE(st.message().find("declined by " + backend + ": " + u->reason), std::string::npos)
          << st.ToString();
      ++declined;
      continue;
    }
    ASSERT_TRUE(st.ok()) << st.ToString();
    for (const std::string& w : where) EXPECT_EQ(w, backend);
    ASSERT_TRUE(RunCase(c, "reference", &want).ok());
    ASSERT_EQ(got.bytes.size(), want.bytes.size());
    for (size_t r = 0; r < got.bytes.size(); ++r) {
      ASSERT_EQ(got.bytes[r].size(), want.bytes[r].size()) << "run " << r;
      if (c.tol == 0 || got.dtype != DType::kF32) {
        EXPECT_EQ(got.bytes[r], want.bytes[r]) << "run " << r;
        continue;
      }
      const size_t n = got.bytes[r].size() / 4;
      const float* g = reinterpret_cast<const float*>(got.bytes[r].data());
      const float* w = reinterpret_cast<const float*>(want.bytes[r].data());
      double max_ref = 0, max_diff = 0;
      size_t bad = 0;
      for (size_t i = 0; i < n; ++i) {
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(w[i])));
        if (std::isnan(g[i]) != std::isnan(w[i])) ++bad;
      }
      for (size_t i = 0; i < n; ++i)
        max_diff = std::max(max_diff, std::fabs(static_cast<double>(g[i]) - w[i]));
      EXPECT_EQ(bad, 0u) << "run " << r << ": NaN mismatch";
      const double tol = ToleranceFor(backend, c.name, c.tol);
      EXPECT_LE(max_diff, tol * std::max(max_ref, 1e-30)) << "run " << r << " max_ref " << max_ref;
      if (tol != c.tol) {  // a looser bound: what it measured, for the record
        std::printf("[%s] %s run %zu: max |diff| / max |ref| = %.3g (bound %.3g)\n",
                    backend.c_str(), c.name.c_str(), r, max_diff / std::max(max_ref, 1e-30), tol);
      }
    }
    ++compared;
  }
  std::printf("[%s] %d cases compared with the reference, %d declined as listed\n", backend.c_str(),
              compared, declined);
  EXPECT_GT(compared, 150);
}

TEST_P(Conformance, GatherIndexOutOfRangeIsAnErrorNamingNodeAndIndex) {
  Case c = GatherCase(false, 17, 63);
  std::vector<int64_t> idx(15, 2);
  idx[7] = 17;
  c.runs[0][0] = MakeFeed("ids", DType::kINT64, {3, 5}, idx);
  Outputs out;
  const Status st = RunCase(c, GetParam(), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kOUT_OF_RANGE) << st.ToString();
  EXPECT_NE(st.message().find("'gather' (GATHER)"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("index 17 at position 7"), std::string::npos) << st.ToString();
}

// ---- End to end. ----
using testing::MaxRelDiff;

std::vector<float> RunBert(const Graph& g, const testing::TinyBertInputs& in,
                           const std::string& backend) {
  SessionOptions o = OptionsFor(backend);
  o.strict_device = false;  // QUANTIZE-free models: every node runs there anyway (checked below)
  o.max_batch = in.batch;
  o.max_sequence = in.sequence;
  auto s = Session::Create(g, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  for (const std::string& w : s.value()->NodeBackends()) EXPECT_EQ(w, backend);
  EXPECT_TRUE(testing::SetBertInputs(s.value().get(), in).ok());
  const Status st = s.value()->Run();
  EXPECT_TRUE(st.ok()) << st.ToString();
  TensorView v;
  EXPECT_TRUE(s.value()->GetOutput("logits", &v).ok());
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / 4);
}

// End to end, a difference of one part in 2^14 in a sum moves a value that
// lies that close to a rounding boundary of the next layer's E4M3
// quantization by a whole step (6 to 12% of the value): such flips, not the sums
// themselves, make the logits differ. Backends whose FP8 sums are exact or
// fp32-rounded stay within 1e-3 of the reference; cuBLASLt's FP8 GEMM on
// Hopper does not (see kLooser): its bound is three times the H200's worst
// (0.065, 2026-12-04), and the predicted labels must still be equal.
double EndToEndBound(const std::string& backend, const std::string& variant) {
  return backend == "cuda" && variant == "e4m3" ? 0.2 : 1e-3;
}

TEST_P(Conformance, TinyBertMatchesTheReference) {
  testing::TinyBertConfig c;
  const auto w = testing::MakeTinyBertWeights(c);
  testing::TinyBertQuant e4m3, int8, e5m2_pt;
  int8.weight_dtype = DType::kINT8;
  int8.input_dtype = DType::kINT8;
  int8.default_input_scale = 8.0f / 127.0f;
  e5m2_pt.weight_dtype = DType::kFP8_E5M2;
  e5m2_pt.per_channel = false;
  e5m2_pt.input_dtype = DType::kFP8_E5M2;
  e5m2_pt.default_input_scale = 8.0f / 57344.0f;
  const std::pair<const char*, const testing::TinyBertQuant*> variants[] = {
      {"fp32", nullptr}, {"e4m3", &e4m3}, {"int8", &int8}, {"e5m2_per_tensor", &e5m2_pt}};
  for (const auto& [name, q] : variants) {
    const Graph g = testing::BuildTinyBert(c, w, q);
    for (auto [b, s] : {std::pair{2, 16}, std::pair{3, 33}, std::pair{1, 1}}) {
      SCOPED_TRACE(std::string(name) + " batch " + std::to_string(b) + " seq " + std::to_string(s));
      const auto in = testing::MakeTinyBertInputs(c, b, s, 7);
      const std::vector<float> got = RunBert(g, in, GetParam());
      const std::vector<float> want = RunBert(g, in, "reference");
      ASSERT_EQ(got.size(), want.size());
      ASSERT_FALSE(got.empty());
      const double rel = MaxRelDiff(got, want);
      const double bound = EndToEndBound(GetParam(), name);
      EXPECT_LE(rel, bound);
      std::printf("[%s] tiny BERT %s batch %d seq %d: max |diff| / max |ref| = %.3g (bound %.3g)\n",
                  GetParam().c_str(), name, b, s, rel, bound);
      for (int r = 0; r < b; ++r) {
        const float* gr = got.data() + r * c.labels;
        const float* wr = want.data() + r * c.labels;
        EXPECT_EQ(std::max_element(gr, gr + c.labels) - gr,
                  std::max_element(wr, wr + c.labels) - wr)
            << "row " << r;
      }
    }
  }
}

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

TEST_P(Conformance, Sst2DemoModelGivesTheSameLabels) {
  const char* env = std::getenv("FP8SDK_DATA");
  const std::string data = env ? env : "";
  const std::string dev = data + "/sst2/dev.tsv",
                    vocab = data + "/vocab/bert-base-uncased-vocab.txt";
  if (data.empty() || !Exists(dev) || !Exists(vocab))
    GTEST_SKIP() << "SST-2 data not found (set FP8SDK_DATA)";
  if (!Exists("models/sst2_tiny/model.safetensors")) GTEST_SKIP() << "models/sst2_tiny not found";
  auto hf = convert::ImportHfDirectory("models/sst2_tiny");
  ASSERT_TRUE(hf.ok()) << hf.status().ToString();
  auto tok = text::WordPieceTokenizer::FromVocabFile(vocab);
  ASSERT_TRUE(tok.ok()) << tok.status().ToString();
  auto ds = text::ReadTextDataset(dev);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  const auto& sentences = ds.value().sentences;
  size_t rows = 0, same = 0;
  for (size_t start = 0; start < sentences.size(); start += 32) {
    const std::vector<std::string> chunk(
        sentences.begin() + static_cast<std::ptrdiff_t>(start),
        sentences.begin() + static_cast<std::ptrdiff_t>(std::min(sentences.size(), start + 32)));
    text::BatchOptions bo;
    bo.max_length = 128;
    auto e = tok.value().EncodeBatch(chunk, bo);
    ASSERT_TRUE(e.ok());
    testing::TinyBertInputs in;
    in.batch = static_cast<int>(e.value().batch);
    in.sequence = static_cast<int>(e.value().seq_len);
    in.input_ids = e.value().input_ids;
    in.token_type_ids = e.value().token_type_ids;
    in.attention_mask = e.value().attention_mask;
    const std::vector<float> got = RunBert(hf.value()->graph, in, GetParam());
    const std::vector<float> want = RunBert(hf.value()->graph, in, "reference");
    ASSERT_EQ(got.size(), want.size());
    EXPECT_LE(MaxRelDiff(got, want), 1e-3) << "batch at " << start;
    for (int r = 0; r < in.batch; ++r, ++rows) {
      same += (got[2 * r + 1] > got[2 * r]) == (want[2 * r + 1] > want[2 * r]);
    }
  }
  EXPECT_EQ(rows, sentences.size());
  EXPECT_EQ(same, rows) << "labels differ on " << rows - same << " sentences";
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance,
                         ::testing::Values("reference", "onednn", "vulkan", "cuda"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace fp8sdk
