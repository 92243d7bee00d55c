// Calibration inputs for BERT: sentences from a TSV (label<TAB>sentence with
// a header, as GLUE ships them) or a text file (one sentence per line),
// tokenized with the BERT WordPiece vocabulary; or pre-tokenized ids (one
// sentence per line, space-separated integers, [CLS]/[SEP] included).
// Batches are padded to their longest sentence.
#ifndef FP8SDK_CONVERTER_CALIBRATE_CALIB_DATA_H_
#define FP8SDK_CONVERTER_CALIBRATE_CALIB_DATA_H_

#include <string>
#include <vector>

#include "converter/calibrate/calibrator.h"

namespace fp8sdk {
namespace convert {

struct CalibDataOptions {
  std::string path;
  bool pre_tokenized = false;
  std::string vocab;     // needed unless pre_tokenized
  int samples = 128;     // sentences to use (the first ones; fewer if the file is shorter)
  int max_length = 128;  // truncate to this many tokens
  int batch = 8;
  int vocab_size = 0;  // when > 0, ids must be below it
};

Result<std::vector<CalibBatch>> LoadCalibrationData(const CalibDataOptions& options);

// Groups tokenized sentences into padded batches.
std::vector<CalibBatch> MakeBatches(const std::vector<std::vector<int64_t>>& ids,
                                    const std::vector<std::vector<int64_t>>& types, int batch);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_CALIBRATE_CALIB_DATA_H_
