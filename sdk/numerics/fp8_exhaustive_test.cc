// Every one of the 2^32 float bit patterns, converted by every instruction
// set's kernel, in both OCP formats and both saturation modes, equals CUDA's
// host-side conversion (__nv_cvt_float_to_fp8 in cuda_fp8.hpp) bit for bit.
// Needs no GPU: those functions are plain host code.
#include <cuda_fp8.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace {

struct Mode {
  Fp8Format format;
  Fp8Saturation saturation;
  __nv_fp8_interpretation_t cuda_format;
  __nv_saturation_t cuda_saturation;
  const char* name;
};

const Mode kModes[] = {
    {kE4M3, Fp8Saturation::kSatFinite, __NV_E4M3, __NV_SATFINITE, "E4M3 satfinite"},
    {kE4M3, Fp8Saturation::kNoSat, __NV_E4M3, __NV_NOSAT, "E4M3 nosat"},
    {kE5M2, Fp8Saturation::kSatFinite, __NV_E5M2, __NV_SATFINITE, "E5M2 satfinite"},
    {kE5M2, Fp8Saturation::kNoSat, __NV_E5M2, __NV_NOSAT, "E5M2 nosat"},
};

TEST(Fp8Exhaustive, AllFloatsMatchCudaOnEveryIsa) {
  std::vector<CpuIsa> isas;
  for (CpuIsa isa : {CpuIsa::kScalar, CpuIsa::kAvx2, CpuIsa::kAvx512}) {
    if (CpuSupports(isa)) isas.push_back(isa);
  }
  constexpr uint64_t kChunk = uint64_t{1} << 20;
  constexpr uint64_t kChunks = (uint64_t{1} << 32) / kChunk;
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> mismatches{0};
  std::mutex mu;
  std::vector<std::string> reports;

  auto worker = [&]() {
    std::vector<float> x(kChunk);
    std::vector<uint8_t> want(kChunk), got(kChunk);
    for (uint64_t chunk; (chunk = next.fetch_add(1)) < kChunks;) {
      const uint32_t base = static_cast<uint32_t>(chunk * kChunk);
      for (uint64_t i = 0; i < kChunk; ++i) {
        const uint32_t bits = base + static_cast<uint32_t>(i);
        std::memcpy(&x[i], &bits, 4);
      }
      for (const Mode& m : kModes) {
        for (uint64_t i = 0; i < kChunk; ++i) {
          want[i] = __nv_cvt_float_to_fp8(x[i], m.cuda_saturation, m.cuda_format);
        }
        for (CpuIsa isa : isas) {
          ConvertFloatToFp8(x.data(), got.data(), kChunk, m.format, m.saturation, isa);
          if (std::memcmp(got.data(), want.data(), kChunk) == 0) continue;
          for (uint64_t i = 0; i < kChunk; ++i) {
            if (got[i] == want[i]) continue;
            if (mismatches.fetch_add(1) < 20) {
              char buf[160];
              std::snprintf(buf, sizeof(buf), "%s %s: x=0x%08x (%g) got 0x%02x want 0x%02x",
                            CpuIsaName(isa), m.name, base + static_cast<uint32_t>(i), x[i], got[i],
                            want[i]);
              std::lock_guard<std::mutex> lock(mu);
              reports.push_back(buf);
            }
          }
        }
      }
    }
  };
  const unsigned n_threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n_threads; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (const auto& r : reports) ADD_FAILURE() << r;
  EXPECT_EQ(mismatches.load(), 0u);
  std::printf("checked 2^32 floats x 4 modes x %zu instruction sets\n", isas.size());
}

// float -> f16 over all 2^32 inputs and f16 -> float over all 2^16 codes
// equal CUDA's host conversions (__float2half_rn, __half2float).
TEST(Fp8Exhaustive, HalfConversionsMatchCuda) {
  uint64_t mismatches = 0;
  for (uint64_t i = 0; i < (uint64_t{1} << 32); ++i) {
    const uint32_t bits = static_cast<uint32_t>(i);
    float x;
    std::memcpy(&x, &bits, 4);
    const __half_raw want = __half_raw(__float2half_rn(x));
    const uint16_t got = FloatToF16(x);
    const bool both_nan = (want.x & 0x7FFF) > 0x7C00 && (got & 0x7FFF) > 0x7C00;
    if (got != want.x && !both_nan && mismatches++ < 10) {
      ADD_FAILURE() << "float->f16 x=0x" << std::hex << bits << " got 0x" << got << " want 0x"
                    << want.x;
    }
  }
  EXPECT_EQ(mismatches, 0u);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    __half_raw raw;
    raw.x = static_cast<unsigned short>(h);
    const float want = __half2float(__half(raw));
    const float got = F16ToFloat(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << h;
    } else {
      EXPECT_EQ(std::memcmp(&got, &want, 4), 0) << "f16 0x" << std::hex << h;
    }
  }
}

// All 256 codes of each format decode to the value CUDA's decoder gives.
TEST(Fp8Exhaustive, AllCodesDecodeLikeCuda) {
  for (const Mode& m : {kModes[0], kModes[2]}) {
    for (int c = 0; c < 256; ++c) {
      const __half_raw h =
          __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(c), m.cuda_format);
      const float want = __half2float(__half(h));
      std::vector<uint8_t> code(1, static_cast<uint8_t>(c));
      for (CpuIsa isa : {CpuIsa::kScalar, CpuIsa::kAvx2, CpuIsa::kAvx512}) {
        float got;
        uint16_t got_bf16;
        ConvertFp8ToFloat(code.data(), &got, 1, m.format, isa);
        ConvertFp8ToBf16(code.data(), &got_bf16, 1, m.format, isa);
        if (std::isnan(want)) {
          EXPECT_TRUE(std::isnan(got)) << m.name << " code " << c;
          EXPECT_TRUE(std::isnan(Bf16ToFloat(got_bf16))) << m.name << " code " << c;
        } else {
          EXPECT_EQ(got, want) << m.name << " code " << c;
          EXPECT_EQ(std::signbit(got), std::signbit(want)) << m.name << " code " << c;
          EXPECT_EQ(Bf16ToFloat(got_bf16), want) << m.name << " code " << c;
        }
      }
    }
  }
}

}  // namespace
}  // namespace fp8sdk
