// Hand-checked cases for the WordPiece tokenizer on a small vocabulary.
#include "sdk/text/wordpiece.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sdk/text/basic_tokenizer.h"
#include "sdk/text/text_test_util.h"

namespace fp8sdk::text {
namespace {

using Strings = std::vector<std::string>;
using Ids = std::vector<int32_t>;

// id = index.
const Strings& SmallVocab() {
  static const Strings kVocab = {
      "[PAD]", "[UNK]", "[CLS]",  "[SEP]", "[MASK]",    // 0-4
      "hello", "world", ",",      ".",     "!",         // 5-9
      "un",    "##aff", "##able", "play",  "##ing",     // 10-14
      "##s",   "a",     "##a",    "中",    "国",        // 15-19
      "cafe",  "naive", "b",      "[",     "]",         // 20-24
      "sep",   "uber",  "σ",      "##σ",   "i",         // 25-29
      "'",     "s",     "-",      "¿",     "—",         // 30-34
      "$",     "3",     "##0",    "αβγ",   "istanbul",  // 35-39
  };
  return kVocab;
}

WordPieceTokenizer MakeTokenizer(const TokenizerOptions& options = {}) {
  const std::string path = testing::WriteVocab("small_vocab.txt", SmallVocab());
  auto t = WordPieceTokenizer::FromVocabFile(path, options);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

Strings Tok(std::string_view text) {
  static const WordPieceTokenizer t = MakeTokenizer();
  return t.Tokenize(text);
}

TEST(WordPieceVocabTest, LoadsIdsByLine) {
  WordPieceTokenizer t = MakeTokenizer();
  EXPECT_EQ(t.vocab_size(), 40);
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.unk_id(), 1);
  EXPECT_EQ(t.cls_id(), 2);
  EXPECT_EQ(t.sep_id(), 3);
  EXPECT_EQ(t.mask_id(), 4);
  EXPECT_EQ(t.TokenToId("##aff"), 11);
  EXPECT_EQ(t.TokenToId("nope"), -1);
  EXPECT_EQ(t.IdToToken(18), "中");
  EXPECT_EQ(t.IdToToken(40), "");
  EXPECT_EQ(t.IdToToken(-1), "");
}

TEST(WordPieceVocabTest, CrLfAndTrailingBlankLines) {
  const std::string path = testing::TempPath("crlf_vocab.txt");
  ASSERT_TRUE(testing::WriteFile(path, "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhi\r\n\r\n\n"));
  auto t = WordPieceTokenizer::FromVocabFile(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->vocab_size(), 5);
  EXPECT_EQ(t->TokenToId("hi"), 4);
  EXPECT_EQ(t->mask_id(), -1);
}

TEST(WordPieceVocabTest, Errors) {
  auto missing = WordPieceTokenizer::FromVocabFile("/nonexistent/dir/vocab.txt");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNOT_FOUND);
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/vocab.txt"), std::string::npos);

  auto dir = WordPieceTokenizer::FromVocabFile(testing::TempPath(""));
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kIO_ERROR);

  const std::string empty = testing::TempPath("empty_vocab.txt");
  ASSERT_TRUE(testing::WriteFile(empty, ""));
  auto e = WordPieceTokenizer::FromVocabFile(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kINVALID_ARGUMENT);
  EXPECT_NE(e.status().message().find("empty"), std::string::npos) << e.status().message();
  EXPECT_NE(e.status().message().find(empty), std::string::npos);

