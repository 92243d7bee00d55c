// Format round trip and the corrupted-file suite: every corruption is
// rejected with an error that says what is wrong; nothing crashes.
#include "sdk/runtime/model_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "formats/file_header.h"
#include "formats/fp8model_generated.h"
#include "formats/model_writer.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

using testing::BuildTinyBert;
using testing::MakeTinyBertWeights;
using testing::TinyBertConfig;
using testing::TinyBertQuant;

TinyBertConfig SmallConfig() {
  TinyBertConfig c;
  c.vocab = 50;
  c.hidden = 32;
  c.heads = 2;
  c.intermediate = 64;
  c.max_position = 16;
  c.layers = 1;
  return c;
}

Graph QuantizedModel() {
  const TinyBertConfig c = SmallConfig();
  TinyBertQuant q;
  return BuildTinyBert(c, MakeTinyBertWeights(c), &q);
}

std::vector<uint8_t> Serialize(const Graph& g) {
  auto r = SerializeModel(g);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::vector<uint8_t>();
}

format::FileHeader Header(const std::vector<uint8_t>& f) {
  format::FileHeader h;
  std::memcpy(&h, f.data(), sizeof(h));
  return h;
}

// Recomputes the checksums so that a deliberate change reaches the later
// checks instead of failing the CRC (regions the header puts out of bounds
// keep their old checksum: the loader rejects their bounds first).
void RefreshChecksums(std::vector<uint8_t>* f) {
  format::FileHeader h = Header(*f);
  auto inside = [&](uint64_t off, uint64_t size) {
    return off <= f->size() && size <= f->size() - off;
  };
  if (inside(h.flatbuffer_offset, h.flatbuffer_size))
    h.flatbuffer_crc32c = format::Crc32c(f->data() + h.flatbuffer_offset, h.flatbuffer_size);
  if (inside(h.data_offset, h.data_size))
    h.data_crc32c = format::Crc32c(f->data() + h.data_offset, h.data_size);
  h.header_crc32c = format::Crc32c(&h, format::kHeaderCrcCoverage);
  std::memcpy(f->data(), &h, sizeof(h));
}

format::Model* MutableModel(std::vector<uint8_t>* f) {
  return format::GetMutableModel(f->data() + format::kHeaderSize);
}

Status LoadBytes(const std::vector<uint8_t>& f, const LoadOptions& o = {}) {
  return LoadedModel::LoadMemory(f.data(), f.size(), /*borrow=*/false, o).status();
}

void ExpectRejected(const std::vector<uint8_t>& f, const std::string& needle,
                    const LoadOptions& o = {}) {
  const Status st = LoadBytes(f, o);
  EXPECT_FALSE(st.ok()) << "expected an error containing '" << needle << "'";
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.ToString();
}

