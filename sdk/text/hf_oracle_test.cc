// The tokenizer against Hugging Face tokenizers (the Rust library, through
// its npm binding @anush008/tokenizers run by node; testdata/hf_tokenize.js):
// every SST-2 sentence, sentence pairs with truncation and padding, hard
// cases, and every Unicode code point.
//
// Needs FP8SDK_DATA (vocab/bert-base-uncased-vocab.txt, sst2/dev.tsv),
// FP8SDK_NODE_MODULES (with @anush008/tokenizers) and node on PATH or at
// /usr/bin/node; skips, saying what is missing, without them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sdk/text/basic_tokenizer.h"
#include "sdk/text/text_dataset.h"
#include "sdk/text/text_test_util.h"
#include "sdk/text/wordpiece.h"

namespace fp8sdk::text {
namespace {

using Ids = std::vector<int32_t>;

struct Example {
  std::string a;
  std::string b;
  bool is_pair = false;
};

struct OracleOutput {
  Ids ids, types, mask;
  std::vector<std::string> tokens;
};

struct OracleFlags {
  int max_length = 0;
  bool pad = false;
  bool special = false;
  // BertNormalizer options, as in TokenizerOptions.
  bool lower_case = true;
  bool strip_accents = true;
  bool cjk = true;
};

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

std::string Hex(const std::string& s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string FindNode() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/node";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return access("/usr/bin/node", X_OK) == 0 ? "/usr/bin/node" : "";
}

std::string ScriptPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  const std::string rel = "sdk/text/testdata/hf_tokenize.js";
  if (srcdir != nullptr && workspace != nullptr) {
    const std::string p = std::string(srcdir) + "/" + workspace + "/" + rel;
    if (testing::FileExists(p)) return p;
  }
  return rel;
}

class HfOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string data = testing::DataDir();
    if (data.empty()) GTEST_SKIP() << "FP8SDK_DATA is not set (the shared data directory)";
    vocab_ = data + "/vocab/bert-base-uncased-vocab.txt";
    if (!testing::FileExists(vocab_)) GTEST_SKIP() << "missing " << vocab_;
    node_ = FindNode();
    if (node_.empty()) GTEST_SKIP() << "node not found on PATH or at /usr/bin/node";
    const char* modules = std::getenv("FP8SDK_NODE_MODULES");
    if (modules == nullptr || *modules == '\0') {
      GTEST_SKIP() << "FP8SDK_NODE_MODULES is not set (tools/npm/node_modules; see tools/setup.sh)";
    }
    modules_ = modules;
    if (!testing::FileExists(modules_ + "/@anush008/tokenizers/package.json")) {
      GTEST_SKIP() << "npm module @anush008/tokenizers missing from " << modules_
                   << " (run tools/setup.sh)";
    }
    script_ = ScriptPath();
    if (!testing::FileExists(script_)) GTEST_SKIP() << "missing oracle script " << script_;
    auto t = WordPieceTokenizer::FromVocabFile(vocab_);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    tokenizer_.emplace(std::move(t).value());
    TokenizerOptions plain;
    plain.recognize_special_tokens = false;
    auto p = WordPieceTokenizer::FromVocabFile(vocab_, plain);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    plain_tokenizer_.emplace(std::move(p).value());
  }

  // Runs the oracle over the examples; fails the test (returning false) if it
  // cannot.
  bool RunOracle(const std::vector<Example>& examples, const OracleFlags& flags,
                 std::vector<OracleOutput>* out) {
    bool all_single = true;
    std::string input;
    for (const Example& e : examples) {
      input += Hex(e.a);
      if (e.is_pair) input += "\t" + Hex(e.b);
      input += "\n";
      all_single = all_single && !e.is_pair;
    }
    const std::string in_path = testing::TempPath("oracle_in.txt");
    const std::string err_path = testing::TempPath("oracle_err.txt");
    if (!testing::WriteFile(in_path, input)) {
      ADD_FAILURE() << "cannot write " << in_path;
      return false;
    }
    std::string cmd = ShellQuote(node_) + " " + ShellQuote(script_) + " --vocab " +
                      ShellQuote(vocab_) + " --node-modules " + ShellQuote(modules_);
    if (flags.max_length > 0) cmd += " --max-length " + std::to_string(flags.max_length);
    if (flags.pad) cmd += " --pad";
    if (flags.special) cmd += " --special";
    cmd += std::string(" --lowercase ") + (flags.lower_case ? "1" : "0");
    cmd += std::string(" --strip-accents ") + (flags.strip_accents ? "1" : "0");
    cmd += std::string(" --cjk ") + (flags.cjk ? "1" : "0");
    if (all_single) cmd += " --batch";
    cmd += " < " + ShellQuote(in_path) + " 2> " + ShellQuote(err_path);
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "cannot run: " << cmd;
      return false;
    }
    std::string output;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
    const int status = pclose(pipe);
    if (status != 0) {
      std::ifstream err(err_path);
      std::stringstream msg;
      msg << err.rdbuf();
      ADD_FAILURE() << "oracle failed (status " << status << "): " << cmd << "\n" << msg.str();
      return false;
    }
    out->clear();
    std::stringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded()) {
        ADD_FAILURE() << "bad oracle output line: " << line;
        return false;
      }
      OracleOutput o;
      o.ids = j["ids"].get<Ids>();
      o.types = j["types"].get<Ids>();
      o.mask = j["mask"].get<Ids>();
      o.tokens = j["tokens"].get<std::vector<std::string>>();
      out->push_back(std::move(o));
    }
    if (out->size() != examples.size()) {
      ADD_FAILURE() << "oracle returned " << out->size() << " results for " << examples.size()
                    << " examples";
      return false;
    }
    return true;
  }

  std::string Describe(const WordPieceTokenizer& t, const Ids& ids) {
    std::string s;
    for (int32_t id : ids) s += std::string(t.IdToToken(id)) + " ";
    return s;
  }

  // Encodes every example with `t` and compares ids, types and mask with the
  // oracle. Returns the number that match; reports the first mismatches.
  size_t CompareAll(const WordPieceTokenizer& t, const std::vector<Example>& examples,
                    const OracleFlags& flags, const std::vector<std::string>* labels = nullptr) {
    std::vector<OracleOutput> expected;
    if (!RunOracle(examples, flags, &expected)) return 0;
    const EncodeOptions options{flags.max_length, flags.pad};
    size_t matched = 0, reported = 0;
    for (size_t i = 0; i < examples.size(); ++i) {
      const Example& e = examples[i];
      auto r = e.is_pair ? t.EncodePair(e.a, e.b, options) : t.Encode(e.a, options);
      if (!r.ok()) {
        ADD_FAILURE() << r.status().ToString();
        continue;
      }
      for (int32_t id : r->input_ids) {
        EXPECT_TRUE(id >= 0 && id < t.vocab_size()) << id;
      }
      const OracleOutput& o = expected[i];
      if (r->input_ids == o.ids && r->token_type_ids == o.types && r->attention_mask == o.mask) {
        ++matched;
      } else if (reported++ < 10) {
        std::string hf;
        for (const std::string& tok : o.tokens) hf += tok + " ";
        ADD_FAILURE() << "example " << i << (labels != nullptr ? " (" + (*labels)[i] + ")" : "")
                      << " differs: text '" << e.a << "'"
                      << (e.is_pair ? " / '" + e.b + "'" : std::string())
                      << "\n  ours: " << Describe(t, r->input_ids) << "\n  HF:   " << hf;
      }
    }
    return matched;
  }

  std::vector<Example> Singles(const std::vector<std::string>& texts) {
    std::vector<Example> v;
    for (const std::string& s : texts) v.push_back({s, "", false});
    return v;
  }

  std::string vocab_, node_, modules_, script_;
  std::optional<WordPieceTokenizer> tokenizer_, plain_tokenizer_;
};