  const std::string dup =
      testing::WriteVocab("dup_vocab.txt", {"[PAD]", "[UNK]", "x", "[CLS]", "[SEP]", "x"});
  auto d = WordPieceTokenizer::FromVocabFile(dup);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find(dup + ":6: duplicate token 'x' (first at line 3)"),
            std::string::npos)
      << d.status().message();

  const std::string blank = testing::WriteVocab("blank_vocab.txt", {"[PAD]", "", "[UNK]"});
  auto b = WordPieceTokenizer::FromVocabFile(blank);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find(blank + ":2: empty token"), std::string::npos)
      << b.status().message();

  const std::string no_cls = testing::WriteVocab("nocls_vocab.txt", {"[PAD]", "[UNK]", "[SEP]"});
  auto c = WordPieceTokenizer::FromVocabFile(no_cls);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("'[CLS]'"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(no_cls), std::string::npos);

  for (const char* required : {"[PAD]", "[UNK]", "[SEP]"}) {
    Strings tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
    tokens.erase(std::find(tokens.begin(), tokens.end(), required));
    auto r = WordPieceTokenizer::FromTokens(tokens);
    ASSERT_FALSE(r.ok()) << required;
    EXPECT_NE(r.status().message().find(required), std::string::npos) << r.status().message();
  }
}

TEST(WordPieceTokenizeTest, PunctuationAndCase) {
  EXPECT_EQ(Tok("Hello, World!"), (Strings{"hello", ",", "world", "!"}));
  EXPECT_EQ(Tok("hello...world"), (Strings{"hello", ".", ".", ".", "world"}));
  EXPECT_EQ(Tok("a's b-a"), (Strings{"a", "'", "s", "b", "-", "a"}));
  // ASCII symbols count as punctuation even where Unicode says S* ($, ^, `).
  EXPECT_EQ(Tok("$30"), (Strings{"$", "3", "##0"}));
  EXPECT_EQ(Tok("a^b"), (Strings{"a", "[UNK]", "b"}));
  // Unicode P*: ¿ (Po), — (Pd).
  EXPECT_EQ(Tok("¿hello—world"), (Strings{"¿", "hello", "—", "world"}));
}

TEST(WordPieceTokenizeTest, AccentsAndLowerCase) {
  EXPECT_EQ(Tok("Héllo"), (Strings{"hello"}));
  EXPECT_EQ(Tok("He\u0301llo"), (Strings{"hello"}));  // already decomposed
  EXPECT_EQ(Tok("NAÏVE Café"), (Strings{"naive", "cafe"}));
  EXPECT_EQ(Tok("ÜBER"), (Strings{"uber"}));
  EXPECT_EQ(Tok("ΑΒΓ"), (Strings{"αβγ"}));
  // "İ" -> "i" (Python: "i̇", then the dot is stripped).
  EXPECT_EQ(Tok("İSTANBUL"), (Strings{"istanbul"}));
  // Every capital sigma becomes "σ", final or not (as the Rust library).
  EXPECT_EQ(Tok("ΣΣ"), (Strings{"σ", "##σ"}));
}

TEST(WordPieceTokenizeTest, CasedOptionKeepsCaseAndAccents) {
  TokenizerOptions options;
  options.lower_case = false;
  WordPieceTokenizer t = MakeTokenizer(options);
  EXPECT_EQ(t.BasicTokenize("Héllo, World"), (Strings{"Héllo", ",", "World"}));
  options.strip_accents = true;
  WordPieceTokenizer s = MakeTokenizer(options);
  EXPECT_EQ(s.BasicTokenize("Héllo, World"), (Strings{"Hello", ",", "World"}));
  options.lower_case = true;
  options.strip_accents = false;
  WordPieceTokenizer l = MakeTokenizer(options);
  EXPECT_EQ(l.BasicTokenize("Héllo"), (Strings{"héllo"}));
  // "İ" has a two-character lower case: "i" + U+0307 (kept: no stripping).
  EXPECT_EQ(l.BasicTokenize("İ"), (Strings{"i\u0307"}));
}

TEST(WordPieceTokenizeTest, Cjk) {
  EXPECT_EQ(Tok("中国"), (Strings{"中", "国"}));
  EXPECT_EQ(Tok("a中b"), (Strings{"a", "中", "b"}));
  // A CJK character missing from the vocabulary is one [UNK] of its own.
  EXPECT_EQ(Tok("中文国"), (Strings{"中", "[UNK]", "国"}));
  // Hiragana is not a "Chinese character": it stays in its word.
  EXPECT_EQ(Tok("aあb"), (Strings{"[UNK]"}));
  TokenizerOptions options;
  options.tokenize_chinese_chars = false;
  EXPECT_EQ(MakeTokenizer(options).Tokenize("a中b"), (Strings{"[UNK]"}));
}

