#include "converter/calibrate/range_observer.h"

#include <cmath>
#include <cstring>

#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace convert {
namespace {

inline uint32_t Bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
inline float FromBits(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

}  // namespace

RangeObserver::RangeObserver() : bins_(kBins, 0) {}

void RangeObserver::Observe(const float* x, size_t n) {
  uint64_t* bins = bins_.data();
  float amax = amax_;
  uint64_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t a = Bits(x[i]) & 0x7FFFFFFFu;
    if (a >= 0x7F800000u) {
      ++bad;
      continue;
    }
    ++bins[a >> kShift];
    const float v = FromBits(a);
    amax = v > amax ? v : amax;
  }
  amax_ = amax;
  nonfinite_ += bad;
  count_ += n - bad;
}

void RangeObserver::Merge(const RangeObserver& o) {
  for (int i = 0; i < kBins; ++i) bins_[static_cast<size_t>(i)] += o.bins_[static_cast<size_t>(i)];
  count_ += o.count_;
  nonfinite_ += o.nonfinite_;
  amax_ = std::max(amax_, o.amax_);
}

float RangeObserver::Percentile(double p) const {
  if (count_ == 0) return 0.0f;
  if (p >= 100.0) return amax_;
  const double target = p / 100.0 * static_cast<double>(count_);
  uint64_t seen = 0;
  for (int i = 0; i < kBins; ++i) {
    seen += bins_[static_cast<size_t>(i)];
    if (static_cast<double>(seen) >= target && seen > 0) {
      const float upper = FromBits(static_cast<uint32_t>(i + 1) << kShift);
      return std::min(upper, amax_);
    }
  }
  return amax_;
}

const std::vector<std::pair<float, uint64_t>>& RangeObserver::Populated() const {
  if (populated_count_ != count_) {
    populated_.clear();
    for (int i = 0; i < kBins; ++i) {
      const uint64_t c = bins_[static_cast<size_t>(i)];
      if (!c) continue;
      // The bin's midpoint, never above the exact maximum.
      const float mid = FromBits((static_cast<uint32_t>(i) << kShift) | (1u << (kShift - 1)));
      populated_.emplace_back(std::min(mid, amax_), c);
    }
    populated_count_ = count_;
  }
  return populated_;
}

double RangeObserver::ClippedFraction(float limit) const {
  if (count_ == 0) return 0.0;
  uint64_t above = 0;
  for (const auto& [v, c] : Populated()) {
    if (v > limit) above += c;
  }
  return static_cast<double>(above) / static_cast<double>(count_);
}

template <typename Q>
double RangeObserver::Mse(Q quantize) const {
  if (count_ == 0) return 0.0;
  double sum = 0.0;
  for (const auto& [v, c] : Populated()) {
    const double d = static_cast<double>(v) - static_cast<double>(quantize(v));
    sum += static_cast<double>(c) * d * d;
  }
  return sum / static_cast<double>(count_);
}

double RangeObserver::Fp8Mse(const Fp8Format& f, float scale) const {
  const float mul = QuantizeMultiplier(scale);
  return Mse([&](float v) { return Fp8ToFloat(FloatToFp8(v * mul, f), f) * scale; });
}

double RangeObserver::Int8Mse(float scale) const {
  const float mul = QuantizeMultiplier(scale);
  return Mse([&](float v) {
    const float y = std::nearbyint(std::min(std::max(v * mul, -127.0f), 127.0f));
    return y * scale;
  });
}

double RangeObserver::MeanSquare() const {
  return Mse([](float) { return 0.0f; });
}

}  // namespace convert
}  // namespace fp8sdk