Result<TextDataset> ReadSst2(const std::string& split) {
  return ReadTextDataset(testing::DataDir() + "/sst2/" + split + ".tsv");
}

TEST_F(HfOracleTest, OracleReproducesKnownBertTokenization) {
  // The Hugging Face documentation's example, and "unaffable", which the
  // bert-base-uncased vocabulary splits as una ##ffa ##ble (greedy
  // longest-match-first takes "una" before "un").
  std::vector<OracleOutput> o;
  ASSERT_TRUE(RunOracle(Singles({"I have a new GPU!", "unaffable"}), {}, &o));
  EXPECT_EQ(o[0].tokens, (std::vector<std::string>{"[CLS]", "i", "have", "a", "new", "gp", "##u",
                                                   "!", "[SEP]"}));
  EXPECT_EQ(o[1].tokens, (std::vector<std::string>{"[CLS]", "una", "##ffa", "##ble", "[SEP]"}));
  EXPECT_EQ(tokenizer_->Tokenize("unaffable"), (std::vector<std::string>{"una", "##ffa", "##ble"}));
}

TEST_F(HfOracleTest, AllSst2DevSentencesMatch) {
  auto dev = ReadSst2("dev");
  if (!dev.ok() && dev.status().code() == StatusCode::kNOT_FOUND) {
    GTEST_SKIP() << dev.status().ToString();
  }
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  ASSERT_EQ(dev->sentences.size(), 872u);
  const size_t matched = CompareAll(*tokenizer_, Singles(dev->sentences), {});
  EXPECT_EQ(matched, 872u);
  std::printf("SST-2 dev: %zu of %zu sentences equal Hugging Face's ids\n", matched,
              dev->sentences.size());

  // Speed: the whole dev set through EncodeBatch, best of several runs.
  double best = 1e30;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    auto batch = tokenizer_->EncodeBatch(dev->sentences);
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_TRUE(batch.ok());
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  std::printf("tokenize SST-2 dev (872 sentences, EncodeBatch): %.2f ms = %.0f sentences/s\n",
              best * 1e3, 872 / best);
  RecordProperty("dev_tokenize_ms", std::to_string(best * 1e3));
  EXPECT_LT(best, 0.1);
}

