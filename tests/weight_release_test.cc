// Weights a backend keeps in its own form (the CPU backend packs FP8 weights)
// are dropped from the mapped model file's resident pages once every reader
// has said so (fp8_graph_api_t::tensor_const_done), and nothing changes for
// anyone who reads them later: the pages come back from the file.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "formats/model_writer.h"
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"
#include "tests/test_models.h"

namespace fp8sdk {
namespace {

// Pages of [p, p + size) that are mapped in this process (/proc/self/pagemap,
// bit 63), counting whole pages inside the range only; -1 if unreadable.
long ResidentPages(const void* p, size_t size) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + size) / page;
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long resident = 0;
  for (uintptr_t i = begin; i < end; ++i) {
    uint64_t e = 0;
    if (pread(fd, &e, sizeof(e), static_cast<off_t>(i * sizeof(e))) != sizeof(e)) {
      resident = -1;
      break;
    }
    if (e >> 63) ++resident;
  }
  close(fd);
  return resident;
}

size_t WholePages(size_t size) { return size / static_cast<size_t>(sysconf(_SC_PAGESIZE)) - 1; }

std::vector<float> RunOn(const Graph& g, fp8_device_kind_t device,
                         const testing::TinyBertInputs& in, std::string* description) {
  SessionOptions o;
  o.device = device;
  o.max_batch = in.batch;
  o.max_sequence = in.sequence;
  auto s = Session::Create(g, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  *description = s.value()->Describe();
  EXPECT_TRUE(testing::SetBertInputs(s.value().get(), in).ok());
  EXPECT_TRUE(s.value()->Run().ok());
  TensorView v;
  EXPECT_TRUE(s.value()->GetOutput("logits", &v).ok());
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / sizeof(float));
}

class WeightReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cfg_.hidden = 256;
    cfg_.intermediate = 1024;  // 256 KiB FP8 feed-forward weights
    weights_ = testing::MakeTinyBertWeights(cfg_);
    testing::TinyBertQuant q;
    graph_ = testing::BuildTinyBert(cfg_, weights_, &q);
    path_ = ::testing::TempDir() + "/weight_release_test.fp8";
    ASSERT_TRUE(WriteModelFile(graph_, path_).ok());
    inputs_ = testing::MakeTinyBertInputs(cfg_, 2, 16, 3);
  }
  void TearDown() override { std::remove(path_.c_str()); }

  testing::TinyBertConfig cfg_;
  testing::TinyBertWeights weights_;
  Graph graph_;
  std::string path_;
  testing::TinyBertInputs inputs_;
};

TEST_F(WeightReleaseTest, PackedWeightsLeaveTheMappedFileAndComeBackForOtherReaders) {
  auto model = LoadedModel::LoadFile(path_);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const Graph& g = model.value()->graph();
  ASSERT_TRUE(g.constants_file_mapped);
  // The reference backend's answer from the in-memory graph (never released).
  std::string ref_desc;
  const std::vector<float> want = RunOn(graph_, FP8_DEVICE_REFERENCE, inputs_, &ref_desc);

  std::string cpu_desc;
  const std::vector<float> cpu = RunOn(g, FP8_DEVICE_CPU, inputs_, &cpu_desc);
  EXPECT_NE(cpu_desc.find("of the mapped file dropped"), std::string::npos) << cpu_desc;
  size_t checked = 0;
  for (const std::string& name : testing::TinyBertLinearNames(cfg_)) {
    const TensorDesc& t = g.tensors[static_cast<size_t>(g.FindTensor(name))];
    const size_t pages = WholePages(t.data_size);
    if (pages < 48) continue;
    // The CPU backend packed it and said so: its pages left the process. A
    // neighbour read since (a bias, at run) maps its fault-around window
    // back (16 pages by default, 64 KiB-aligned), so up to that much at
    // either end may be back.
    const long resident = ResidentPages(t.data(), t.data_size);
    EXPECT_GE(resident, 0);
    EXPECT_LE(resident, 32) << name << ": " << resident << " of " << pages << " pages resident";
    ++checked;
  }
  EXPECT_GE(checked, 2u);  // the feed-forward weights
  ASSERT_EQ(cpu.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(cpu[i], want[i], 1e-4) << i;

  // A later session on the same model reads the weights in place: the pages
  // come back from the file and the answer is the reference's, bit for bit.
  std::string again_desc;
  const std::vector<float> again = RunOn(g, FP8_DEVICE_REFERENCE, inputs_, &again_desc);
  EXPECT_EQ(again_desc.find("dropped"), std::string::npos) << again_desc;
  ASSERT_EQ(again.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(again[i], want[i]) << i;
  const TensorDesc& w =
      g.tensors[static_cast<size_t>(g.FindTensor(testing::TinyBertLinearNames(cfg_)[0]))];
  EXPECT_GT(ResidentPages(w.data(), w.data_size), 0) << "read back from the file";
}

TEST_F(WeightReleaseTest, ModelsInMemoryAreNeverDropped) {
  std::ifstream f(path_, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto model = LoadedModel::LoadMemory(bytes.data(), bytes.size(), /*borrow=*/false);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_FALSE(model.value()->graph().constants_file_mapped);
  std::string desc;
  const std::vector<float> cpu = RunOn(model.value()->graph(), FP8_DEVICE_CPU, inputs_, &desc);
  EXPECT_EQ(desc.find("dropped"), std::string::npos) << desc;
  EXPECT_FALSE(cpu.empty());
}

}  // namespace
}  // namespace fp8sdk
