#include "tools/common/output_path.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace fp8sdk {
namespace tools {
namespace {

std::string TempDir() {
  const char* t = std::getenv("TEST_TMPDIR");
  return t ? t : "/tmp";
}

void Touch(const std::string& p) { std::ofstream(p) << "x"; }

TEST(OutputPathTest, RefusesAnInputAFileInAnInputDirectoryAndNonRegularFiles) {
  const std::string dir = TempDir() + "/out_path_model";
  mkdir(dir.c_str(), 0755);
  const std::string weights = dir + "/model.safetensors", vocab = TempDir() + "/out_vocab.txt";
  Touch(weights);
  Touch(vocab);
  EXPECT_NE(CheckOutputPath(vocab, {dir, vocab}).find("is an input"), std::string::npos);
  EXPECT_NE(CheckOutputPath(weights, {dir, vocab}).find("is an input"), std::string::npos);
  // The same file through a symbolic link.
  const std::string link = TempDir() + "/out_link";
  unlink(link.c_str());
  ASSERT_EQ(symlink(vocab.c_str(), link.c_str()), 0);
  EXPECT_NE(CheckOutputPath(link, {vocab}).find("is an input"), std::string::npos);
  EXPECT_NE(CheckOutputPath(dir, {}).find("not a regular file"), std::string::npos);
  EXPECT_NE(CheckOutputPath("/dev/null", {}).find("not a regular file"), std::string::npos);
  // A new file, or an unrelated existing one, is fine.
  EXPECT_EQ(CheckOutputPath(TempDir() + "/out_new.fp8", {dir, vocab}), "");
  EXPECT_NE(CheckOutputPath("/nonexistent-dir/x.json", {}).find("no directory '/nonexistent-dir'"),
            std::string::npos);
  EXPECT_NE(CheckOutputPath(vocab + "/x.json", {}).find("no directory"), std::string::npos);
  // Earlier outputs in a model directory may be replaced (a re-run).
  Touch(dir + "/eval.json");
  Touch(dir + "/model.fp8");
  EXPECT_EQ(CheckOutputPath(dir + "/eval.json", {dir}), "");
  EXPECT_EQ(CheckOutputPath(dir + "/model.fp8", {dir}), "");
  Touch(dir + "/config.json");
  EXPECT_NE(CheckOutputPath(dir + "/config.json", {dir}).find("is an input"), std::string::npos);
  const std::string other = TempDir() + "/out_other.fp8";
  Touch(other);
  EXPECT_EQ(CheckOutputPath(other, {dir, vocab}), "");
}

TEST(OutputPathTest, WriteTextFileSaysWhyItCannotWrite) {
  const std::string p = TempDir() + "/out_text.json";
  EXPECT_EQ(WriteTextFile(p, "{}\n"), "");
  std::ifstream in(p);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(s, "{}\n");
  const std::string why = WriteTextFile("/nonexistent-dir/x.json", "{}");
  EXPECT_NE(why.find("/nonexistent-dir/x.json"), std::string::npos) << why;
  EXPECT_NE(why.find("No such file"), std::string::npos) << why;
  EXPECT_NE(WriteTextFile(TempDir(), "{}").find("Is a directory"), std::string::npos);
}

}  // namespace
}  // namespace tools
}  // namespace fp8sdk