TEST_F(HfOracleTest, AllSst2TrainSentencesMatch) {
  auto train = ReadSst2("train");
  if (!train.ok() && train.status().code() == StatusCode::kNOT_FOUND) {
    GTEST_SKIP() << train.status().ToString();
  }
  ASSERT_TRUE(train.ok()) << train.status().ToString();
  const size_t matched = CompareAll(*tokenizer_, Singles(train->sentences), {});
  EXPECT_EQ(matched, train->sentences.size());
  std::printf("SST-2 train: %zu of %zu sentences equal Hugging Face's ids\n", matched,
              train->sentences.size());
}

TEST_F(HfOracleTest, Sst2TruncatedPaddedSinglesAndPairs) {
  auto dev = ReadSst2("dev");
  if (!dev.ok() && dev.status().code() == StatusCode::kNOT_FOUND) {
    GTEST_SKIP() << dev.status().ToString();
  }
  ASSERT_TRUE(dev.ok()) << dev.status().ToString();
  const std::vector<std::string>& s = dev->sentences;
  std::vector<Example> pairs;
  for (size_t i = 0; i + 1 < s.size(); ++i) pairs.push_back({s[i], s[i + 1], true});
  for (int max_length : {16, 33}) {
    const OracleFlags flags{max_length, /*pad=*/true, /*special=*/false};
    EXPECT_EQ(CompareAll(*tokenizer_, pairs, flags), pairs.size()) << max_length;
    EXPECT_EQ(CompareAll(*tokenizer_, Singles(s), flags), s.size()) << max_length;
  }

  // The batch API gives the same rows as the oracle.
  std::vector<OracleOutput> expected;
  ASSERT_TRUE(RunOracle(Singles(s), {24, true, false}, &expected));
  auto batch = tokenizer_->EncodeBatch(s, BatchOptions{24, true});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->seq_len, 24);
  size_t rows_equal = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    bool same = true;
    for (int j = 0; j < 24; ++j) {
      same = same && batch->input_ids[i * 24 + j] == expected[i].ids[j] &&
             batch->token_type_ids[i * 24 + j] == expected[i].types[j] &&
             batch->attention_mask[i * 24 + j] == expected[i].mask[j];
    }
    rows_equal += same ? 1 : 0;
  }
  EXPECT_EQ(rows_equal, s.size());
}

