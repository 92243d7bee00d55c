// Text from strangers: any bytes (invalid UTF-8 included) through the
// WordPiece tokenizer and the data set reader.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"

namespace {
const fp8sdk::text::WordPieceTokenizer& Tokenizer() {
  static const auto* tok = new fp8sdk::text::WordPieceTokenizer(
      fp8sdk::text::WordPieceTokenizer::FromTokens(
          {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "a", "film", "##s", "good", "bad",
           "##ly", "un", "##believ", "##able", "!", ",", ".", "'", "caf", "##e", "\xC3\xA9"})
          .value());
  return *tok;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fp8sdk::text::EncodeOptions o;
  o.max_length = 1 + static_cast<int>(size % 64);
  (void)Tokenizer().Encode(text, o);
  const size_t half = size / 2;
  (void)Tokenizer().EncodePair(text.substr(0, half), text.substr(half), o);
  (void)fp8sdk::text::ParseTextDataset(text, "fuzz.tsv");
  return 0;
}