TEST(WordPieceTokenizeTest, WordPiecesAndUnknown) {
  EXPECT_EQ(Tok("unaffable"), (Strings{"un", "##aff", "##able"}));
  EXPECT_EQ(Tok("playing plays"), (Strings{"play", "##ing", "play", "##s"}));
  EXPECT_EQ(Tok("xyz"), (Strings{"[UNK]"}));
  // A word that cannot be covered is one [UNK], not a partial match.
  EXPECT_EQ(Tok("helloxyz world"), (Strings{"[UNK]", "world"}));
  EXPECT_EQ(Tok("playingx"), (Strings{"[UNK]"}));
}

TEST(WordPieceTokenizeTest, LongWords) {
  const std::string w100(100, 'a');
  Strings expected = {"a"};
  expected.insert(expected.end(), 99, "##a");
  EXPECT_EQ(Tok(w100), expected);
  EXPECT_EQ(Tok(w100 + "a"), (Strings{"[UNK]"}));
  EXPECT_EQ(Tok(w100 + "a hello"), (Strings{"[UNK]", "hello"}));
  // Characters, not bytes, are counted: 100 two-byte characters are fine.
  std::string sigmas;
  for (int i = 0; i < 100; ++i) sigmas += "σ";
  EXPECT_EQ(Tok(sigmas).size(), 100u);
  EXPECT_EQ(Tok(sigmas + "σ"), (Strings{"[UNK]"}));
}

TEST(WordPieceTokenizeTest, WhitespaceAndControlCharacters) {
  EXPECT_EQ(Tok("  hello\tworld\r\n"), (Strings{"hello", "world"}));
  EXPECT_EQ(Tok("hel\x01lo"), (Strings{"hello"}));                  // Cc removed
  EXPECT_EQ(Tok(std::string("hel\0lo", 6)), (Strings{"hello"}));    // NUL removed
  EXPECT_EQ(Tok("hel\u200Blo"), (Strings{"hello"}));                // Cf removed
  EXPECT_EQ(Tok("hel\uFFFDlo"), (Strings{"hello"}));                // U+FFFD removed
  EXPECT_EQ(Tok("hello\u00A0world"), (Strings{"hello", "world"}));  // Zs
  EXPECT_EQ(Tok("hello\u3000world"), (Strings{"hello", "world"}));  // ideographic space
  EXPECT_EQ(Tok("hello\u2028world"), (Strings{"hello", "world"}));  // Zl
  EXPECT_EQ(Tok("hello\x0bworld"), (Strings{"[UNK]"}));             // \v is Cc: removed
}

TEST(WordPieceTokenizeTest, InvalidUtf8IsDropped) {
  EXPECT_EQ(Tok("hel\xFFlo"), (Strings{"hello"}));
  EXPECT_EQ(Tok("hello\xC3"), (Strings{"hello"}));              // truncated at the end
  EXPECT_EQ(Tok("he\xE4\xB8llo"), (Strings{"hello"}));          // truncated in the middle
  EXPECT_EQ(Tok("hel\xED\xA0\x80lo"), (Strings{"hello"}));      // surrogate
  EXPECT_EQ(Tok("hel\xC0\xAFlo"), (Strings{"hello"}));          // overlong "/"
  EXPECT_EQ(Tok("hel\xF4\x90\x80\x80lo"), (Strings{"hello"}));  // > U+10FFFF
  EXPECT_EQ(Tok("\x80\x80 hello \xBF"), (Strings{"hello"}));
}

TEST(WordPieceTokenizeTest, EmptyText) {
  EXPECT_TRUE(Tok("").empty());
  EXPECT_TRUE(Tok(" \t\n\x01").empty());
  WordPieceTokenizer t = MakeTokenizer();
  auto e = t.Encode("");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->input_ids, (Ids{2, 3}));
  EXPECT_EQ(e->token_type_ids, (Ids{0, 0}));
  EXPECT_EQ(e->attention_mask, (Ids{1, 1}));
}