// Hard cases: accents, CJK, emoji, punctuation runs, mixed case, control
// characters, invalid UTF-8, long words, special tokens in text.
std::vector<std::string> TrickySentences() {
  std::vector<std::string> v = {
      "Héllo Wörld! Ça va? naïve façade, jalapeño, Ærøskøbing, smörgåsbord",
      "ÀÉÎÕÜ àéîõü ÅåØøß ẞ Ĳ ŉ Ǆ ǅ",
      "Tiếng Việt có dấu: Nguyễn Phương Thảo",
      "ΟΔΟΣ οδός ΣΊΣΥΦΟΣ İstanbul ıi I İ",
      "中文字符和English混合，你好，世界！",
      "日本語のテキスト、カタカナとひらがな。東京タワー",
      "한국어 텍스트 테스트",
      "豈更車 (CJK compatibility ideographs) 𠀀𪜀",
      "I love it 😀😂👍🏽 ❤️ 🇺🇸 👨‍👩‍👧 🥰 🫠",
      "Wow!!! ... ?!?! --- ((x)) \"quoted\" 'single' `back` ~tilde~ @at #hash $5.99 %50",
      "^caret& *star* _under_ +plus= {brace} [bracket] |pipe| \\back/slash <a> ;:",
      "«guillemets» „quotes“ “curly” ‘single’ — – … ¡¿ · • ※ ‰ ′″ ・",
      "McDonald's iPhone NASA eBay YouTube ThIs Is MiXeD CaSe",
      "tab\there new\nline cr\rreturn bell\x07 del\x7f esc\x1b[0m",
      std::string("nul\0byte", 8),
      "zero\u200bwidth bom\ufeffmark soft\u00adhyphen rtl\u200fmark",
      "a\u00a0b\u2003c\u3000d\u202fe\u205ff\u1680g\u2028h\u2029i\u0085j\x0bk\x0cl\x1cm",
      "e\u0301\u0327 a\u0316\u0301 \u0301start x\u20ddy o\u0308\u0304",
      "x\U0001D16D\U0001D165y \U0001D15E \U0001D160 q\u0F71\u0F72r",
      "Å K Ω ﬁ ﬂ Ⅻ ½ ² ① ＡＢＣ１２３！",
      "مَرْحَبًا بِالْعَالَم שָׁלוֹם नमस्ते दुनिया สวัสดีครับ",
      "\ue000private \U000F0000plane \ufffe\uffff nonchar \U000E0041tag",
      "ab\xff"
      "cd \xc3\x28 \xe2\x82 x\xed\xa0\x80y \xc0\xaf \xf0\x9f\x98",
      "",
      "   \t\n  ",
      "<br /><br />This movie was great&nbsp;! https://example.com/path?q=1&r=2 user@example.com",
      "3.14159 1,000,000 -42 +7 1e-5 0x1F 2nd 21st",
      "supercalifragilisticexpialidocious antidisestablishmentarianism "
      "pneumonoultramicroscopicsilicovolcanoconiosis",
      "[CLS] [SEP] [PAD] [UNK] [MASK] [cls] [SEP][SEP]x[MASK]y ##ing ## #",
  };
  // Words around the 100-character limit, in ASCII and with accents that
  // normalization removes (the limit counts normalized characters).
  for (int n : {99, 100, 101, 150}) v.push_back(std::string(n, 'a') + " end");
  std::string e100;
  for (int i = 0; i < 100; ++i) e100 += "é";
  v.push_back(e100);
  v.push_back(e100 + "é");
  v.push_back(std::string(60, 'x') + "!" + std::string(60, 'y'));
  std::string words;
  for (int i = 0; i < 200; ++i) words += "word" + std::to_string(i) + " ";
  v.push_back(words);
  return v;
}

TEST_F(HfOracleTest, TrickySentencesMatch) {
  const std::vector<std::string> s = TrickySentences();
  EXPECT_EQ(CompareAll(*plain_tokenizer_, Singles(s), {}), s.size());
  // Special tokens in text, as a tokenizer from from_pretrained sees them.
  EXPECT_EQ(CompareAll(*tokenizer_, Singles(s), {0, false, /*special=*/true}), s.size());
  // Pairs of them, truncated longest-first and padded.
  std::vector<Example> pairs;
  for (size_t i = 0; i < s.size(); ++i) pairs.push_back({s[i], s[(i * 7 + 3) % s.size()], true});
  EXPECT_EQ(CompareAll(*plain_tokenizer_, pairs, {20, true, false}), pairs.size());
  EXPECT_EQ(CompareAll(*plain_tokenizer_, pairs, {}), pairs.size());
}

