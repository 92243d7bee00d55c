#include "sdk/text/basic_tokenizer.h"

#include <utf8proc.h>

namespace fp8sdk::text::internal {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

inline bool InRange(uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; }

inline utf8proc_category_t Category(char32_t cp) {
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

inline bool IsAsciiPunctuation(uint32_t c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

inline int CombiningClass(char32_t cp) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

// Builds the words of one text. A word is open while bytes are being
// appended to it; EndWord closes it. Decomposed combining marks with a
// non-zero combining class wait in a run until the next starter, so that they
// can be put in canonical order (NFD) before accents are stripped.
class WordBuilder {
 public:
  WordBuilder(const BasicOptions& options, BasicScratch* scratch, std::string* buf,
              std::vector<WordSpan>* words)
      : options_(options), run_(scratch->combining_run), buf_(*buf), words_(*words) {
    run_.clear();
    begin_ = buf_.size();
  }

  // An ASCII character that is neither whitespace nor a control character.
  void AsciiChar(uint8_t c) {
    if (!run_.empty()) FlushRun();
    if (IsAsciiPunctuation(c)) {
      Single(c);
      return;
    }
    if (options_.lower_case && c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c + ('a' - 'A'));
    buf_.push_back(static_cast<char>(c));
    ++chars_;
  }

  // A non-ASCII character that survived cleaning and is not whitespace.
  void Char(char32_t cp) {
    if (options_.lower_case) {
      if (cp == 0x130) {
        // U+0130 has the one unconditional multi-character lower-case
        // mapping (SpecialCasing.txt): "i" + U+0307, as Python and Rust give.
        Lowered('i');
        Lowered(0x307);
        return;
      }
      cp = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
    }
    Lowered(cp);
  }

  // Whitespace, or the edge of a CJK character: ends the current word.
  void Break() {
    if (!run_.empty()) FlushRun();
    EndWord();
  }

  void Finish() { Break(); }

 private:
  // A character after lower-casing: NFD and accent stripping.
  void Lowered(char32_t cp) {
    if (!options_.strip_accents) {
      Output(cp);
      return;
    }
    utf8proc_int32_t decomposed[32];
    utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), decomposed,
                                                 sizeof(decomposed) / sizeof(decomposed[0]),
                                                 UTF8PROC_DECOMPOSE, nullptr);
    if (n < 0 || n > static_cast<utf8proc_ssize_t>(sizeof(decomposed) / sizeof(decomposed[0]))) {
      // Cannot happen for canonical decompositions (at most 4 code points).
      decomposed[0] = static_cast<utf8proc_int32_t>(cp);
      n = 1;
    }
    for (utf8proc_ssize_t i = 0; i < n; ++i) {
      const char32_t d = static_cast<char32_t>(decomposed[i]);
      if (CombiningClass(d) == 0) {
        if (!run_.empty()) FlushRun();
        Output(d);
      } else {
        run_.push_back(d);
      }
    }
  }

  // Canonical ordering: a stable sort of the run by combining class
  // (insertion sort: runs are a few marks long).
  void FlushRun() {
    for (size_t i = 1; i < run_.size(); ++i) {
      const char32_t mark = run_[i];
      const int ccc = CombiningClass(mark);
      size_t j = i;
      for (; j > 0 && CombiningClass(run_[j - 1]) > ccc; --j) run_[j] = run_[j - 1];
      run_[j] = mark;
    }
    for (char32_t d : run_) Output(d);
    run_.clear();
  }

  void Output(char32_t cp) {
    if (cp < 0x80) {
      if (IsAsciiPunctuation(cp)) {
        Single(cp);
      } else {
        buf_.push_back(static_cast<char>(cp));
        ++chars_;
      }
      return;
    }
    const utf8proc_category_t cat = Category(cp);
    if (options_.strip_accents && cat == UTF8PROC_CATEGORY_MN) return;
    if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO) {
      Single(cp);
      return;
    }
    AppendUtf8(cp, &buf_);
    ++chars_;
  }

  // A punctuation character: a word of its own.
  void Single(char32_t cp) {
    EndWord();
    AppendUtf8(cp, &buf_);
    chars_ = 1;
    EndWord();
  }

  void EndWord() {
    if (buf_.size() > begin_) {
      words_.push_back(WordSpan{static_cast<uint32_t>(begin_), static_cast<uint32_t>(buf_.size()),
                                static_cast<uint32_t>(chars_)});
    }
    begin_ = buf_.size();
    chars_ = 0;
  }

  const BasicOptions& options_;
  std::vector<char32_t>& run_;
  std::string& buf_;
  std::vector<WordSpan>& words_;
  size_t begin_ = 0;
  size_t chars_ = 0;
};

}  // namespace

char32_t DecodeUtf8(std::string_view text, size_t* pos) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = *pos;
  const uint8_t b0 = s[i];
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  int need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  char32_t cp;
  if (InRange(b0, 0xC2, 0xDF)) {
    need = 1;
    cp = b0 & 0x1F;
  } else if (InRange(b0, 0xE0, 0xEF)) {
    need = 2;
    cp = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (InRange(b0, 0xF0, 0xF4)) {
    need = 3;
    cp = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *pos = i + 1;  // stray continuation byte, C0, C1, F5..FF
    return kReplacement;
  }
  ++i;
  for (int k = 0; k < need; ++k, ++i) {
    if (i >= n) {
      *pos = i;
      return kReplacement;
    }
    const uint8_t b = s[i];
    if (k == 0 ? !InRange(b, lo, hi) : !InRange(b, 0x80, 0xBF)) {
      *pos = i;  // the maximal subpart ends before this byte
      return kReplacement;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *pos = i;
  return cp;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    const char b[2] = {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(b, 2);
  } else if (cp < 0x10000) {
    const char b[3] = {static_cast<char>(0xE0 | (cp >> 12)),
                       static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
                       static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(b, 3);
  } else {
    const char b[4] = {
        static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
        static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    out->append(b, 4);
  }
}

bool IsWhitespace(char32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  if (cp < 0x80) return false;
  const utf8proc_category_t cat = Category(cp);
  return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

bool IsControl(char32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r') return false;
  if (cp < 0x80) return cp < 0x20 || cp == 0x7F;
  const utf8proc_category_t cat = Category(cp);
  return cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF ||
         cat == UTF8PROC_CATEGORY_CS || cat == UTF8PROC_CATEGORY_CO;
}

bool IsPunctuation(char32_t cp) {
  if (cp < 0x80) return IsAsciiPunctuation(cp);
  const utf8proc_category_t cat = Category(cp);
  return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

bool IsChineseChar(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

void BasicTokenize(std::string_view text, const BasicOptions& options, BasicScratch* scratch,
                   std::string* buf, std::vector<WordSpan>* words) {
  WordBuilder builder(options, scratch, buf, words);
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = s[i];
    if (b < 0x80) {  // ASCII: no decoding, no tables
      ++i;
      if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
        builder.Break();
      } else if (b >= 0x20 && b != 0x7F) {
        builder.AsciiChar(b);
      }  // else: NUL or another control character, removed
      continue;
    }
    const char32_t cp = DecodeUtf8(text, &i);
    if (cp == kReplacement || IsControl(cp)) continue;  // also invalid UTF-8
    if (IsWhitespace(cp)) {
      builder.Break();
    } else if (options.tokenize_chinese_chars && IsChineseChar(cp)) {
      builder.Break();
      builder.Char(cp);
      builder.Break();
    } else {
      builder.Char(cp);
    }
  }
  builder.Finish();
}

}  // namespace fp8sdk::text::internal