TEST(WordPieceTokenizeTest, SpecialTokensInText) {
  EXPECT_EQ(Tok("hello [SEP] world[MASK]"), (Strings{"hello", "[SEP]", "world", "[MASK]"}));
  EXPECT_EQ(Tok("[sep]"), (Strings{"[", "sep", "]"}));  // case-sensitive, as HF
  TokenizerOptions options;
  options.recognize_special_tokens = false;
  EXPECT_EQ(MakeTokenizer(options).Tokenize("hello [SEP]"), (Strings{"hello", "[", "sep", "]"}));
}

TEST(WordPieceEncodeTest, SingleAndPair) {
  WordPieceTokenizer t = MakeTokenizer();
  auto s = t.Encode("Hello world!");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->input_ids, (Ids{2, 5, 6, 9, 3}));
  auto p = t.EncodePair("hello", "world");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->input_ids, (Ids{2, 5, 3, 6, 3}));
  EXPECT_EQ(p->token_type_ids, (Ids{0, 0, 0, 1, 1}));
  EXPECT_EQ(p->attention_mask, (Ids{1, 1, 1, 1, 1}));
}

TEST(WordPieceEncodeTest, TruncationAndPadding) {
  WordPieceTokenizer t = MakeTokenizer();
  auto s = t.Encode("hello world hello world", {/*max_length=*/4, /*pad_to_max_length=*/false});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->input_ids, (Ids{2, 5, 6, 3}));
  auto padded = t.Encode("hello", {/*max_length=*/6, /*pad_to_max_length=*/true});
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->input_ids, (Ids{2, 5, 3, 0, 0, 0}));
  EXPECT_EQ(padded->token_type_ids, (Ids{0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(padded->attention_mask, (Ids{1, 1, 1, 0, 0, 0}));
  auto bare = t.Encode("hello", {/*max_length=*/2, false});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->input_ids, (Ids{2, 3}));
}

TEST(WordPieceEncodeTest, PairTruncationIsLongestFirst) {
  WordPieceTokenizer t = MakeTokenizer();
  // a has 5 tokens, b 2; budget 8 - 3 = 5: the longer loses 2.
  auto p = t.EncodePair("a a a a a", "b b", {8, false});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->input_ids, (Ids{2, 16, 16, 16, 3, 22, 22, 3}));
  EXPECT_EQ(p->token_type_ids, (Ids{0, 0, 0, 0, 0, 1, 1, 1}));
  // Both longer than budget/2 = 2: the first keeps 2, the second 3.
  auto q = t.EncodePair("a a a a", "b b b b", {8, true});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->input_ids, (Ids{2, 16, 16, 3, 22, 22, 22, 3}));
  // Second longer: it is cut first.
  auto r = t.EncodePair("a", "b b b b b b", {9, true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->input_ids, (Ids{2, 16, 3, 22, 22, 22, 22, 22, 3}));
  auto padded = t.EncodePair("a", "b", {8, true});
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->input_ids, (Ids{2, 16, 3, 22, 3, 0, 0, 0}));
  EXPECT_EQ(padded->token_type_ids, (Ids{0, 0, 0, 1, 1, 0, 0, 0}));
  EXPECT_EQ(padded->attention_mask, (Ids{1, 1, 1, 1, 1, 0, 0, 0}));
}

