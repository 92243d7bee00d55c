// The FP8 GEMM against the exact decode: every finite code of E4M3 and E5M2
// (subnormals and negative zero included) placed in the weight, picked out by
// one-hot activation rows, must come back as its exact value; and random
// products must equal a float64 sum within the k-order rounding bound.
#include "backends/onednn/fp8_gemm.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace onednn {

// Test names and failure messages print the product's name.
void PrintTo(Fp8GemmPath path, std::ostream* os) { *os << Fp8GemmPathName(path); }

namespace {

uint16_t Bf16Of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return static_cast<uint16_t>(u >> 16);  // exact for the values used here
}

float FloatOfBf16(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

struct GemmRun {
  Fp8PackedWeight w;
  std::vector<float> scale, bias, y;
  std::vector<uint16_t> scratch;
};

void Gemm(const std::vector<uint16_t>& x, int64_t rows, const std::vector<uint8_t>& codes,
          int64_t n, int64_t k, const Fp8Format& f, GemmRun* r, int threads, Fp8GemmPath path,
          const std::vector<float>* scale = nullptr, const std::vector<float>* bias = nullptr) {
  PackFp8Weight(codes.data(), n, k, f, path, &r->w);
  ASSERT_EQ(r->w.path, path) << f.Name();
  r->scale.assign(static_cast<size_t>(r->w.np), 1.0f);
  r->bias.assign(static_cast<size_t>(r->w.np), 0.0f);
  if (scale) std::copy(scale->begin(), scale->end(), r->scale.begin());
  if (bias) std::copy(bias->begin(), bias->end(), r->bias.begin());
  r->y.assign(static_cast<size_t>(rows * n), -1.0f);
  r->scratch.assign(Fp8GemmScratchPerThread(r->w) * static_cast<size_t>(threads), 0);
  std::vector<float> xf;  // the same values in f32, for the products that read f32
  if (Fp8GemmReadsF32(path)) {
    for (uint16_t b : x) xf.push_back(FloatOfBf16(b));
  }
  Fp8Gemm(xf.empty() ? static_cast<const void*>(x.data()) : xf.data(), rows, r->w, r->scale.data(),
          r->bias.data(), r->y.data(), r->scratch.data(), threads);
}

// count random codes of f, none NaN or infinite.
std::vector<uint8_t> RandomFiniteCodes(int64_t count, const Fp8Format& f, std::mt19937& rng) {
  std::uniform_int_distribution<int> code(0, 255);
  std::vector<uint8_t> codes(static_cast<size_t>(count));
  for (auto& c : codes) {
    do c = static_cast<uint8_t>(code(rng));
    while (!std::isfinite(Fp8ToFloat(c, f)));
  }
  return codes;
}

// rows x k values of xv in bf16 (truncated), rows kp apart, pad zero.
std::vector<uint16_t> RandomBf16Rows(int64_t rows, int64_t k, int64_t kp,
                                     std::uniform_real_distribution<float>& xv, std::mt19937& rng) {
  std::vector<uint16_t> x(static_cast<size_t>(rows * kp), 0);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t i = 0; i < k; ++i) x[r * kp + i] = Bf16Of(xv(rng));
  }
  return x;
}

// Skips a product this CPU does not run (or FP8SDK_CPU_ISA caps).
#define SKIP_UNLESS_RUNS(path)                                                            \
  do {                                                                                    \
    if (!Fp8GemmPathRuns(path, kE4M3)) {                                                  \
      GTEST_SKIP() << "this CPU does not run the " << Fp8GemmPathName(path)               \
                   << " product (f32: AVX-512 VBMI; bf16: also AVX512_BF16; avx2: AVX2, " \
                      "FMA, F16C; neon: AArch64)";                                        \
    }                                                                                     \
  } while (0)

// Threads, and the product.
class Fp8GemmTest : public ::testing::TestWithParam<std::tuple<int, Fp8GemmPath>> {
 protected:
  void SetUp() override { SKIP_UNLESS_RUNS(path()); }
  int threads() const { return std::get<0>(GetParam()); }
  Fp8GemmPath path() const { return std::get<1>(GetParam()); }
};

