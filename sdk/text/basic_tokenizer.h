// Internal to //sdk/text: BERT's "basic" tokenization (clean text, CJK,
// lower-case, strip accents, split on whitespace and punctuation) and the
// UTF-8 / Unicode helpers under it. Use WordPieceTokenizer (wordpiece.h).
#ifndef FP8SDK_SDK_TEXT_BASIC_TOKENIZER_H_
#define FP8SDK_SDK_TEXT_BASIC_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fp8sdk::text::internal {

struct BasicOptions {
  bool lower_case = true;
  bool strip_accents = true;
  bool tokenize_chinese_chars = true;
};

// One word of the output: bytes [begin, end) of the output buffer and its
// length in code points.
struct WordSpan {
  uint32_t begin;
  uint32_t end;
  uint32_t num_chars;
};

// Reusable working memory, so that steady-state tokenization allocates
// nothing. Not shared between threads.
struct BasicScratch {
  std::vector<char32_t> combining_run;  // pending marks with ccc > 0
};

// Decodes the code point at text[*pos] and advances *pos. An invalid sequence
// (stray continuation byte, overlong form, surrogate, > U+10FFFF, truncated)
// yields U+FFFD and advances past its maximal invalid subpart (one or more
// bytes, as WHATWG's decoder). Requires *pos < text.size().
char32_t DecodeUtf8(std::string_view text, size_t* pos);
// Appends the UTF-8 encoding of a valid code point.
void AppendUtf8(char32_t cp, std::string* out);

// Character classes as Hugging Face's BERT tokenizer defines them.
bool IsWhitespace(char32_t cp);   // \t \n \r, Zs, Zl, Zp
bool IsControl(char32_t cp);      // C* except \t \n \r
bool IsPunctuation(char32_t cp);  // ASCII 33-47 58-64 91-96 123-126, P*
bool IsChineseChar(char32_t cp);  // HF's _is_chinese_char ranges

// Appends the words of `text` to *buf / *words (existing contents are kept;
// spans index into *buf).
void BasicTokenize(std::string_view text, const BasicOptions& options, BasicScratch* scratch,
                   std::string* buf, std::vector<WordSpan>* words);

}  // namespace fp8sdk::text::internal

#endif  // FP8SDK_SDK_TEXT_BASIC_TOKENIZER_H_
