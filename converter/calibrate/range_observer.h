// Statistics of a tensor's values over calibration data: the exact absolute
// maximum, and a histogram of |x| with 64 bins per power of two (a bin is the
// float's exponent and top 6 mantissa bits, so every float lands in one bin in
// O(1), with 1.1% relative width). From it come the percentile, the fraction
// clipped by a scale, and the mean squared quantization error of any FP8 /
// INT8 quantizer, which drive the percentile and MSE calibration methods.
#ifndef FP8SDK_CONVERTER_CALIBRATE_RANGE_OBSERVER_H_
#define FP8SDK_CONVERTER_CALIBRATE_RANGE_OBSERVER_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace convert {

class RangeObserver {
 public:
  RangeObserver();

  void Observe(const float* x, size_t n);
  void Merge(const RangeObserver& other);

  uint64_t count() const { return count_; }  // finite values seen
  uint64_t nonfinite() const { return nonfinite_; }
  float amax() const { return amax_; }

  // The smallest v such that at least p percent of |x| are <= v (bin upper
  // edge; exact amax for p >= 100).
  float Percentile(double p) const;
  // Fraction of values with |x| > limit.
  double ClippedFraction(float limit) const;
  // Mean squared error of x -> decode(encode(x / scale)) * scale, saturating
  // (estimated at bin midpoints).
  double Fp8Mse(const Fp8Format& format, float scale) const;
  double Int8Mse(float scale) const;
  // Mean of x^2 (for SQNR).
  double MeanSquare() const;

 private:
  template <typename Q>
  double Mse(Q quantize) const;
  // (value, count) of the non-empty bins; rebuilt after new observations.
  const std::vector<std::pair<float, uint64_t>>& Populated() const;

  static constexpr int kShift = 17;  // 8 exponent + 6 mantissa bits kept
  static constexpr int kBins = 1 << (31 - kShift);
  std::vector<uint64_t> bins_;
  uint64_t count_ = 0, nonfinite_ = 0;
  float amax_ = 0.0f;
  mutable std::vector<std::pair<float, uint64_t>> populated_;
  mutable uint64_t populated_count_ = ~uint64_t{0};
};

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_CALIBRATE_RANGE_OBSERVER_H_
