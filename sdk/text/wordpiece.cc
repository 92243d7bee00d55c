#include "sdk/text/wordpiece.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "sdk/text/basic_tokenizer.h"
#include "sdk/text/read_file.h"

namespace fp8sdk::text {

using internal::WordSpan;

struct WordPieceTokenizer::Impl {
  TokenizerOptions options;
  internal::BasicOptions basic;
  std::string source;
  // id -> token. Never resized after construction: the maps below hold views
  // into these strings, and Impl itself never moves (it lives in a shared_ptr).
  std::vector<std::string> tokens;
  std::unordered_map<std::string_view, int32_t> word_start;    // every token
  std::unordered_map<std::string_view, int32_t> continuation;  // "##x" as "x"
  size_t max_start_bytes = 0;
  size_t max_continuation_bytes = 0;
  int32_t cls = -1, sep = -1, pad = -1, unk = -1, mask = -1;
  // Special tokens recognized in text, longest first; first bytes of them.
  std::vector<std::pair<std::string_view, int32_t>> specials;
  bool special_first_byte[256] = {};

  int32_t Find(std::string_view token) const {
    auto it = word_start.find(token);
    return it == word_start.end() ? -1 : it->second;
  }

  // WordPiece for one normalized word (UTF-8, `num_chars` code points).
  void WordPiece(std::string_view word, uint32_t num_chars, std::vector<int32_t>* ids) const;
  // Basic tokenization + WordPiece of text without special tokens.
  void SegmentToIds(std::string_view text, internal::BasicScratch* scratch, std::string* buf,
                    std::vector<WordSpan>* words, std::vector<int32_t>* ids) const;
  // Calls segment(text piece) and special(id) in order over the text.
  template <typename SegmentFn, typename SpecialFn>
  void SplitSpecial(std::string_view text, SegmentFn segment, SpecialFn special) const;
  // Ids of text, no [CLS]/[SEP].
  void TextToIds(std::string_view text, internal::BasicScratch* scratch, std::string* buf,
                 std::vector<WordSpan>* words, std::vector<int32_t>* ids) const;
};

namespace {

inline bool IsUtf8Continuation(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

// Working memory for one call; reused across the examples of a batch.
struct Scratch {
  internal::BasicScratch basic;
  std::string buf;
  std::vector<WordSpan> words;
};

// Far above any BERT's positions; keeps padded outputs to a sane size.
constexpr int kMaxLength = 1 << 20;

Status CheckMaxLength(int max_length, bool pad, int num_special) {
  if (max_length < 0) {
    return InvalidArgument(StrFormat("max_length %d is negative", max_length));
  }
  if (max_length > kMaxLength) {
    return OutOfRange(StrFormat("max_length %d exceeds the limit %d", max_length, kMaxLength));
  }
  if (max_length > 0 && max_length < num_special) {
    return InvalidArgument(
        StrFormat("max_length %d cannot hold the %d special tokens", max_length, num_special));
  }
  if (pad && max_length == 0) {
    return InvalidArgument("padding to max_length needs max_length > 0");
  }
  return Status::Ok();
}

// Hugging Face's LongestFirst truncation of a pair to `budget` tokens (as the
// Rust library does it: when both are longer than budget/2, the first keeps
// floor(budget/2)). Returns true if anything was removed.
bool TruncatePair(size_t budget, size_t* n1, size_t* n2) {
  if (*n1 + *n2 <= budget) return false;
  if (*n1 <= *n2) {
    *n1 = std::min(*n1, budget / 2);
    *n2 = budget - *n1;
  } else {
    *n2 = std::min(*n2, budget / 2);
    *n1 = budget - *n2;
  }
  return true;
}

}  // namespace

void WordPieceTokenizer::Impl::WordPiece(std::string_view word, uint32_t num_chars,
                                         std::vector<int32_t>* ids) const {
  if (num_chars > static_cast<uint32_t>(options.max_input_chars_per_word)) {
    ids->push_back(unk);
    return;
  }
  const size_t mark = ids->size();
  const size_t len = word.size();
  size_t start = 0;
  while (start < len) {
    const auto& map = start == 0 ? word_start : continuation;
    const size_t max_bytes = start == 0 ? max_start_bytes : max_continuation_bytes;
    // Pieces longer than the longest vocabulary entry cannot match: start
    // from there (moved back to a character boundary) instead of the end.
    size_t end = len - start > max_bytes ? start + max_bytes : len;
    while (end < len && end > start && IsUtf8Continuation(word[end])) --end;
    int32_t found = -1;
    while (end > start) {
      auto it = map.find(word.substr(start, end - start));
      if (it != map.end()) {
        found = it->second;
        break;
      }
      do {
        --end;
      } while (end > start && IsUtf8Continuation(word[end]));
    }
    if (found < 0) {  // the word cannot be covered: one [UNK] for all of it
      ids->resize(mark);
      ids->push_back(unk);
      return;
    }
    ids->push_back(found);
    start = end;
  }
}

void WordPieceTokenizer::Impl::SegmentToIds(std::string_view text, internal::BasicScratch* scratch,
                                            std::string* buf, std::vector<WordSpan>* words,
                                            std::vector<int32_t>* ids) const {
  buf->clear();
  words->clear();
  internal::BasicTokenize(text, basic, scratch, buf, words);
  const std::string_view all(*buf);
  for (const WordSpan& w : *words) {
    WordPiece(all.substr(w.begin, w.end - w.begin), w.num_chars, ids);
  }
}

template <typename SegmentFn, typename SpecialFn>
void WordPieceTokenizer::Impl::SplitSpecial(std::string_view text, SegmentFn segment,
                                            SpecialFn special) const {
  if (specials.empty()) {
    segment(text);
    return;
  }
  size_t seg_begin = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!special_first_byte[static_cast<uint8_t>(text[i])]) {
      ++i;
      continue;
    }
    const std::pair<std::string_view, int32_t>* match = nullptr;
    for (const auto& s : specials) {  // longest first
      if (text.compare(i, s.first.size(), s.first) == 0) {
        match = &s;
        break;
      }
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    if (i > seg_begin) segment(text.substr(seg_begin, i - seg_begin));
    special(*match);
    i += match->first.size();
    seg_begin = i;
  }
  if (seg_begin < text.size()) segment(text.substr(seg_begin));
}

void WordPieceTokenizer::Impl::TextToIds(std::string_view text, internal::BasicScratch* scratch,
                                         std::string* buf, std::vector<WordSpan>* words,
                                         std::vector<int32_t>* ids) const {
  SplitSpecial(
      text, [&](std::string_view seg) { SegmentToIds(seg, scratch, buf, words, ids); },
      [&](const std::pair<std::string_view, int32_t>& s) { ids->push_back(s.second); });
}

Result<WordPieceTokenizer> WordPieceTokenizer::FromVocabFile(const std::string& path,
                                                             const TokenizerOptions& options) {
  std::string contents;
  FP8_RETURN_IF_ERROR(internal::ReadFile(path, "vocabulary file", &contents));
  std::vector<std::string> tokens;
  size_t pos = 0;
  while (pos < contents.size()) {
    size_t nl = contents.find('\n', pos);
    if (nl == std::string::npos) nl = contents.size();
    size_t end = nl;
    if (end > pos && contents[end - 1] == '\r') --end;
    tokens.emplace_back(contents, pos, end - pos);
    pos = nl + 1;
  }
  // Blank lines at the end of the file carry no id; blank lines before the
  // last token are errors (FromTokens names them).
  while (!tokens.empty() && tokens.back().empty()) tokens.pop_back();
  return FromTokens(std::move(tokens), options, path);
}

Result<WordPieceTokenizer> WordPieceTokenizer::FromTokens(std::vector<std::string> tokens,
                                                          const TokenizerOptions& options,
                                                          const std::string& source) {
  const char* src = source.c_str();
  if (tokens.empty()) {
    return InvalidArgument(StrFormat("vocabulary '%s' is empty", src));
  }
  if (tokens.size() > static_cast<size_t>(INT32_MAX)) {
    return InvalidArgument(StrFormat("vocabulary '%s' has too many tokens", src));
  }
  if (options.max_input_chars_per_word <= 0) {
    return InvalidArgument(StrFormat("max_input_chars_per_word %d must be positive",
                                     options.max_input_chars_per_word));
  }
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->source = source;
  impl->basic.lower_case = options.lower_case;
  impl->basic.strip_accents = options.strip_accents.value_or(options.lower_case);
  impl->basic.tokenize_chinese_chars = options.tokenize_chinese_chars;
  impl->tokens = std::move(tokens);
  impl->word_start.reserve(impl->tokens.size());
  const std::string_view prefix(options.continuation_prefix);
  for (size_t id = 0; id < impl->tokens.size(); ++id) {
    const std::string_view token(impl->tokens[id]);
    if (token.empty()) {
      return InvalidArgument(StrFormat("%s:%zu: empty token", src, id + 1));
    }
    auto [it, inserted] = impl->word_start.emplace(token, static_cast<int32_t>(id));
    if (!inserted) {
      return InvalidArgument(StrFormat("%s:%zu: duplicate token '%s' (first at line %d)", src,
                                       id + 1, impl->tokens[id].c_str(), it->second + 1));
    }
    impl->max_start_bytes = std::max(impl->max_start_bytes, token.size());
    if (!prefix.empty() && token.size() > prefix.size() &&
        token.substr(0, prefix.size()) == prefix) {
      const std::string_view rest = token.substr(prefix.size());
      impl->continuation.emplace(rest, static_cast<int32_t>(id));
      impl->max_continuation_bytes = std::max(impl->max_continuation_bytes, rest.size());
    }
  }
  struct Required {
    const std::string& name;
    int32_t* id;
  };
  for (const Required& r :
       {Required{options.cls_token, &impl->cls}, Required{options.sep_token, &impl->sep},
        Required{options.pad_token, &impl->pad}, Required{options.unk_token, &impl->unk}}) {
    *r.id = impl->Find(r.name);
    if (*r.id < 0) {
      return InvalidArgument(
          StrFormat("vocabulary '%s' has no special token '%s'", src, r.name.c_str()));
    }
  }
  impl->mask = options.mask_token.empty() ? -1 : impl->Find(options.mask_token);
  if (options.recognize_special_tokens) {
    for (int32_t id : {impl->pad, impl->unk, impl->cls, impl->sep, impl->mask}) {
      if (id < 0) continue;
      const std::string_view s(impl->tokens[id]);
      impl->specials.emplace_back(s, id);
      impl->special_first_byte[static_cast<uint8_t>(s[0])] = true;
    }
    std::stable_sort(impl->specials.begin(), impl->specials.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }
  return WordPieceTokenizer(std::move(impl));
}

int32_t WordPieceTokenizer::vocab_size() const {
  return static_cast<int32_t>(impl_->tokens.size());
}
const TokenizerOptions& WordPieceTokenizer::options() const { return impl_->options; }
int32_t WordPieceTokenizer::cls_id() const { return impl_->cls; }
int32_t WordPieceTokenizer::sep_id() const { return impl_->sep; }
int32_t WordPieceTokenizer::pad_id() const { return impl_->pad; }
int32_t WordPieceTokenizer::unk_id() const { return impl_->unk; }
int32_t WordPieceTokenizer::mask_id() const { return impl_->mask; }

int32_t WordPieceTokenizer::TokenToId(std::string_view token) const { return impl_->Find(token); }

std::string_view WordPieceTokenizer::IdToToken(int32_t id) const {
  if (id < 0 || id >= vocab_size()) return {};
  return impl_->tokens[id];
}

std::vector<std::string> WordPieceTokenizer::BasicTokenize(std::string_view text) const {
  Scratch s;
  std::vector<std::string> out;
  impl_->SplitSpecial(
      text,
      [&](std::string_view seg) {
        s.buf.clear();
        s.words.clear();
        internal::BasicTokenize(seg, impl_->basic, &s.basic, &s.buf, &s.words);
        for (const WordSpan& w : s.words) out.emplace_back(s.buf, w.begin, w.end - w.begin);
      },
      [&](const std::pair<std::string_view, int32_t>& sp) { out.emplace_back(sp.first); });
  return out;
}

std::vector<std::string> WordPieceTokenizer::Tokenize(std::string_view text) const {
  std::vector<int32_t> ids;
  TokenizeToIds(text, &ids);
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.emplace_back(impl_->tokens[id]);
  return out;
}

void WordPieceTokenizer::TokenizeToIds(std::string_view text, std::vector<int32_t>* ids) const {
  Scratch s;
  impl_->TextToIds(text, &s.basic, &s.buf, &s.words, ids);
}

Result<Encoding> WordPieceTokenizer::Encode(std::string_view text,
                                            const EncodeOptions& options) const {
  FP8_RETURN_IF_ERROR(CheckMaxLength(options.max_length, options.pad_to_max_length, 2));
  Encoding e;
  e.input_ids.push_back(impl_->cls);
  TokenizeToIds(text, &e.input_ids);
  if (options.max_length > 0 && e.input_ids.size() + 1 > static_cast<size_t>(options.max_length)) {
    e.input_ids.resize(options.max_length - 1);
  }
  e.input_ids.push_back(impl_->sep);
  e.token_type_ids.assign(e.input_ids.size(), 0);
  e.attention_mask.assign(e.input_ids.size(), 1);
  if (options.pad_to_max_length) {
    e.input_ids.resize(options.max_length, impl_->pad);
    e.token_type_ids.resize(options.max_length, 0);
    e.attention_mask.resize(options.max_length, 0);
  }
  return e;
}

Result<Encoding> WordPieceTokenizer::EncodePair(std::string_view a, std::string_view b,
                                                const EncodeOptions& options) const {
  FP8_RETURN_IF_ERROR(CheckMaxLength(options.max_length, options.pad_to_max_length, 3));
  std::vector<int32_t> ids_a, ids_b;
  TokenizeToIds(a, &ids_a);
  TokenizeToIds(b, &ids_b);
  size_t n1 = ids_a.size(), n2 = ids_b.size();
  if (options.max_length > 0) TruncatePair(options.max_length - 3, &n1, &n2);
  Encoding e;
  e.input_ids.reserve(n1 + n2 + 3);
  e.input_ids.push_back(impl_->cls);
  e.input_ids.insert(e.input_ids.end(), ids_a.begin(), ids_a.begin() + n1);
  e.input_ids.push_back(impl_->sep);
  e.token_type_ids.assign(e.input_ids.size(), 0);
  e.input_ids.insert(e.input_ids.end(), ids_b.begin(), ids_b.begin() + n2);
  e.input_ids.push_back(impl_->sep);
  e.token_type_ids.resize(e.input_ids.size(), 1);
  e.attention_mask.assign(e.input_ids.size(), 1);
  if (options.pad_to_max_length) {
    e.input_ids.resize(options.max_length, impl_->pad);
    e.token_type_ids.resize(options.max_length, 0);
    e.attention_mask.resize(options.max_length, 0);
  }
  return e;
}

Result<EncodedBatch> WordPieceTokenizer::EncodeBatch(const std::vector<std::string>& texts,
                                                     const BatchOptions& options) const {
  static const std::vector<std::string> kNoPairs;
  return EncodeBatch(texts, kNoPairs, options);
}

Result<EncodedBatch> WordPieceTokenizer::EncodeBatch(const std::vector<std::string>& texts,
                                                     const std::vector<std::string>& pairs,
                                                     const BatchOptions& options) const {
  const bool is_pair = !pairs.empty();
  if (is_pair && pairs.size() != texts.size()) {
    return InvalidArgument(
        StrFormat("EncodeBatch: %zu texts but %zu pair texts", texts.size(), pairs.size()));
  }
  const int num_special = is_pair ? 3 : 2;
  FP8_RETURN_IF_ERROR(CheckMaxLength(options.max_length, options.pad_to_max_length, num_special));

  // Pass 1: every example's ids (a then b) in one flat array.
  Scratch s;
  std::vector<int32_t> flat;
  std::vector<size_t> offsets;  // per example: begin of a, begin of b, end
  offsets.reserve(texts.size() * 2 + 1);
  flat.reserve(texts.size() * 32);
  EncodedBatch out;
  size_t longest = 0;
  std::vector<std::pair<size_t, size_t>> kept(texts.size());  // tokens kept of a, b
  for (size_t i = 0; i < texts.size(); ++i) {
    offsets.push_back(flat.size());
    impl_->TextToIds(texts[i], &s.basic, &s.buf, &s.words, &flat);
    offsets.push_back(flat.size());
    if (is_pair) impl_->TextToIds(pairs[i], &s.basic, &s.buf, &s.words, &flat);
    size_t n1 = offsets[2 * i + 1] - offsets[2 * i];
    size_t n2 = flat.size() - offsets[2 * i + 1];
    if (options.max_length > 0) {
      const size_t budget = options.max_length - num_special;
      bool truncated;
      if (is_pair) {
        truncated = TruncatePair(budget, &n1, &n2);
      } else {
        truncated = n1 > budget;
        n1 = std::min(n1, budget);
      }
      out.num_truncated += truncated ? 1 : 0;
    }
    kept[i] = {n1, n2};
    longest = std::max(longest, n1 + n2 + num_special);
  }
  offsets.push_back(flat.size());

  // Pass 2: fill the padded arrays.
  out.batch = static_cast<int64_t>(texts.size());
  out.seq_len = options.pad_to_max_length ? options.max_length : static_cast<int64_t>(longest);
  if (out.seq_len > 0 && out.batch > (int64_t{1} << 31) / out.seq_len) {
    return OutOfRange(StrFormat("EncodeBatch: %lld x %lld tokens is too large",
                                static_cast<long long>(out.batch),
                                static_cast<long long>(out.seq_len)));
  }
  const size_t total = static_cast<size_t>(out.batch * out.seq_len);
  out.input_ids.assign(total, impl_->pad);
  out.token_type_ids.assign(total, 0);
  out.attention_mask.assign(total, 0);
  for (size_t i = 0; i < texts.size(); ++i) {
    int64_t* ids = out.input_ids.data() + i * out.seq_len;
    int64_t* types = out.token_type_ids.data() + i * out.seq_len;
    size_t k = 0;
    ids[k++] = impl_->cls;
    const int32_t* a = flat.data() + offsets[2 * i];
    for (size_t j = 0; j < kept[i].first; ++j) ids[k++] = a[j];
    ids[k++] = impl_->sep;
    if (is_pair) {
      const size_t b_begin = k;
      const int32_t* b = flat.data() + offsets[2 * i + 1];
      for (size_t j = 0; j < kept[i].second; ++j) ids[k++] = b[j];
      ids[k++] = impl_->sep;
      std::fill(types + b_begin, types + k, 1);
    }
    std::fill(out.attention_mask.data() + i * out.seq_len,
              out.attention_mask.data() + i * out.seq_len + k, 1);
  }
  return out;
}

}  // namespace fp8sdk::text
