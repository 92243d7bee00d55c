// Reading sentence data sets for calibration and evaluation: SST-2-style TSV
// files (a label and a sentence per line) and plain text (one sentence per
// line).
//
// Thread-safety: the functions are reentrant; they share no state.
#ifndef FP8SDK_SDK_TEXT_TEXT_DATASET_H_
#define FP8SDK_SDK_TEXT_TEXT_DATASET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sdk/runtime/status.h"

namespace fp8sdk::text {

enum class TextFileFormat {
  // A TSV file if the first line has a tab, plain text otherwise.
  kAuto,
  // Tab-separated values, one example per line, with or without a header:
  //  - With a header (a first line whose fields are not "integer<TAB>text"):
  //    columns are found by name, case-insensitively: the label is "label",
  //    the text is "sentence", "content", "text" or "review" (or, in a
  //    two-column file, the column that is not the label). Without a "label"
  //    column the file has no labels (e.g. GLUE's test split, "index<TAB>
  //    sentence"). GLUE's SST-2 header "sentence<TAB>label" and this project's
  //    "label<TAB>content" both work.
  //  - Without a header: "label<TAB>sentence".
  // Every line must have as many fields as the first line; labels are
  // decimal integers (surrounding spaces allowed). Blank lines are errors,
  // except at the end of the file.
  kTsv,
  // One sentence per line; blank lines are skipped; no labels.
  kPlainText,
};

struct TextDataset {
  std::vector<std::string> sentences;
  // Class labels, one per sentence, when has_labels and every label is an
  // integer; else empty.
  std::vector<int32_t> labels;
  // Every label as a number (regression targets such as STS-B's 3.8 too),
  // one per sentence when has_labels.
  std::vector<float> label_values;
  bool has_labels = false;
  bool integer_labels = false;
};

// Reads a data set file. Lines end in "\n" or "\r\n"; a UTF-8 byte-order mark
// at the start is skipped; the text itself is not validated (the tokenizer
// accepts any bytes). Errors: the file cannot be read (kNOT_FOUND /
// kIO_ERROR), or a malformed line (kINVALID_ARGUMENT, message
// "PATH:LINE: ..." naming what is wrong).
Result<TextDataset> ReadTextDataset(const std::string& path,
                                    TextFileFormat format = TextFileFormat::kAuto);

// The same, from contents in memory; `name` stands for the file in messages.
Result<TextDataset> ParseTextDataset(std::string_view contents, const std::string& name,
                                     TextFileFormat format = TextFileFormat::kAuto);

}  // namespace fp8sdk::text

#endif  // FP8SDK_SDK_TEXT_TEXT_DATASET_H_
