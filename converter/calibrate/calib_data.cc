#include "converter/calibrate/calib_data.h"

#include <fstream>
#include <sstream>

#include "sdk/text/text_dataset.h"
#include "sdk/text/wordpiece.h"

namespace fp8sdk {
namespace convert {

std::vector<CalibBatch> MakeBatches(const std::vector<std::vector<int64_t>>& ids,
                                    const std::vector<std::vector<int64_t>>& types, int batch) {
  std::vector<CalibBatch> out;
  for (size_t start = 0; start < ids.size(); start += static_cast<size_t>(batch)) {
    const size_t end = std::min(ids.size(), start + static_cast<size_t>(batch));
    CalibBatch b;
    b.batch = static_cast<int>(end - start);
    for (size_t i = start; i < end; ++i)
      b.sequence = std::max(b.sequence, static_cast<int>(ids[i].size()));
    const size_t n = static_cast<size_t>(b.batch) * static_cast<size_t>(b.sequence);
    b.input_ids.assign(n, 0);
    b.token_type_ids.assign(n, 0);
    b.attention_mask.assign(n, 0);
    for (size_t i = start; i < end; ++i) {
      const size_t row = (i - start) * static_cast<size_t>(b.sequence);
      for (size_t k = 0; k < ids[i].size(); ++k) {
        b.input_ids[row + k] = ids[i][k];
        b.token_type_ids[row + k] = types.empty() ? 0 : types[i][k];
        b.attention_mask[row + k] = 1;
      }
    }
    out.push_back(std::move(b));
  }
  return out;
}

namespace {

Result<std::vector<std::vector<int64_t>>> ReadIds(const std::string& path, int limit,
                                                  int max_length, int vocab_size) {
  std::ifstream in(path);
  if (!in) return NotFound(StrFormat("cannot read calibration ids '%s'", path.c_str()));
  std::vector<std::vector<int64_t>> out;
  std::string line;
  int line_no = 0;
  while (static_cast<int>(out.size()) < limit && std::getline(in, line)) {
    ++line_no;
    std::stringstream ss(line);
    std::vector<int64_t> ids;
    std::string tok;
    while (ss >> tok) {
      char* end = nullptr;
      const long long v = std::strtoll(tok.c_str(), &end, 10);
      if (*end || v < 0 || (vocab_size > 0 && v >= vocab_size)) {
        return InvalidArgument(StrFormat("'%s' line %d: '%s' is not a token id in [0, %d)",
                                         path.c_str(), line_no, tok.c_str(), vocab_size));
      }
      ids.push_back(v);
    }
    if (ids.empty()) continue;
    if (static_cast<int>(ids.size()) > max_length) ids.resize(static_cast<size_t>(max_length));
    out.push_back(std::move(ids));
  }
  if (out.empty()) return InvalidArgument(StrFormat("'%s' has no token ids", path.c_str()));
  return out;
}

}  // namespace

Result<std::vector<CalibBatch>> LoadCalibrationData(const CalibDataOptions& o) {
  if (o.samples <= 0 || o.batch <= 0 || o.max_length < 3) {
    return InvalidArgument("samples, batch must be positive and max_length at least 3");
  }
  std::vector<std::vector<int64_t>> ids;
  if (o.pre_tokenized) {
    FP8_ASSIGN_OR_RETURN(ids, ReadIds(o.path, o.samples, o.max_length, o.vocab_size));
    return MakeBatches(ids, {}, o.batch);
  }
  FP8_ASSIGN_OR_RETURN(text::WordPieceTokenizer tok,
                       text::WordPieceTokenizer::FromVocabFile(o.vocab));
  if (o.vocab_size > 0 && tok.vocab_size() > o.vocab_size) {
    return InvalidArgument(
        StrFormat("vocabulary '%s' has %d tokens; the model's embedding table has "
                  "%d rows",
                  o.vocab.c_str(), tok.vocab_size(), o.vocab_size));
  }
  FP8_ASSIGN_OR_RETURN(text::TextDataset data, text::ReadTextDataset(o.path));
  if (data.sentences.empty()) {
    return InvalidArgument(StrFormat("calibration file '%s' has no sentences", o.path.c_str()));
  }
  if (data.sentences.size() > static_cast<size_t>(o.samples))
    data.sentences.resize(static_cast<size_t>(o.samples));
  text::EncodeOptions eo;
  eo.max_length = o.max_length;
  for (const std::string& s : data.sentences) {
    FP8_ASSIGN_OR_RETURN(text::Encoding e, tok.Encode(s, eo));
    ids.emplace_back(e.input_ids.begin(), e.input_ids.end());
  }
  return MakeBatches(ids, {}, o.batch);
}

}  // namespace convert
}  // namespace fp8sdk
