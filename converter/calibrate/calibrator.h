// Running a graph over calibration data to observe tensors, and comparing
// two graphs tensor by tensor. Both use the runtime (any CPU backend) on a
// shallow copy of the graph whose outputs are the tensors of interest.
// Padding positions (attention_mask 0) are left out of every statistic.
#ifndef FP8SDK_CONVERTER_CALIBRATE_CALIBRATOR_H_
#define FP8SDK_CONVERTER_CALIBRATE_CALIBRATOR_H_

#include <functional>
#include <string>
#include <vector>

#include "converter/calibrate/range_observer.h"
#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {
namespace convert {

// One batch of BERT inputs, [batch, sequence] each.
struct CalibBatch {
  int batch = 0, sequence = 0;
  std::vector<int64_t> input_ids, token_type_ids, attention_mask;
};

struct RunOptions {
  int threads = 0;  // 0: all cores
  fp8_device_kind_t device = FP8_DEVICE_AUTO;
  // Called after each batch with (batches done, total).
  std::function<void(size_t, size_t)> progress;
};

// A copy of `g`'s structure whose constants point at g's data (no copy).
// `g` must outlive the copy.
Graph ShareGraph(const Graph& g);

// observers[i] accumulates tensor `tensors[i]` over all batches.
Status ObserveTensors(const Graph& g, const std::vector<int>& tensors,
                      const std::vector<CalibBatch>& data, const RunOptions& options,
                      std::vector<RangeObserver>* observers);

// Per named tensor: sum of ref^2 and of (ref - test)^2 over the data; and,
// for the first model output, how often the argmax over its last axis agrees.
struct Comparison {
  std::vector<std::string> names;
  std::vector<double> signal, noise;
  uint64_t rows = 0, argmax_agree = 0;
  double SqnrDb(size_t i) const;
};
Status CompareGraphs(const Graph& ref, const Graph& test, const std::vector<std::string>& names,
                     const std::vector<CalibBatch>& data, const RunOptions& options,
                     Comparison* out);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_CALIBRATE_CALIBRATOR_H_