TEST_P(Fp8GemmTest, EveryFiniteCodeDecodesExactly) {
  for (const Fp8Format& f : {kE4M3, kE5M2}) {
    // Column n holds the codes 2n + {0, 1} at k = n % K and k = (n + 5) % K.
    const int64_t n = 128, k = 37;
    std::vector<uint8_t> codes(static_cast<size_t>(n * k), 0);
    std::vector<float> value(256);
    std::vector<uint8_t> all(256);
    for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 256; ++i) value[i] = Fp8ToFloat(all[i], f);
    auto finite = [&](int c) { return std::isfinite(value[c]) ? c : 0; };
    for (int64_t c = 0; c < n; ++c) {
      codes[c * k + c % k] = static_cast<uint8_t>(finite(static_cast<int>(2 * c)));
      codes[c * k + (c + 5) % k] = static_cast<uint8_t>(finite(static_cast<int>(2 * c + 1)));
    }
    // Row r is one-hot at k = r; rows = K covers every position (and the GEMV
    // runs the same with one row at a time).
    const int64_t kp = (k + 3) / 4 * 4;
    for (int64_t rows : {int64_t{1}, k}) {
      for (int64_t r0 = 0; r0 < k; r0 += rows) {
        std::vector<uint16_t> x(static_cast<size_t>(rows * kp), 0);
        for (int64_t r = 0; r < rows; ++r) x[r * kp + r0 + r] = Bf16Of(1.0f);
        GemmRun run;
        Gemm(x, rows, codes, n, k, f, &run, threads(), path());
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t c = 0; c < n; ++c) {
            const float want = Fp8ToFloat(codes[c * k + r0 + r], f);
            // Equal as values: the sum of -0 and the other columns' +0 is +0.
            ASSERT_EQ(run.y[r * n + c], want)
                << f.Name() << " column " << c << " k " << r0 + r << " code "
                << int{codes[c * k + r0 + r]} << " got " << run.y[r * n + c] << " want " << want;
          }
        }
      }
    }
  }
}

TEST_P(Fp8GemmTest, RandomProductsMatchFloat64) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> xv(-2.0f, 2.0f);
  // M = 1 with 2 and 5 panels: the GEMVs' runs of several panels and one.
  for (auto [m, n, k] :
       {std::array<int64_t, 3>{1, 100, 97}, {1, 300, 97}, {13, 64, 768}, {200, 130, 390}}) {
    const std::vector<uint8_t> codes = RandomFiniteCodes(n * k, kE4M3, rng);
    const int64_t kp = (k + 3) / 4 * 4;
    const std::vector<uint16_t> x = RandomBf16Rows(m, k, kp, xv, rng);
    GemmRun run;
    Gemm(x, m, codes, n, k, kE4M3, &run, threads(), path());
    for (int64_t r = 0; r < m; ++r) {
      for (int64_t c = 0; c < n; ++c) {
        double sum = 0, mag = 0;
        for (int64_t i = 0; i < k; ++i) {
          uint32_t u = static_cast<uint32_t>(x[r * kp + i]) << 16;
          float xf;
          std::memcpy(&xf, &u, 4);
          const double p = static_cast<double>(xf) * Fp8ToFloat(codes[c * k + i], kE4M3);
          sum += p;
          mag += std::fabs(p);
        }
        ASSERT_NEAR(run.y[r * n + c], sum, mag * k * 6e-8 + 1e-30)
            << "m " << m << " n " << n << " k " << k << " at " << r << "," << c;
      }
    }
  }
}

// NaN weights give NaN sums on every product, E5M2's infinities infinite
// ones (E4M3 NaN codes take kAvx2Fma's NaN-aware decode).
TEST_P(Fp8GemmTest, NanAndInfinityCodesPropagate) {
  for (const Fp8Format& f : {kE4M3, kE5M2}) {
    const int64_t n = 70, k = 40;
    std::vector<uint8_t> codes(static_cast<size_t>(n * k), 0x30);  // a finite value
    codes[0 * k + 3] = 0x7F;                                       // NaN in both formats
    codes[1 * k + 5] = 0xFF;                                       // -NaN in both
    if (f == kE5M2) codes[69 * k + 39] = 0x7C;                     // +infinity
    for (int64_t rows : {int64_t{1}, int64_t{9}}) {
      const int64_t kp = (k + 3) / 4 * 4;
      std::vector<uint16_t> x(static_cast<size_t>(rows * kp), 0);
      for (int64_t i = 0; i < rows * kp; ++i) x[i] = i % kp < k ? Bf16Of(0.5f) : 0;
      GemmRun run;
      Gemm(x, rows, codes, n, k, f, &run, threads(), path());
      ASSERT_TRUE(run.w.has_nan);
      for (int64_t r = 0; r < rows; ++r) {
        EXPECT_TRUE(std::isnan(run.y[r * n + 0])) << f.Name() << " row " << r;
        EXPECT_TRUE(std::isnan(run.y[r * n + 1])) << f.Name() << " row " << r;
        EXPECT_TRUE(std::isfinite(run.y[r * n + 2])) << f.Name() << " row " << r;
        if (f == kE5M2) {
          EXPECT_EQ(run.y[r * n + 69], INFINITY) << "row " << r;
        }
      }
    }
  }
}