TEST(ModelFormat, RoundTripPreservesEverything) {
  const Graph g = QuantizedModel();
  const std::vector<uint8_t> f = Serialize(g);
  const format::FileHeader h = Header(f);
  EXPECT_EQ(h.data_offset % 64, 0u);
  auto loaded = LoadedModel::LoadMemory(f.data(), f.size(), false);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Graph& r = loaded.value()->graph();
  ASSERT_EQ(r.tensors.size(), g.tensors.size());
  ASSERT_EQ(r.nodes.size(), g.nodes.size());
  EXPECT_EQ(r.inputs, g.inputs);
  EXPECT_EQ(r.outputs, g.outputs);
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const TensorDesc& a = g.tensors[i];
    const TensorDesc& b = r.tensors[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.dtype, b.dtype) << a.name;
    ASSERT_EQ(a.shape.size(), b.shape.size()) << a.name;
    for (size_t d = 0; d < a.shape.size(); ++d) {
      EXPECT_EQ(a.shape[d].value, b.shape[d].value);
      EXPECT_EQ(a.shape[d].symbol, b.shape[d].symbol);
    }
    EXPECT_EQ(a.quant.scales, b.quant.scales) << a.name;
    EXPECT_EQ(a.quant.axis, b.quant.axis) << a.name;
    EXPECT_EQ(a.quant.amax, b.quant.amax) << a.name;
    ASSERT_EQ(a.IsConstant(), b.IsConstant()) << a.name;
    if (a.IsConstant()) {
      ASSERT_EQ(a.data_size, b.data_size);
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.data_size), 0) << a.name;
      EXPECT_EQ(reinterpret_cast<uintptr_t>(b.data()) % 64, 0u) << a.name << " is not aligned";
    }
  }
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& a = g.nodes[i];
    const Node& b = r.nodes[i];
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.inputs, b.inputs);
    EXPECT_EQ(a.outputs, b.outputs);
    EXPECT_EQ(a.attrs.axis, b.attrs.axis);
    EXPECT_EQ(a.attrs.epsilon, b.attrs.epsilon);
    EXPECT_EQ(a.attrs.input_quant.enabled, b.attrs.input_quant.enabled);
    EXPECT_EQ(a.attrs.input_quant.scale, b.attrs.input_quant.scale);
    EXPECT_EQ(a.attrs.transpose_b, b.attrs.transpose_b);
    EXPECT_EQ(a.attrs.alpha, b.attrs.alpha);
    EXPECT_EQ(a.attrs.mask_mode, b.attrs.mask_mode);
    EXPECT_EQ(a.attrs.num_heads, b.attrs.num_heads);
    EXPECT_EQ(a.attrs.start, b.attrs.start);
    EXPECT_EQ(a.attrs.end, b.attrs.end);
    EXPECT_EQ(a.attrs.like_axis, b.attrs.like_axis);
  }
  EXPECT_EQ(r.metadata.producer, "fp8sdk tests");
  EXPECT_EQ(r.metadata.label_names, g.metadata.label_names);
  EXPECT_EQ(r.metadata.dim_limits, g.metadata.dim_limits);
}

TEST(ModelFormat, FileIsMappedAndDataChecksumVerifies) {
  const Graph g = QuantizedModel();
  char path[] = "/tmp/fp8sdk_loader_test_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  ASSERT_TRUE(WriteModelFile(g, path).ok());
  LoadOptions o;
  o.verify_data_checksum = true;
  auto m = LoadedModel::LoadFile(path, o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE(m.value()->is_mapped());
  std::remove(path);
  auto missing = LoadedModel::LoadFile("/nonexistent/model.fp8");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNOT_FOUND);
  EXPECT_NE(missing.status().message().find("/nonexistent/model.fp8"), std::string::npos);
}

// A symbolic link is written through (the link stays); a FIFO is neither
// written over nor waited on when loaded.
TEST(ModelFormat, WritesThroughLinksAndRefusesFifos) {
  const Graph g = QuantizedModel();
  const std::string dir = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  const std::string target = dir + "/loader_target.fp8", link = dir + "/loader_link.fp8",
                    fifo = dir + "/loader_fifo.fp8";
  std::remove(target.c_str());
  std::remove(link.c_str());
  std::remove(fifo.c_str());
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  ASSERT_TRUE(WriteModelFile(g, link).ok());
  struct stat st;
  ASSERT_EQ(lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_TRUE(LoadedModel::LoadFile(target).ok());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const Status w = WriteModelFile(g, fifo);
  EXPECT_FALSE(w.ok());
  EXPECT_NE(w.message().find("not a regular file"), std::string::npos) << w.ToString();
  auto r = LoadedModel::LoadFile(fifo);  // returns at once
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a regular file"), std::string::npos);
  ASSERT_EQ(lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
}

TEST(ModelFormat, BorrowedMemoryIsUsedInPlace) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  // Place the bytes on a 64-byte boundary.
  std::vector<uint8_t> storage(f.size() + 64);
  uint8_t* p = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
  std::memcpy(p, f.data(), f.size());
  auto m = LoadedModel::LoadMemory(p, f.size(), /*borrow=*/true);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const TensorDesc& w = m.value()->graph().tensors[static_cast<size_t>(
      m.value()->graph().FindTensor("embeddings.word_embeddings.weight"))];
  EXPECT_GE(static_cast<const uint8_t*>(w.data()), p);
  EXPECT_LT(static_cast<const uint8_t*>(w.data()), p + f.size());
}

TEST(ModelCorruption, TruncationAnywhereIsRejected) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  std::vector<size_t> cuts = {0, 1, 7, 8, 63, 64, 65, 100};
  for (size_t c = 0; c < f.size(); c += f.size() / 97 + 1) cuts.push_back(c);
  cuts.push_back(f.size() - 1);
  for (size_t cut : cuts) {
    std::vector<uint8_t> t(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(cut));
    const Status st = LoadBytes(t);
    EXPECT_FALSE(st.ok()) << "truncated to " << cut << " of " << f.size() << " bytes";
    EXPECT_EQ(st.code(), StatusCode::kINVALID_MODEL) << st.ToString();
    // Past the header, the message says what is wrong with the file.
    if (cut >= format::kHeaderSize) {
      EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.ToString();
    }
  }
}

