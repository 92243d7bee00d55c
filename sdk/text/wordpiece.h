// BERT WordPiece tokenization: the text -> ids step in front of every BERT
// model (converter calibration, evaluation tools, examples).
//
// WordPieceTokenizer reproduces Hugging Face's BERT tokenizer: the
// `tokenizers` library's BertNormalizer + BertPreTokenizer + WordPiece +
// BertProcessing (what BertTokenizerFast / AutoTokenizer run), which equals
// Python's BertTokenizer on real text:
//
//   1. Clean: remove NUL, U+FFFD and control characters (Unicode categories
//      Cc, Cf, Co, except \t \n \r); map whitespace (\t \n \r, Zs, Zl, Zp)
//      to a space.
//   2. Put spaces around CJK ideographs (the ranges of HF's _is_chinese_char).
//   3. If lower_case: lower-case (Unicode's lower-case mapping; "İ" -> "i̇").
//      If strip_accents (default: follows lower_case): NFD, then drop
//      combining marks (category Mn).
//   4. Split on whitespace and around punctuation (ASCII 33-47, 58-64, 91-96,
//      123-126 and Unicode categories P*); each punctuation character is a
//      word of its own.
//   5. WordPiece per word: greedy longest-match-first, continuation pieces
//      prefixed "##"; a word longer than max_input_chars_per_word characters
//      (after normalization), or one that vocabulary pieces cannot cover
//      entirely, becomes one [UNK].
//   6. [CLS] a [SEP] (b [SEP]), token types 0 then 1, truncation, padding.
//
// Unicode data (categories, combining classes, lower-case mapping, NFD) comes
// from utf8proc (Debian 12's 2.8.0: Unicode 15).
//
// Invalid UTF-8: each maximal invalid subsequence is decoded as U+FFFD (as
// Node/WHATWG and Python's errors="replace" do), which step 1 removes: invalid
// bytes are dropped and never split a word ("ab\xFFcd" -> "abcd").
//
// Tested equal to Hugging Face tokenizers (Rust, via npm) on all of SST-2 and
// on every code point but these known differences, none of which occur in
// SST-2 (hf_oracle_test.cc lists them):
// - 568 code points that Unicode 15 classifies differently from the Rust
//   crates' older tables (marks, punctuation and format characters assigned
//   since Unicode 8/9): we strip, split or remove them as Unicode 15 says.
// - U+2B820..U+2B91F (CJK Extension E): spaced as CJK here, as in Python's
//   _is_chinese_char; the Rust copy of the ranges starts at U+2B920 (a typo).
// Differences from Python's slow BertTokenizer (where it differs from Rust,
// we follow Rust): Python also removes unassigned code points (Cn), which
// become [UNK] here; Python lower-cases a final capital sigma to "ς" (here
// and in Rust every "Σ" becomes "σ"); recent versions NFC-normalize first
// (visible only without accent stripping); and when both segments of a pair
// exceed half the budget, Python (cutting one token at a time, from the
// second on ties) leaves the odd token to the first, Rust (and this library)
// to the second.
//
// Thread-safety: a WordPieceTokenizer is immutable once created; all its
// methods are const and may be called from any number of threads at once.
// Copies are cheap (they share the vocabulary) and independent. No method
// throws (std::bad_alloc aside).
#ifndef FP8SDK_SDK_TEXT_WORDPIECE_H_
#define FP8SDK_SDK_TEXT_WORDPIECE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sdk/runtime/status.h"