// kF32Fma's sums are the reference's: x[m, 0] * w[n, 0] + x[m, 1] * w[n, 1]
// + ... in f32, each exact product added with one rounding, then
// y = sum * scale[n] + bias[n] (two roundings). Bit for bit, at sizes that
// span several K blocks, a partial panel, the GEMV (M = 1) and every tile
// height of the 6-row products: M = 7 (6 + 1), 2, 3, 4, 10 (6 + 4), 23
// (3 x 6 + 5), 131 (21 x 6 + 5).
// So are kAvx2Fma's and kNeonFma's.
class Fp8GemmF32Test : public ::testing::TestWithParam<std::tuple<int, Fp8GemmPath>> {
 protected:
  void SetUp() override { SKIP_UNLESS_RUNS(path()); }
  int threads() const { return std::get<0>(GetParam()); }
  Fp8GemmPath path() const { return std::get<1>(GetParam()); }
};

TEST_P(Fp8GemmF32Test, EqualsSequentialSumBitForBit) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> xv(-3.0f, 3.0f);
  // M = 1 with 1, 2, 5 and 9 panels: the GEMV's runs of 4, 2 and 1 panels
  // on 1 and 2 threads.
  for (auto [m, n, k] : {std::array<int64_t, 3>{1, 100, 390},
                         {1, 64, 3072},
                         {1, 300, 390},
                         {1, 520, 77},
                         {2, 70, 13},
                         {7, 64, 300},
                         {3, 70, 300},
                         {4, 130, 390},
                         {10, 64, 520},
                         {23, 130, 1001},
                         {131, 64, 3072}}) {
    for (const Fp8Format& f : {kE4M3, kE5M2}) {
      const std::vector<uint8_t> codes = RandomFiniteCodes(n * k, f, rng);
      const int64_t kp = (k + 3) / 4 * 4;
      const std::vector<uint16_t> x = RandomBf16Rows(m, k, kp, xv, rng);
      std::vector<float> scale(static_cast<size_t>(n)), bias(static_cast<size_t>(n));
      for (auto& v : scale) v = xv(rng) * 0.01f;
      for (auto& v : bias) v = xv(rng);
      GemmRun run;
      Gemm(x, m, codes, n, k, f, &run, threads(), path(), &scale, &bias);
      for (int64_t r = 0; r < m; ++r) {
        for (int64_t c = 0; c < n; ++c) {
          float sum = 0.0f;
          for (int64_t i = 0; i < k; ++i) {
            const float p = FloatOfBf16(x[r * kp + i]) * Fp8ToFloat(codes[c * k + i], f);
            sum = sum + p;
          }
          const float want = sum * scale[c] + bias[c];
          ASSERT_EQ(run.y[r * n + c], want)
              << f.Name() << " m " << m << " n " << n << " k " << k << " at " << r << "," << c;
        }
      }
    }
  }
}

std::string ThreadsAndPath(const ::testing::TestParamInfo<std::tuple<int, Fp8GemmPath>>& info) {
  return std::to_string(std::get<0>(info.param)) + "threads_" +
         Fp8GemmPathName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(ThreadsAndPaths, Fp8GemmF32Test,
                         ::testing::Combine(::testing::Values(1, 2),
                                            ::testing::Values(Fp8GemmPath::kF32Fma,
                                                              Fp8GemmPath::kAvx2Fma,
                                                              Fp8GemmPath::kNeonFma)),
                         ThreadsAndPath);

INSTANTIATE_TEST_SUITE_P(
    ThreadsAndPaths, Fp8GemmTest,
    ::testing::Combine(::testing::Values(1, 2),
                       ::testing::Values(Fp8GemmPath::kBf16Dot, Fp8GemmPath::kF32Fma,
                                         Fp8GemmPath::kAvx2Fma, Fp8GemmPath::kNeonFma)),
    ThreadsAndPath);

}  // namespace
}  // namespace onednn
}  // namespace fp8sdk
