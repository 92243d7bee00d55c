#include "converter/quantize/scale_search.h"

#include <cmath>

#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace convert {

const char* CalibMethodName(CalibMethod m) {
  switch (m) {
    case CalibMethod::kMinMax:
      return "minmax";
    case CalibMethod::kPercentile:
      return "percentile";
    case CalibMethod::kMse:
      return "mse";
  }
  return "unknown";
}

namespace {

float MaxValue(DType dtype, const Fp8Format& f) {
  return dtype == DType::kINT8 ? 127.0f : f.MaxFinite();
}

double MseOf(const RangeObserver& obs, DType dtype, const Fp8Format& f, float scale) {
  return dtype == DType::kINT8 ? obs.Int8Mse(scale) : obs.Fp8Mse(f, scale);
}

ScaleChoice Finish(const RangeObserver& obs, DType dtype, const Fp8Format& f, float range) {
  ScaleChoice c;
  c.dtype = dtype;
  c.format = f;
  c.scale = dtype == DType::kINT8 ? Int8ScaleForAmax(range) : Fp8ScaleForAmax(range, f);
  c.clip = c.scale * MaxValue(dtype, f);
  c.mse = MseOf(obs, dtype, f, c.scale);
  c.clipped = obs.ClippedFraction(c.clip);
  return c;
}

// Searches range = amax * 2^(-k/16), k = 0..112 (down to amax / 128).
ScaleChoice SearchMse(const RangeObserver& obs, DType dtype, const Fp8Format& f) {
  ScaleChoice best = Finish(obs, dtype, f, obs.amax());
  for (int k = 1; k <= 112; ++k) {
    const float range = obs.amax() * std::exp2(-static_cast<float>(k) / 16.0f);
    const float scale = dtype == DType::kINT8 ? Int8ScaleForAmax(range) : Fp8ScaleForAmax(range, f);
    const double mse = MseOf(obs, dtype, f, scale);
    if (mse < best.mse) best = Finish(obs, dtype, f, range);
  }
  return best;
}

}  // namespace

ScaleChoice ChooseScale(const RangeObserver& obs, DType dtype, CalibMethod method,
                        double percentile) {
  const Fp8Format f = dtype == DType::kFP8_E5M2 ? kE5M2 : kE4M3;
  switch (method) {
    case CalibMethod::kMinMax:
      return Finish(obs, dtype, f, obs.amax());
    case CalibMethod::kPercentile:
      return Finish(obs, dtype, f, obs.Percentile(percentile));
    case CalibMethod::kMse:
      return SearchMse(obs, dtype, f);
  }
  return Finish(obs, dtype, f, obs.amax());
}

ScaleChoice ChooseFormatByMse(const RangeObserver& obs) {
  ScaleChoice best = SearchMse(obs, DType::kFP8_E4M3, kE4M3);
  const ScaleChoice e5 = SearchMse(obs, DType::kFP8_E5M2, kE5M2);
  if (e5.mse < best.mse) best = e5;
  for (int e : {2, 3}) {
    const ScaleChoice c = SearchMse(obs, DType::kFP8_CUSTOM, SimulatedFp8Format(e));
    if (c.mse < best.mse) best = c;
  }
  return best;
}

}  // namespace convert
}  // namespace fp8sdk