namespace fp8sdk::text {

// How text is normalized and split. The defaults are bert-base-uncased's.
struct TokenizerOptions {
  bool lower_case = true;
  // Strip accents (NFD + drop category Mn). Unset: follows lower_case (HF).
  std::optional<bool> strip_accents;
  bool tokenize_chinese_chars = true;
  // Recognize the special tokens ([CLS] [SEP] [PAD] [UNK] [MASK], exactly as
  // written, case-sensitive) in input text and map them to their ids, as a
  // Hugging Face tokenizer loaded with from_pretrained does. When false they
  // are ordinary text ("[SEP]" -> "[", "sep", "]").
  bool recognize_special_tokens = true;
  int max_input_chars_per_word = 100;
  std::string continuation_prefix = "##";
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string mask_token = "[MASK]";  // optional in the vocabulary
};

// Truncation and padding of one encoded example.
struct EncodeOptions {
  // Maximum total length including [CLS]/[SEP]; 0 = no truncation. Pairs are
  // truncated longest-first (as Hugging Face's LongestFirst strategy).
  int max_length = 0;
  // Pad with [PAD] (type 0, mask 0) up to max_length (needs max_length > 0).
  bool pad_to_max_length = false;
};

// One encoded example; the three vectors have the same length.
struct Encoding {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;  // 0 for [CLS] a [SEP], 1 for b [SEP]
  std::vector<int32_t> attention_mask;  // 1 for tokens, 0 for padding
};

// A batch as the runtime takes it: three row-major int64 arrays of shape
// [batch, seq_len], padded on the right with [PAD] / type 0 / mask 0.
struct EncodedBatch {
  int64_t batch = 0;
  int64_t seq_len = 0;
  std::vector<int64_t> input_ids;
  std::vector<int64_t> token_type_ids;
  std::vector<int64_t> attention_mask;
  // Number of examples that were truncated to fit max_length.
  int64_t num_truncated = 0;
};

// Sequence length of a batch.
struct BatchOptions {
  // Maximum total length including [CLS]/[SEP]; 0 = no truncation.
  int max_length = 0;
  // true: seq_len = max_length (fixed shape; needs max_length > 0).
  // false: seq_len = the longest example after truncation (dynamic shape).
  bool pad_to_max_length = false;
};

// Ownership: every result is a value owned by the caller; the tokenizer keeps
// no reference to its inputs. Create one with FromVocabFile / FromTokens.
class WordPieceTokenizer {
 public:
  // Loads a vocab.txt: one token per line, id = 0-based line number, line
  // terminators "\n" or "\r\n" (blank lines at the end are ignored). Errors
  // (naming the file, and the line where there is one): the file does not
  // exist (kNOT_FOUND) or cannot be read (kIO_ERROR); it has no tokens, a line
  // before the last token is empty, a token appears twice, [CLS]/[SEP]/[PAD]/
  // [UNK] (as named in `options`) is missing, or max_input_chars_per_word is
  // not positive (kINVALID_ARGUMENT).
  static Result<WordPieceTokenizer> FromVocabFile(const std::string& path,
                                                  const TokenizerOptions& options = {});
  // Same, from tokens already in memory (id = index); `source` names them in
  // error messages.
  static Result<WordPieceTokenizer> FromTokens(std::vector<std::string> tokens,
                                               const TokenizerOptions& options = {},
                                               const std::string& source = "<tokens>");

  int32_t vocab_size() const;
  const TokenizerOptions& options() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  // -1 when the vocabulary has no mask token.
  int32_t mask_id() const;
  // The id of a vocabulary entry, or -1.
  int32_t TokenToId(std::string_view token) const;
  // The token of an id; empty for an id out of range. The view stays valid as
  // long as any copy of this tokenizer exists.
  std::string_view IdToToken(int32_t id) const;

  // Steps 1-4 only: the normalized words (UTF-8), special tokens kept as is
  // when recognized.
  std::vector<std::string> BasicTokenize(std::string_view text) const;
  // Steps 1-5: the WordPiece tokens, without [CLS]/[SEP].
  std::vector<std::string> Tokenize(std::string_view text) const;
  // Steps 1-5 as ids, appended to *ids (every id < vocab_size()).
  void TokenizeToIds(std::string_view text, std::vector<int32_t>* ids) const;

  // [CLS] text [SEP], truncated/padded per `options`. Fails only on invalid
  // options (kINVALID_ARGUMENT: max_length < 0, 0 < max_length < 2, padding
  // without max_length; kOUT_OF_RANGE: max_length > 2^20): any byte string is
  // valid text.
  Result<Encoding> Encode(std::string_view text, const EncodeOptions& options = {}) const;
  // [CLS] a [SEP] b [SEP]; max_length, when set, must be >= 3.
  Result<Encoding> EncodePair(std::string_view a, std::string_view b,
                              const EncodeOptions& options = {}) const;

  // Encodes every text (or every pair texts[i], pairs[i]; an empty `pairs`
  // means single texts) into one padded batch; row i equals Encode(texts[i])
  // (or EncodePair) padded to seq_len. Fails on invalid options (as Encode),
  // when pairs.size() != texts.size(), or when the batch would exceed 2^31
  // elements (kOUT_OF_RANGE).
  Result<EncodedBatch> EncodeBatch(const std::vector<std::string>& texts,
                                   const BatchOptions& options = {}) const;
  Result<EncodedBatch> EncodeBatch(const std::vector<std::string>& texts,
                                   const std::vector<std::string>& pairs,
                                   const BatchOptions& options = {}) const;

 private:
  struct Impl;
  explicit WordPieceTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace fp8sdk::text

#endif  // FP8SDK_SDK_TEXT_WORDPIECE_H_
