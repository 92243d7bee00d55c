// Plugin discovery for tools, tests and benchmarks: the first workspace root
// that holds a plugin wins, with every plugin it holds.
#include "tools/common/bundled_plugins.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace fp8sdk {
namespace tools {
namespace {

class BundledPluginsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string templ = std::string(tmp ? tmp : "/tmp") + "/plugins_XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  // Makes root/backends/name/libfp8_backend_name.so (an empty file).
  std::string Plugin(const std::string& root, const std::string& name) {
    std::string d = dir_ + "/" + root;
    mkdir(d.c_str(), 0700);
    d += "/backends";
    mkdir(d.c_str(), 0700);
    d += "/" + name;
    mkdir(d.c_str(), 0700);
    std::FILE* f = std::fopen((d + "/libfp8_backend_" + name + ".so").c_str(), "w");
    EXPECT_NE(f, nullptr);
    if (f) std::fclose(f);
    return d;
  }
  std::string dir_;
};

TEST_F(BundledPluginsTest, FirstRootWithAPluginWinsWithAllItsPlugins) {
  const std::string vulkan = Plugin("b", "vulkan");
  const std::string cuda = Plugin("b", "cuda");
  Plugin("c", "vulkan");
  // "a" does not exist, "b" holds both plugins, "c" comes too late.
  EXPECT_EQ(BundledPluginPath({dir_ + "/a", dir_ + "/b", dir_ + "/c"}), vulkan + ":" + cuda);
  EXPECT_EQ(BundledPluginPath({dir_ + "/c", dir_ + "/b"}), dir_ + "/c/backends/vulkan");
}

TEST_F(BundledPluginsTest, NoPluginAnywhereIsEmpty) {
  EXPECT_EQ(BundledPluginPath({}), "");
  EXPECT_EQ(BundledPluginPath({dir_, dir_ + "/missing"}), "");
}

// Keeps FP8SDK_BACKEND_PATH as it was around a test.
class SavedPath {
 public:
  SavedPath() {
    const char* p = std::getenv("FP8SDK_BACKEND_PATH");
    had_ = p != nullptr;
    if (had_) value_ = p;
  }
  ~SavedPath() {
    if (had_) {
      setenv("FP8SDK_BACKEND_PATH", value_.c_str(), 1);
    } else {
      unsetenv("FP8SDK_BACKEND_PATH");
    }
  }

 private:
  bool had_ = false;
  std::string value_;
};

TEST_F(BundledPluginsTest, AnExplicitPathWins) {
  SavedPath saved;
  setenv("FP8SDK_BACKEND_PATH", "/explicit", 1);
  UseBundledPlugins();
  EXPECT_STREQ(std::getenv("FP8SDK_BACKEND_PATH"), "/explicit");
}

// This test's runfiles hold the plugins built with the library (its data:
// both on x86-64, no CUDA plugin on ARM): found, each directory with its
// plugin in it.
TEST_F(BundledPluginsTest, FindsThePluginsBuiltWithTheBinary) {
  SavedPath saved;
  unsetenv("FP8SDK_BACKEND_PATH");
  UseBundledPlugins();
  const char* found = std::getenv("FP8SDK_BACKEND_PATH");
  ASSERT_NE(found, nullptr);
  std::vector<std::string> dirs;
  for (std::string rest = found;;) {
    const size_t colon = rest.find(':');
    dirs.push_back(rest.substr(0, colon));
    if (colon == std::string::npos) break;
    rest = rest.substr(colon + 1);
  }
#if FP8SDK_BUNDLES_CUDA
  const std::vector<std::string> names = {"vulkan", "cuda"};
#else
  const std::vector<std::string> names = {"vulkan"};
#endif
  ASSERT_EQ(dirs.size(), names.size()) << found;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& name = names[i];
    const std::string tail = "/backends/" + name;
    const std::string& dir = dirs[i];
    ASSERT_GE(dir.size(), tail.size());
    EXPECT_EQ(dir.substr(dir.size() - tail.size()), tail) << found;
    EXPECT_EQ(access((dir + "/libfp8_backend_" + name + ".so").c_str(), R_OK), 0) << dir;
  }
}

}  // namespace
}  // namespace tools
}  // namespace fp8sdk
