// Choosing a quantization scale (and, optionally, the FP8 format) for an
// activation from its calibration statistics.
//   min-max:    scale = amax / max_finite            (the FP8-BERT paper)
//   percentile: scale = percentile(|x|, p) / max_finite (p = 99.99: NVIDIA's best for BERT)
//   mse:        the scale on a fine grid below min-max that minimizes the
//               quantization MSE over the observed distribution, evaluated on
//               the actual FP8 (or INT8) grid (Kuzmin et al.)
// ChooseFormatByMse also picks the exponent width among E2M5, E3M4, E4M3 and
// E5M2 by MSE (Kuzmin et al.: heavier outliers want more exponent bits).
#ifndef FP8SDK_CONVERTER_QUANTIZE_SCALE_SEARCH_H_
#define FP8SDK_CONVERTER_QUANTIZE_SCALE_SEARCH_H_

#include <string>

#include "converter/calibrate/range_observer.h"
#include "sdk/runtime/graph.h"

namespace fp8sdk {
namespace convert {

enum class CalibMethod { kMinMax, kPercentile, kMse };
const char* CalibMethodName(CalibMethod m);

struct ScaleChoice {
  DType dtype = DType::kFP8_E4M3;  // FP8_E4M3, FP8_E5M2, FP8_CUSTOM or INT8
  Fp8Format format = kE4M3;        // for FP8 dtypes
  float scale = 1.0f;
  float clip = 0.0f;     // largest representable magnitude: scale * max
  double mse = 0.0;      // estimated on the calibration data
  double clipped = 0.0;  // fraction of calibration values above clip
};

// dtype: FP8_E4M3, FP8_E5M2 or INT8.
ScaleChoice ChooseScale(const RangeObserver& obs, DType dtype, CalibMethod method,
                        double percentile);

// Best (format, scale) by MSE among the ExMy family; E4M3 and E5M2 are the
// OCP formats (FP8_E4M3 / FP8_E5M2), E2M5 and E3M4 simulated (FP8_CUSTOM).
ScaleChoice ChooseFormatByMse(const RangeObserver& obs);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_QUANTIZE_SCALE_SEARCH_H_
