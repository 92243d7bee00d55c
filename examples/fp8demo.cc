// fp8demo: what FP8 buys over INT8, measured on the spot.
//
// Quantizes tensors with per-tensor min-max scales to every 8-bit format of
// the family (E5M2, E4M3, E3M4, E2M5) and to INT8, and prints the
// signal-to-quantization-noise ratio of each. With light tails (Gaussian)
// INT8's uniform grid does well; with the heavy tails of Transformer
// activations (Student-t, or Gaussian with a few outliers) the exponent bits
// of FP8 keep the small values that INT8 rounds away.
//
// Usage: fp8demo [elements]   (default 1048576 = 2^20, at most 67108864 = 2^26)
// The data sets are made and measured one at a time: about 9 bytes per
// element at the peak (the data, its 8-bit codes and the dequantized copy),
// ~0.6 GB and ~30 s at the maximum; the SQNR figures settle long before it.
// Not enough memory is an error naming the size (exit 1).
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace {

using fp8sdk::Fp8Format;

constexpr long long kMaxElements = 1LL << 26;

// Calls measure(name, values) on each data set of n values in turn, reusing
// one buffer (only one data set is in memory at a time).
template <typename Measure>
void ForEachDataset(size_t n, Measure measure) {
  std::mt19937 rng(2023);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> values(n);
  for (float& v : values) v = gauss(rng);
  measure("gaussian", values);
  // A Transformer-like activation: Gaussian bulk with 0.1% outliers ~60x larger.
  std::uniform_int_distribution<size_t> pick(0, n - 1);
  for (size_t i = 0; i < n / 1000; ++i) values[pick(rng)] = 60.0f * gauss(rng);
  measure("gaussian+0.1% outliers", values);
  for (float dof : {4.0f, 2.0f}) {
    std::student_t_distribution<float> t(dof);
    for (float& v : values) v = t(rng);
    measure("student-t (dof " + std::to_string(static_cast<int>(dof)) + ")", values);
  }
}

double Fp8Sqnr(const std::vector<float>& x, const Fp8Format& f) {
  const float scale = fp8sdk::Fp8ScaleForAmax(fp8sdk::AbsMax(x.data(), x.size()), f);
  std::vector<uint8_t> q(x.size());
  std::vector<float> dq(x.size());
  fp8sdk::QuantizeFp8(x.data(), q.data(), x.size(), scale, f);
  fp8sdk::DequantizeFp8(q.data(), dq.data(), x.size(), scale, f);
  return fp8sdk::SqnrDb(x.data(), dq.data(), x.size());
}

double Int8Sqnr(const std::vector<float>& x) {
  const float scale = fp8sdk::Int8ScaleForAmax(fp8sdk::AbsMax(x.data(), x.size()));
  std::vector<int8_t> q(x.size());
  std::vector<float> dq(x.size());
  fp8sdk::QuantizeInt8(x.data(), q.data(), x.size(), scale);
  fp8sdk::DequantizeInt8(q.data(), dq.data(), x.size(), scale);
  return fp8sdk::SqnrDb(x.data(), dq.data(), x.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = size_t{1} << 20;
  if (argc > 1) {
    char* end = nullptr;
    const long long v = std::strtoll(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || v < 16 || v > kMaxElements) {
      std::fprintf(stderr, "fp8demo: elements must be an integer in [16, %lld], got '%s'\n",
                   kMaxElements, argv[1]);
      return 2;
    }
    n = static_cast<size_t>(v);
  }
  std::printf("fp8sdk numerics demo: %zu elements per tensor, per-tensor min-max scales,\n", n);
  std::printf("conversions on the '%s' CPU path. SQNR in dB (higher is better).\n\n",
              fp8sdk::CpuIsaName(fp8sdk::ActiveCpuIsa()));
  const std::vector<Fp8Format> formats = {
      fp8sdk::kE5M2, fp8sdk::kE4M3, fp8sdk::SimulatedFp8Format(3), fp8sdk::SimulatedFp8Format(2)};
  std::printf("%-26s", "data");
  for (const Fp8Format& f : formats) std::printf("%8s", f.Name().substr(0, 4).c_str());
  std::printf("%8s   best\n", "INT8");
  try {
    ForEachDataset(n, [&](const std::string& name, const std::vector<float>& values) {
      std::printf("%-26s", name.c_str());
      std::fflush(stdout);
      double best = -1e300;
      std::string best_name;
      for (const Fp8Format& f : formats) {
        const double s = Fp8Sqnr(values, f);
        std::printf("%8.2f", s);
        if (s > best) best = s, best_name = f.Name().substr(0, 4);
      }
      const double s8 = Int8Sqnr(values);
      std::printf("%8.2f", s8);
      if (s8 > best) best_name = "INT8";
      std::printf("   %s\n", best_name.c_str());
    });
  } catch (const std::bad_alloc&) {
    std::printf("\n");
    std::fprintf(stderr,
                 "fp8demo: not enough memory for %zu elements per tensor (about %.0f MB); "
                 "try fewer\n",
                 n, 9.0 * static_cast<double>(n) / 1e6);
    return 1;
  }
  std::printf("\nE4M3 range: max %g, min normal %g, min subnormal %g\n", fp8sdk::kE4M3.MaxFinite(),
              fp8sdk::kE4M3.MinNormal(), fp8sdk::kE4M3.MinSubnormal());
  return 0;
}
