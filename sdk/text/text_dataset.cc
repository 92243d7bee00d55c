#include "sdk/text/text_dataset.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "sdk/text/read_file.h"

namespace fp8sdk::text {
namespace {

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (true) {
    const size_t tab = line.find('\t', pos);
    if (tab == std::string_view::npos) {
      fields.push_back(line.substr(pos));
      return fields;
    }
    fields.push_back(line.substr(pos, tab - pos));
    pos = tab + 1;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int32_t> ParseLabel(std::string_view s) {
  s = Trim(s);
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 10) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (negative) v = -v;
  if (v < INT32_MIN || v > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(v);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Lines without their terminators ("\n" or "\r\n").
std::vector<std::string_view> SplitLines(std::string_view contents) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < contents.size()) {
    size_t nl = contents.find('\n', pos);
    if (nl == std::string_view::npos) nl = contents.size();
    size_t end = nl;
    if (end > pos && contents[end - 1] == '\r') --end;
    lines.push_back(contents.substr(pos, end - pos));
    pos = nl + 1;
  }
  return lines;
}

Result<TextDataset> ParseTsv(const std::vector<std::string_view>& lines, const std::string& name) {
  TextDataset ds;
  size_t last = lines.size();  // blank lines at the end are ignored
  while (last > 0 && Trim(lines[last - 1]).empty()) --last;
  if (last == 0) return ds;
  const char* file = name.c_str();

  const std::vector<std::string_view> first = SplitTabs(lines[0]);
  const size_t num_fields = first.size();
  int label_col = -1, text_col = -1;
  size_t begin = 0;
  const bool headerless = num_fields == 2 && ParseLabel(first[0]).has_value();
  if (headerless) {
    label_col = 0;
    text_col = 1;
  } else {
    begin = 1;
    for (size_t c = 0; c < num_fields; ++c) {
      const std::string_view f = Trim(first[c]);
      if (EqualsIgnoreCase(f, "label")) {
        label_col = static_cast<int>(c);
      } else if (text_col < 0 &&
                 (EqualsIgnoreCase(f, "sentence") || EqualsIgnoreCase(f, "content") ||
                  EqualsIgnoreCase(f, "text") || EqualsIgnoreCase(f, "review"))) {
        text_col = static_cast<int>(c);
      }
    }
    if (text_col < 0 && num_fields == 2 && label_col >= 0) text_col = 1 - label_col;
    if (text_col < 0) {
      return InvalidArgument(StrFormat(
          "%s:1: header '%s' has no text column (expected one named sentence, content, text or "
          "review, or 'label<TAB>sentence' lines without a header)",
          file, std::string(lines[0]).c_str()));
    }
  }
  ds.has_labels = label_col >= 0;
  ds.integer_labels = ds.has_labels;
  ds.sentences.reserve(last - begin);
  if (ds.has_labels) ds.labels.reserve(last - begin);
  for (size_t i = begin; i < last; ++i) {
    const size_t line_no = i + 1;
    if (lines[i].empty()) {
      return InvalidArgument(StrFormat("%s:%zu: empty line", file, line_no));
    }
    const std::vector<std::string_view> fields = SplitTabs(lines[i]);
    if (fields.size() != num_fields) {
      return InvalidArgument(StrFormat("%s:%zu: expected %zu tab-separated fields, found %zu", file,
                                       line_no, num_fields, fields.size()));
    }
    if (ds.has_labels) {
      const std::optional<int32_t> label = ParseLabel(fields[label_col]);
      if (label) {
        ds.labels.push_back(*label);
        ds.label_values.push_back(static_cast<float>(*label));
      } else {
        const std::string text(Trim(fields[label_col]));
        char* end = nullptr;
        const float v = text.empty() ? 0.0f : std::strtof(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !std::isfinite(v)) {
          return InvalidArgument(
              StrFormat("%s:%zu: label '%s' is not a number", file, line_no, text.c_str()));
        }
        ds.integer_labels = false;
        ds.label_values.push_back(v);
      }
    }
    ds.sentences.emplace_back(fields[text_col]);
  }
  if (!ds.integer_labels) ds.labels.clear();
  return ds;
}

}  // namespace

Result<TextDataset> ParseTextDataset(std::string_view contents, const std::string& name,
                                     TextFileFormat format) {
  if (contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
  // Text has no NUL bytes: a binary file (a model given as --calib) is
  // refused rather than read as garbage sentences.
  if (const size_t nul = contents.find('\0'); nul != std::string_view::npos) {
    const size_t line =
        1 + static_cast<size_t>(std::count(contents.begin(), contents.begin() + nul, '\n'));
    return InvalidArgument(
        StrFormat("%s:%zu: a NUL byte: this is not a text file", name.c_str(), line));
  }
  const std::vector<std::string_view> lines = SplitLines(contents);
  if (format == TextFileFormat::kAuto) {
    format = !lines.empty() && lines[0].find('\t') != std::string_view::npos
                 ? TextFileFormat::kTsv
                 : TextFileFormat::kPlainText;
  }
  if (format == TextFileFormat::kTsv) return ParseTsv(lines, name);
  TextDataset ds;
  for (std::string_view line : lines) {
    if (!Trim(line).empty()) ds.sentences.emplace_back(line);
  }
  return ds;
}

Result<TextDataset> ReadTextDataset(const std::string& path, TextFileFormat format) {
  std::string contents;
  FP8_RETURN_IF_ERROR(internal::ReadFile(path, "data set", &contents));
  return ParseTextDataset(contents, path, format);
}

}  // namespace fp8sdk::text