TEST(ModelCorruption, RandomByteFlipsAreRejected) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  std::mt19937 rng(77);
  LoadOptions verify_all;
  verify_all.verify_data_checksum = true;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> c = f;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      c[rng() % c.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    if (c == f) continue;
    const Status st = LoadBytes(c, verify_all);
    EXPECT_FALSE(st.ok()) << "trial " << trial;
  }
  // Without the data checksum, flips in the header or FlatBuffer are still
  // caught.
  const format::FileHeader h = Header(f);
  for (int trial = 0; trial < 500; ++trial) {
    std::vector<uint8_t> c = f;
    c[rng() % (h.flatbuffer_offset + h.flatbuffer_size)] ^= 0x10;
    EXPECT_FALSE(LoadBytes(c).ok()) << "trial " << trial;
  }
}

TEST(ModelCorruption, PaddingAndTrailingBytes) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  const format::FileHeader h = Header(f);
  if (h.flatbuffer_offset + h.flatbuffer_size < h.data_offset) {
    std::vector<uint8_t> c = f;
    c[h.data_offset - 1] = 1;
    ExpectRejected(c, "padding");
  }
  std::vector<uint8_t> c = f;
  c.push_back(0);
  ExpectRejected(c, "trailing");
}

TEST(ModelCorruption, WrongMagicIdentifierAndVersion) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  {
    std::vector<uint8_t> c = f;
    c[0] = 'X';
    ExpectRejected(c, "not an fp8sdk model file");
  }
  {
    std::vector<uint8_t> c = f;
    format::FileHeader h = Header(c);
    h.format_major = format::kFormatMajor + 1;
    std::memcpy(c.data(), &h, sizeof(h));
    RefreshChecksums(&c);
    ExpectRejected(c, "needs a newer fp8sdk");
  }
  {
    // The FlatBuffer's file identifier ("FP8M") sits at bytes 4..8 of it.
    std::vector<uint8_t> c = f;
    c[format::kHeaderSize + 4] = 'Z';
    RefreshChecksums(&c);
    ExpectRejected(c, "fails verification");
  }
  {
    std::vector<uint8_t> c = f;
    c[70] ^= 1;
    ExpectRejected(c, "FlatBuffer checksum");
  }
}

TEST(ModelCorruption, OffsetsAndSizesOutOfRange) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  {
    std::vector<uint8_t> c = f;
    format::FileHeader h = Header(c);
    h.data_size = c.size();  // past the end
    std::memcpy(c.data(), &h, sizeof(h));
    RefreshChecksums(&c);
    ExpectRejected(c, "data segment");
  }
  {
    std::vector<uint8_t> c = f;
    format::FileHeader h = Header(c);
    h.flatbuffer_size = ~uint64_t{0} - 10;  // overflows offset + size
    std::memcpy(c.data(), &h, sizeof(h));
    h.header_crc32c = format::Crc32c(&h, format::kHeaderCrcCoverage);
    std::memcpy(c.data(), &h, sizeof(h));
    ExpectRejected(c, "FlatBuffer size");
  }
  {
    std::vector<uint8_t> c = f;
    auto* buffers = MutableModel(&c)->mutable_buffers();
    buffers->GetMutableObject(1)->mutate_offset(1ull << 40);
    RefreshChecksums(&c);
    ExpectRejected(c, "exceeds the data segment");
  }
  {
    std::vector<uint8_t> c = f;
    auto* buffers = MutableModel(&c)->mutable_buffers();
    buffers->GetMutableObject(2)->mutate_size(buffers->Get(2)->size() + 4);
    RefreshChecksums(&c);
    ExpectRejected(c, "needs");  // "... needs N bytes, data has M"
  }
  {
    std::vector<uint8_t> c = f;
    auto* buffers = MutableModel(&c)->mutable_buffers();
    buffers->GetMutableObject(1)->mutate_offset(buffers->Get(1)->offset() + 4);
    RefreshChecksums(&c);
    ExpectRejected(c, "misaligned");
  }
  {
    std::vector<uint8_t> c = f;
    auto* tensors = MutableModel(&c)->mutable_tensors();
    tensors->GetMutableObject(5)->mutate_buffer(100000);
    RefreshChecksums(&c);
    ExpectRejected(c, "buffer index 100000 out of range");
  }
}

