// Test-only: the cases of the backend conformance suite (conformance_test.cc):
// every operator x relevant dtypes x shapes (odd sizes included), each built
// as a tiny graph with its inputs and the tolerance to which a backend's
// outputs are compared with the reference backend's.
//
// Tolerances (|got - want| <= tol * max|want| over the output):
//   data movement, GATHER, RESHAPE, ...:        0 (bytes must be equal)
//   f32 element-wise / LAYER_NORM / SOFTMAX:    1e-5 (same formulas; only
//                                               libm or summation order may differ)
//   LINEAR / BATCH_MATMUL, any dtype:           1e-5. With quantized operands the
//     products are exact in f32 (FP8/INT8 codes have <= 8 significant bits,
//     bf16 holds them exactly), so only the summation order differs: a few
//     ulps of the largest partial sum. With f32 operands the products are
//     rounded identically (one f32 multiply) and again only the order differs.
#ifndef FP8SDK_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_
#define FP8SDK_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "sdk/runtime/graph.h"

namespace fp8sdk {
namespace conformance {

// One input of one run: what Session::SetInput takes.
struct Feed {
  std::string name;
  DType dtype;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
};

// A graph with one output, its inputs, and the tolerance (see above).
struct Case {
  std::string name;
  Graph graph;
  std::vector<std::vector<Feed>> runs;  // one session, several runs (dynamic shapes)
  double tol = 0;                       // 0: bytes must be equal
  int64_t max_batch = 0;
};

// The input `name` of dtype `dt` and shape `dims` holding the elements `v`.
template <typename T>
Feed MakeFeed(const std::string& name, DType dt, std::vector<int64_t> dims,
              const std::vector<T>& v) {
  Feed f{name, dt, std::move(dims), {}};
  f.bytes.resize(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(f.bytes.data(), v.data(), f.bytes.size());  // none: K = 0
  return f;
}

// The fixed graph dimensions `d`.
std::vector<Dim> Fixed(const std::vector<int64_t>& d);

// GATHER from a constant table [rows, width] (f32, or E4M3 codes with scale
// 0.01 when `fp8_table`) by the INT64 input "ids" [3, 5]; one run, the
// indices (5 i + 3) mod rows. Named "gather_f32_<rows>x<width>" or
// "gather_fp8_table_<rows>x<width>".
Case GatherCase(bool fp8_table, int64_t rows, int64_t width);

// Every case of the suite, in a fixed order with distinct names.
std::vector<Case> AllCases();

}  // namespace conformance
}  // namespace fp8sdk

#endif  // FP8SDK_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_
