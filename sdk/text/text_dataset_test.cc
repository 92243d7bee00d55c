#include "sdk/text/text_dataset.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sdk/text/text_test_util.h"

namespace fp8sdk::text {
namespace {

using Strings = std::vector<std::string>;
using Labels = std::vector<int32_t>;

TextDataset Parse(const std::string& contents, TextFileFormat format = TextFileFormat::kAuto) {
  auto r = ParseTextDataset(contents, "mem.tsv", format);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : TextDataset{};
}

std::string ErrorOf(const std::string& contents, TextFileFormat format = TextFileFormat::kAuto) {
  auto r = ParseTextDataset(contents, "mem.tsv", format);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kINVALID_ARGUMENT);
  return r.status().message();
}

TEST(TextDatasetTest, LabelContentHeader) {
  TextDataset ds = Parse("label\tcontent\n0\tbad movie .\n1\tgreat fun\n");
  EXPECT_TRUE(ds.has_labels);
  EXPECT_EQ(ds.sentences, (Strings{"bad movie .", "great fun"}));
  EXPECT_EQ(ds.labels, (Labels{0, 1}));
}

TEST(TextDatasetTest, GlueSentenceLabelHeaderCrLfAndBom) {
  TextDataset ds = Parse("\xEF\xBB\xBFsentence\tlabel\r\nit 's good \t1\r\nmeh\t0\r\n\r\n");
  EXPECT_TRUE(ds.has_labels);
  EXPECT_EQ(ds.sentences, (Strings{"it 's good ", "meh"}));
  EXPECT_EQ(ds.labels, (Labels{1, 0}));
}

TEST(TextDatasetTest, NoHeader) {
  TextDataset ds = Parse("1\tyes\n0\tno\n-3\tnegative label");
  EXPECT_EQ(ds.sentences, (Strings{"yes", "no", "negative label"}));
  EXPECT_EQ(ds.labels, (Labels{1, 0, -3}));
}

TEST(TextDatasetTest, HeaderWithoutLabelColumn) {
  TextDataset ds = Parse("index\tsentence\n0\tfirst\n1\tsecond\n");
  EXPECT_FALSE(ds.has_labels);
  EXPECT_TRUE(ds.labels.empty());
  EXPECT_EQ(ds.sentences, (Strings{"first", "second"}));
}

TEST(TextDatasetTest, BinaryFilesAreRefused) {
  EXPECT_EQ(ErrorOf(std::string("one\ntwo\nFP8\0\x01model", 18)),
            "mem.tsv:3: a NUL byte: this is not a text file");
}

TEST(TextDatasetTest, PlainText) {
  TextDataset ds = Parse("first sentence\n\nsecond one\r\n   \nthird");
  EXPECT_FALSE(ds.has_labels);
  EXPECT_EQ(ds.sentences, (Strings{"first sentence", "second one", "third"}));
  // Forced plain text keeps tabs inside sentences.
  TextDataset tabs = Parse("a\tb\n", TextFileFormat::kPlainText);
  EXPECT_EQ(tabs.sentences, (Strings{"a\tb"}));
  EXPECT_TRUE(Parse("").sentences.empty());
}

TEST(TextDatasetTest, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(ErrorOf("label\tcontent\n0\tok\nx\tbad label\n"),
            "mem.tsv:3: label 'x' is not a number");
  EXPECT_EQ(ErrorOf("label\tcontent\n0\tok\n1\ttoo\tmany\n"),
            "mem.tsv:3: expected 2 tab-separated fields, found 3");
  EXPECT_EQ(ErrorOf("label\tcontent\n0\tok\nno tab here\n"),
            "mem.tsv:3: expected 2 tab-separated fields, found 1");
  EXPECT_EQ(ErrorOf("label\tcontent\n0\tok\n\n1\tafter blank\n"), "mem.tsv:3: empty line");
  EXPECT_EQ(ErrorOf("label\tcontent\n0\tok\n1e999\ttoo big\n"),
            "mem.tsv:3: label '1e999' is not a number");
  EXPECT_NE(ErrorOf("foo\tbar\n1\tx\n").find("mem.tsv:1: header 'foo\tbar' has no text column"),
            std::string::npos);
}

TEST(TextDatasetTest, RegressionLabelsAreNumbers) {
  // STS-B style: a score per sentence; class labels are then absent.
  TextDataset ds = Parse("label\tsentence\n3.8\ta\n1\tb\n-0.5\tc\n");
  EXPECT_TRUE(ds.has_labels);
  EXPECT_FALSE(ds.integer_labels);
  EXPECT_TRUE(ds.labels.empty());
  EXPECT_EQ(ds.label_values, (std::vector<float>{3.8f, 1.0f, -0.5f}));
  TextDataset classes = Parse("label\tsentence\n1\ta\n0\tb\n");
  EXPECT_TRUE(classes.integer_labels);
  EXPECT_EQ(classes.labels, (std::vector<int32_t>{1, 0}));
  EXPECT_EQ(classes.label_values, (std::vector<float>{1.0f, 0.0f}));
}

TEST(TextDatasetTest, FileErrors) {
  auto missing = ReadTextDataset("/nonexistent/sst2/dev.tsv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNOT_FOUND);
  EXPECT_NE(missing.status().message().find("/nonexistent/sst2/dev.tsv"), std::string::npos);

  auto dir = ReadTextDataset(testing::TempPath(""));
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kIO_ERROR);
  EXPECT_NE(dir.status().message().find("is a directory"), std::string::npos);

  const std::string path = testing::TempPath("bad.tsv");
  ASSERT_TRUE(testing::WriteFile(path, "label\tcontent\n1\tfine\n2\n"));
  auto bad = ReadTextDataset(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), path + ":3: expected 2 tab-separated fields, found 1");
}

TEST(TextDatasetTest, Sst2Dev) {
  const std::string data = testing::DataDir();
  if (data.empty()) GTEST_SKIP() << "FP8SDK_DATA is not set (the shared data directory)";
  const std::string path = data + "/sst2/dev.tsv";
  if (!testing::FileExists(path)) GTEST_SKIP() << "missing " << path;
  auto ds = ReadTextDataset(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  ASSERT_EQ(ds->sentences.size(), 872u);
  ASSERT_EQ(ds->labels.size(), 872u);
  EXPECT_EQ(ds->sentences[0], "one long string of cliches .");
  EXPECT_EQ(ds->labels[0], 0);
  int positives = 0;
  for (int32_t l : ds->labels) {
    ASSERT_TRUE(l == 0 || l == 1);
    positives += l;
  }
  std::printf("SST-2 dev: %zu sentences, %d positive\n", ds->sentences.size(), positives);
}

}  // namespace
}  // namespace fp8sdk::text