// The normalizer's other settings (cased models: no lower-casing, no accent
// stripping; the two separately; no CJK spacing) on the hard cases and dev.
TEST_F(HfOracleTest, OtherNormalizerOptionsMatch) {
  std::vector<std::string> s = TrickySentences();
  auto dev = ReadSst2("dev");
  if (dev.ok()) s.insert(s.end(), dev->sentences.begin(), dev->sentences.end());
  for (int mask = 0; mask < 8; ++mask) {
    TokenizerOptions options;
    options.recognize_special_tokens = false;
    options.lower_case = (mask & 1) != 0;
    options.strip_accents = (mask & 2) != 0;
    options.tokenize_chinese_chars = (mask & 4) != 0;
    auto t = WordPieceTokenizer::FromVocabFile(vocab_, options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    OracleFlags flags;
    flags.lower_case = options.lower_case;
    flags.strip_accents = *options.strip_accents;
    flags.cjk = options.tokenize_chinese_chars;
    EXPECT_EQ(CompareAll(*t, Singles(s), flags), s.size())
        << "lower_case " << flags.lower_case << " strip_accents " << flags.strip_accents << " cjk "
        << flags.cjk;
  }
}

// Code points where this tokenizer and the Rust library knowingly differ:
// - U+2B820..U+2B91F (CJK Extension E): Python's _is_chinese_char has them;
//   the Rust library's copy of the ranges starts at 0x2B920 (a typo). We
//   follow Python (they are [UNK] in the BERT vocabulary either way).
// - The ranges below: characters whose category the Rust crates'
//   (unicode_categories, unicode-normalization-alignments: Unicode 8/9 era)
//   tables do not know, but Unicode 15 (utf8proc) does: marks (Mn) assigned
//   since, which we strip; punctuation (P*), which we split off; format
//   characters (Cf), which we remove; plus two category changes (U+166D
//   Po -> So in Unicode 12, U+1734 Mn -> Mc in Unicode 14). Generated by
//   comparing every code point with the oracle (this test, with the list
//   empty).
struct CodePointRange {
  char32_t first, last;
};
constexpr CodePointRange kNewerUnicode[] = {
    {0x61D, 0x61D},     {0x7FD, 0x7FD},     {0x890, 0x891},     {0x898, 0x89F},
    {0x8CA, 0x8E2},     {0x9FD, 0x9FE},     {0xA76, 0xA76},     {0xAFA, 0xAFF},
    {0xB55, 0xB55},     {0xC04, 0xC04},     {0xC3C, 0xC3C},     {0xC77, 0xC77},
    {0xC84, 0xC84},     {0xD00, 0xD00},     {0xD3B, 0xD3C},     {0xD81, 0xD81},
    {0xEBA, 0xEBA},     {0xECE, 0xECE},     {0x166D, 0x166D},   {0x1734, 0x1734},
    {0x180F, 0x180F},   {0x1885, 0x1886},   {0x1ABF, 0x1ACE},   {0x1B7D, 0x1B7E},
    {0x1DF6, 0x1DFB},   {0x2E43, 0x2E4F},   {0x2E52, 0x2E5D},   {0xA82C, 0xA82C},
    {0xA8C5, 0xA8C5},   {0xA8FF, 0xA8FF},   {0xA9BD, 0xA9BD},   {0x10D24, 0x10D27},
    {0x10EAB, 0x10EAD}, {0x10EFD, 0x10EFF}, {0x10F46, 0x10F50}, {0x10F55, 0x10F59},
    {0x10F82, 0x10F89}, {0x11070, 0x11070}, {0x11073, 0x11074}, {0x110C2, 0x110C2},
    {0x110CD, 0x110CD}, {0x111C9, 0x111C9}, {0x111CF, 0x111CF}, {0x1123E, 0x1123E},
    {0x11241, 0x11241}, {0x1133B, 0x1133B}, {0x11438, 0x1143F}, {0x11442, 0x11444},
    {0x11446, 0x11446}, {0x1144B, 0x1144F}, {0x1145A, 0x1145B}, {0x1145D, 0x1145E},
    {0x11660, 0x1166C}, {0x116B9, 0x116B9}, {0x1182F, 0x11837}, {0x11839, 0x1183B},
    {0x1193B, 0x1193C}, {0x1193E, 0x1193E}, {0x11943, 0x11946}, {0x119D4, 0x119D7},
    {0x119DA, 0x119DB}, {0x119E0, 0x119E0}, {0x119E2, 0x119E2}, {0x11A01, 0x11A0A},
    {0x11A33, 0x11A38}, {0x11A3B, 0x11A47}, {0x11A51, 0x11A56}, {0x11A59, 0x11A5B},
    {0x11A8A, 0x11A96}, {0x11A98, 0x11A9C}, {0x11A9E, 0x11AA2}, {0x11B00, 0x11B09},
    {0x11C30, 0x11C36}, {0x11C38, 0x11C3D}, {0x11C3F, 0x11C3F}, {0x11C41, 0x11C45},
    {0x11C70, 0x11C71}, {0x11C92, 0x11CA7}, {0x11CAA, 0x11CB0}, {0x11CB2, 0x11CB3},
    {0x11CB5, 0x11CB6}, {0x11D31, 0x11D36}, {0x11D3A, 0x11D3A}, {0x11D3C, 0x11D3D},
    {0x11D3F, 0x11D45}, {0x11D47, 0x11D47}, {0x11D90, 0x11D91}, {0x11D95, 0x11D95},
    {0x11D97, 0x11D97}, {0x11EF3, 0x11EF4}, {0x11EF7, 0x11EF8}, {0x11F00, 0x11F01},
    {0x11F36, 0x11F3A}, {0x11F40, 0x11F40}, {0x11F42, 0x11F4F}, {0x11FFF, 0x11FFF},
    {0x12FF1, 0x12FF2}, {0x13430, 0x13440}, {0x13447, 0x13455}, {0x16E97, 0x16E9A},
    {0x16F4F, 0x16F4F}, {0x16FE2, 0x16FE2}, {0x16FE4, 0x16FE4}, {0x1CF00, 0x1CF2D},
    {0x1CF30, 0x1CF46}, {0x1E000, 0x1E006}, {0x1E008, 0x1E018}, {0x1E01B, 0x1E021},
    {0x1E023, 0x1E024}, {0x1E026, 0x1E02A}, {0x1E08F, 0x1E08F}, {0x1E130, 0x1E136},
    {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF}, {0x1E4EC, 0x1E4EF}, {0x1E944, 0x1E94A},
    {0x1E95E, 0x1E95F},
};

bool KnownDifference(char32_t cp) {
  if (cp >= 0x2B820 && cp <= 0x2B91F) return true;
  for (const CodePointRange& r : kNewerUnicode) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

// Every code point of planes 0-2 and 14 and a sample of the others (all
// unassigned or private use), but surrogates and the known differences: alone,
// inside a word, after a capital and before a combining mark, 32 code points
// per example.
TEST_F(HfOracleTest, EveryCodePoint) {
  std::vector<Example> examples;
  std::vector<std::string> labels;
  std::string line;
  char32_t first = 0;
  int in_line = 0, skipped = 0, tested = 0;
  auto flush = [&](char32_t last) {
    examples.push_back({line, "", false});
    char label[64];
    std::snprintf(label, sizeof(label), "U+%04X..U+%04X", static_cast<unsigned>(first),
                  static_cast<unsigned>(last));
    labels.push_back(label);
    line.clear();
    in_line = 0;
  };
  for (char32_t cp = 1; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    const bool sampled = cp < 0x30000 || (cp >= 0xE0000 && cp < 0xE1000) || cp % 4099 == 0;
    if (!sampled) continue;
    if (KnownDifference(cp)) {
      ++skipped;
      continue;
    }
    if (in_line == 0) first = cp;
    std::string c;
    internal::AppendUtf8(cp, &c);
    line += c + " x" + c + "y Q" + c + "\u0301 ";
    ++tested;
    if (++in_line == 32) flush(cp);
  }
  if (in_line > 0) flush(0x10FFFF);
  // Uncased (lower-case + strip accents), and lower-case alone, which shows
  // the lower-case mapping unhidden by accent stripping (e.g. U+0130).
  for (bool strip : {true, false}) {
    TokenizerOptions options;
    options.recognize_special_tokens = false;
    options.strip_accents = strip;
    auto t = WordPieceTokenizer::FromVocabFile(vocab_, options);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    OracleFlags flags;
    flags.strip_accents = strip;
    const size_t matched = CompareAll(*t, examples, flags, &labels);
    std::printf(
        "code points (lower-case%s): %zu of %zu groups of 32 equal Hugging Face's ids (%d code "
        "points tested, %d known differences skipped)\n",
        strip ? " + strip accents" : "", matched, examples.size(), tested, skipped);
    EXPECT_EQ(matched, examples.size()) << "strip_accents " << strip;
  }
}

}  // namespace
}  // namespace fp8sdk::text