TEST(WordPieceEncodeTest, InvalidOptions) {
  WordPieceTokenizer t = MakeTokenizer();
  EXPECT_EQ(t.Encode("a", {-1, false}).status().code(), StatusCode::kINVALID_ARGUMENT);
  EXPECT_EQ(t.Encode("a", {1, false}).status().code(), StatusCode::kINVALID_ARGUMENT);
  EXPECT_EQ(t.Encode("a", {0, true}).status().code(), StatusCode::kINVALID_ARGUMENT);
  EXPECT_EQ(t.EncodePair("a", "b", {2, false}).status().code(), StatusCode::kINVALID_ARGUMENT);
  EXPECT_TRUE(t.EncodePair("a", "b", {3, false}).ok());
  EXPECT_EQ(t.Encode("a", {(1 << 20) + 1, true}).status().code(), StatusCode::kOUT_OF_RANGE);
  EXPECT_EQ(t.EncodeBatch({"a"}, BatchOptions{-5, false}).status().code(),
            StatusCode::kINVALID_ARGUMENT);
  EXPECT_EQ(t.EncodeBatch(Strings(4096, "a"), BatchOptions{1 << 20, true}).status().code(),
            StatusCode::kOUT_OF_RANGE);
}

TEST(WordPieceBatchTest, DynamicAndFixedPadding) {
  WordPieceTokenizer t = MakeTokenizer();
  const Strings texts = {"hello", "hello world !", ""};
  auto dyn = t.EncodeBatch(texts);
  ASSERT_TRUE(dyn.ok()) << dyn.status().ToString();
  EXPECT_EQ(dyn->batch, 3);
  EXPECT_EQ(dyn->seq_len, 5);
  EXPECT_EQ(dyn->input_ids,
            (std::vector<int64_t>{2, 5, 3, 0, 0, /**/ 2, 5, 6, 9, 3, /**/ 2, 3, 0, 0, 0}));
  EXPECT_EQ(dyn->attention_mask,
            (std::vector<int64_t>{1, 1, 1, 0, 0, /**/ 1, 1, 1, 1, 1, /**/ 1, 1, 0, 0, 0}));
  EXPECT_EQ(dyn->token_type_ids, std::vector<int64_t>(15, 0));
  EXPECT_EQ(dyn->num_truncated, 0);

  auto fixed = t.EncodeBatch(texts, BatchOptions{4, true});
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->seq_len, 4);
  EXPECT_EQ(fixed->input_ids, (std::vector<int64_t>{2, 5, 3, 0, /**/ 2, 5, 6, 3, /**/ 2, 3, 0, 0}));
  EXPECT_EQ(fixed->num_truncated, 1);

  // Each row equals Encode/EncodePair of that example.
  const Strings b = {"world", "a a a a a a", "b"};
  auto pairs = t.EncodeBatch(texts, b, BatchOptions{7, false});
  ASSERT_TRUE(pairs.ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto e = t.EncodePair(texts[i], b[i], {7, true});
    ASSERT_TRUE(e.ok());
    const int64_t n = pairs->seq_len;
    ASSERT_LE(static_cast<size_t>(n), e->input_ids.size());
    for (int64_t j = 0; j < n; ++j) {
      EXPECT_EQ(pairs->input_ids[i * n + j], e->input_ids[j]) << i << "," << j;
      EXPECT_EQ(pairs->token_type_ids[i * n + j], e->token_type_ids[j]) << i << "," << j;
      EXPECT_EQ(pairs->attention_mask[i * n + j], e->attention_mask[j]) << i << "," << j;
    }
  }

  EXPECT_EQ(t.EncodeBatch(texts, Strings{"x"}).status().code(), StatusCode::kINVALID_ARGUMENT);
  auto none = t.EncodeBatch({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->batch, 0);
}

TEST(WordPieceRobustnessTest, RandomBytesGiveValidIds) {
  WordPieceTokenizer t = MakeTokenizer();
  std::mt19937 rng(1234);
  std::uniform_int_distribution<int> len(0, 64), byte(0, 255), pick(0, 9);
  const char* pieces[] = {
      "hello", " ", "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xCC\x81", "[SEP]",
      "##",    "a", ","};
  for (int iter = 0; iter < 5000; ++iter) {
    std::string s;
    const int n = len(rng);
    for (int i = 0; i < n; ++i) {
      if (iter % 2 == 0) {
        s.push_back(static_cast<char>(byte(rng)));
      } else {
        s += pieces[pick(rng)];
        if (pick(rng) == 0) s.push_back(static_cast<char>(byte(rng)));
      }
    }
    std::vector<int32_t> ids;
    t.TokenizeToIds(s, &ids);
    for (int32_t id : ids) {
      ASSERT_GE(id, 0);
      ASSERT_LT(id, t.vocab_size());
    }
    // Normalized words are valid UTF-8 and never empty.
    for (const std::string& w : t.BasicTokenize(s)) {
      ASSERT_FALSE(w.empty());
      size_t pos = 0;
      while (pos < w.size()) ASSERT_NE(internal::DecodeUtf8(w, &pos), 0xFFFDu) << w;
    }
  }
}