TEST(ModelCorruption, IndicesOutOfRange) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  {
    std::vector<uint8_t> c = f;
    auto* op = MutableModel(&c)->mutable_operators()->GetMutableObject(3);
    op->mutable_inputs()->Mutate(0, 99999);
    RefreshChecksums(&c);
    ExpectRejected(c, "refers to tensor 99999");
  }
  {
    std::vector<uint8_t> c = f;
    auto* op = MutableModel(&c)->mutable_operators()->GetMutableObject(3);
    op->mutable_outputs()->Mutate(0, -5);
    RefreshChecksums(&c);
    ExpectRejected(c, "output refers to tensor -5");
  }
  {
    std::vector<uint8_t> c = f;
    MutableModel(&c)->mutable_inputs()->Mutate(0, 1 << 20);
    RefreshChecksums(&c);
    ExpectRejected(c, "model input 0 refers to tensor");
  }
  {
    std::vector<uint8_t> c = f;
    MutableModel(&c)->mutable_outputs()->Mutate(0, 0);  // a model input
    RefreshChecksums(&c);
    ExpectRejected(c, "must be an operator's output");
  }
  {
    std::vector<uint8_t> c = f;
    // Operator 3 is an ADD: its type field is stored (0 would be elided).
    ASSERT_TRUE(MutableModel(&c)->mutable_operators()->GetMutableObject(3)->mutate_type(
        static_cast<format::OpType>(999)));
    RefreshChecksums(&c);
    ExpectRejected(c, "unknown operator type 999");
  }
  {
    std::vector<uint8_t> c = f;
    MutableModel(&c)->mutable_tensors()->GetMutableObject(0)->mutate_dtype(
        static_cast<format::DType>(200));
    RefreshChecksums(&c);
    ExpectRejected(c, "unknown dtype 200");
  }
}

// Graph-level violations written without the writer's checks.
TEST(ModelCorruption, SemanticViolationsNameTheCulprit) {
  struct Case {
    const char* what;
    void (*mutate)(Graph*);
    const char* needle;
  };
  const Case cases[] = {
      {"negative scale",
       [](Graph* g) {
         g->tensors[static_cast<size_t>(
                        g->FindTensor("encoder.layer.0.attention.self.query.weight"))]
             .quant.scales[3] = -1.0f;
       },
       "'encoder.layer.0.attention.self.query.weight': scale 3 is -1"},
      {"NaN scale",
       [](Graph* g) {
         g->tensors[static_cast<size_t>(g->FindTensor("encoder.layer.0.output.dense.weight"))]
             .quant.scales[0] = NAN;
       },
       "scale 0 is nan"},
      {"scales count",
       [](Graph* g) {
         g->tensors[static_cast<size_t>(g->FindTensor("encoder.layer.0.output.dense.weight"))]
             .quant.scales.pop_back();
       },
       "one scale per index"},
      {"K mismatch",
       [](Graph* g) {
         TensorDesc& w = g->tensors[static_cast<size_t>(g->FindTensor("classifier.weight"))];
         w.shape = {FixedDim(4), FixedDim(16)};
       },
       "'classifier' (LINEAR)"},
      {"cycle", [](Graph* g) { std::swap(g->nodes[3], g->nodes[4]); },
       "is not produced by an earlier operator"},
      {"duplicate name", [](Graph* g) { g->tensors[4].name = g->tensors[3].name; },
       "name used twice"},
      {"two producers", [](Graph* g) { g->nodes[2].outputs[0] = g->nodes[1].outputs[0]; },
       "is already defined"},
      {"bad reshape",
       [](Graph* g) {
         for (Node& n : g->nodes) {
           if (n.type == OpType::kSPLIT_HEADS) n.attrs.num_heads = 5;
         }
       },
       "not divisible by 5 heads"},
      {"softmax mask mode",
       [](Graph* g) {
         for (Node& n : g->nodes) {
           if (n.type == OpType::kSOFTMAX) n.attrs.mask_mode = MaskMode::kNone;
         }
       },
       "has a mask input but mask mode NONE"},
      {"huge dimension", [](Graph* g) { g->tensors[0].shape[1] = FixedDim(int64_t{1} << 50); },
       "too large"},
      {"custom fp8",
       [](Graph* g) {
         TensorDesc& w =
             g->tensors[static_cast<size_t>(g->FindTensor("encoder.layer.0.output.dense.weight"))];
         w.dtype = DType::kFP8_CUSTOM;
         w.quant.fp8 = Fp8Format{6, 1, 3, Fp8Specials::kFiniteOnly};
       },
       "exponent bits must be 2..5"},
  };
  for (const Case& k : cases) {
    Graph g = QuantizedModel();
    k.mutate(&g);
    const std::vector<uint8_t> f = SerializeModelUnchecked(g);
    SCOPED_TRACE(k.what);
    ExpectRejected(f, k.needle);
    // The writer refuses the same graph.
    EXPECT_FALSE(SerializeModel(g).ok());
  }
}

// A model that loads also gets a session (what the fuzzer does).
void LoadAndPlan(const std::vector<uint8_t>& bytes, const std::string& what) {
  auto m = LoadedModel::LoadMemory(bytes.data(), bytes.size(), /*borrow=*/false, LoadOptions{});
  if (!m.ok()) {
    EXPECT_FALSE(m.status().message().empty()) << what;
    return;
  }
  SessionOptions o;
  o.device = FP8_DEVICE_REFERENCE;
  o.max_batch = 2;
  o.max_sequence = 8;
  auto s = Session::Create(m.value()->graph(), o);
  if (!s.ok()) EXPECT_FALSE(s.status().message().empty()) << what;
}

// Flips behind valid checksums reach the FlatBuffer verifier and the
// semantic checks: each file loads or is refused with a message (under
// ASan + UBSan in CI, without any memory or undefined-behaviour report).
TEST(ModelCorruption, FlipsBehindRefreshedChecksumsLoadOrFail) {
  const std::vector<uint8_t> f = Serialize(QuantizedModel());
  const format::FileHeader h = Header(f);
  std::mt19937 rng(78);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> c = f;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      c[format::kHeaderSize + rng() % h.flatbuffer_size] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    format::RefreshChecksums(c.data(), c.size());
    LoadAndPlan(c, "trial " + std::to_string(trial));
  }
}

// Inputs the fuzzer once failed on (fuzz/regressions/model_loader_fuzzer/),
// prepared as the fuzzer prepares them.
TEST(ModelCorruption, FuzzerRegressions) {
  for (const char* name : {"misaligned_buffer_refs"}) {
    const std::string path = std::string("fuzz/regressions/model_loader_fuzzer/") + name;
    FILE* fp = std::fopen(path.c_str(), "rb");
    ASSERT_NE(fp, nullptr) << path;
    std::vector<uint8_t> bytes;
    uint8_t buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof(buf), fp)) > 0;)
      bytes.insert(bytes.end(), buf, buf + n);
    std::fclose(fp);
    if (bytes.size() % 4 != 3) format::RefreshChecksums(bytes.data(), bytes.size());
    LoadAndPlan(bytes, name);
  }
}

}  // namespace
}  // namespace fp8sdk