TEST(WordPieceRobustnessTest, ConcurrentUseOfOneTokenizer) {
  const WordPieceTokenizer t = MakeTokenizer();
  const Strings texts = {"Hello, World!", "unaffable playing", "中国 naïve", "a a a a b"};
  auto expected = t.EncodeBatch(texts, BatchOptions{8, true});
  ASSERT_TRUE(expected.ok());
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      const WordPieceTokenizer copy = t;  // copies share the vocabulary
      for (int i = 0; i < 500; ++i) {
        auto got = (i % 2 ? copy : t).EncodeBatch(texts, BatchOptions{8, true});
        if (!got.ok() || got->input_ids != expected->input_ids) ++mismatches[k];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

TEST(CharacterClassTest, MatchesBertDefinitions) {
  using internal::IsChineseChar;
  using internal::IsControl;
  using internal::IsPunctuation;
  using internal::IsWhitespace;
  for (char32_t c : {U'!', U'/', U':', U'@', U'[', U'`', U'{', U'~', U'$', U'^', U'\u00BF',
                     U'\u2014', U'\u3001', U'\uFF01'}) {
    EXPECT_TRUE(IsPunctuation(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {U'a', U'0', U' ', U'\u00A9', U'\u20AC', U'\u4E2D'}) {
    EXPECT_FALSE(IsPunctuation(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\u00A0', U'\u2000', U'\u2028', U'\u3000'}) {
    EXPECT_TRUE(IsWhitespace(c)) << static_cast<uint32_t>(c);
  }
  EXPECT_FALSE(IsWhitespace(U'\u200B'));
  EXPECT_FALSE(IsWhitespace(U'a'));
  for (char32_t c : {U'\x01', U'\x7F', U'\u0085', U'\u200B', U'\uFEFF', U'\uE000', U'\U000E0001'}) {
    EXPECT_TRUE(IsControl(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {U'\t', U'\n', U'\r', U'a', U'\u00E9'}) {
    EXPECT_FALSE(IsControl(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {U'\u4E00', U'\u9FFF', U'\u3400', U'\uF900', U'\U00020000', U'\U0002F800'}) {
    EXPECT_TRUE(IsChineseChar(c)) << static_cast<uint32_t>(c);
  }
  for (char32_t c : {U'\u3042', U'\u30A2', U'\uAC00', U'\u3000', U'a'}) {
    EXPECT_FALSE(IsChineseChar(c)) << static_cast<uint32_t>(c);
  }
}

TEST(Utf8Test, DecodesAndEncodes) {
  for (char32_t cp :
       {U'\0', U'a', U'\u00E9', U'\u07FF', U'\u0800', U'\uFFFF', U'\U00010000', U'\U0010FFFF'}) {
    std::string s;
    internal::AppendUtf8(cp, &s);
    size_t pos = 0;
    EXPECT_EQ(internal::DecodeUtf8(s, &pos), cp);
    EXPECT_EQ(pos, s.size());
  }
  // Maximal subparts: "\xE4\xB8" is one U+FFFD, then 'x'.
  const std::string bad = "\xE4\xB8x";
  size_t pos = 0;
  EXPECT_EQ(internal::DecodeUtf8(bad, &pos), 0xFFFDu);
  EXPECT_EQ(pos, 2u);
  EXPECT_EQ(internal::DecodeUtf8(bad, &pos), U'x');
}

}  // namespace
}  // namespace fp8sdk::text
