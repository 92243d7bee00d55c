// Evaluation metrics of fp8eval (GLUE's): accuracy, F1, Matthews correlation
// for classification; Pearson and Spearman correlation for regression.
#ifndef FP8SDK_TOOLS_FP8EVAL_METRICS_H_
#define FP8SDK_TOOLS_FP8EVAL_METRICS_H_

#include <cstdint>
#include <vector>

namespace fp8sdk {
namespace eval {

struct ClassificationMetrics {
  double accuracy = 0;
  // Two classes: F1 of class 1 (GLUE's convention); more: the mean of the
  // per-class F1 (macro).
  double f1 = 0;
  // Matthews correlation; for K classes Gorodkin's R_K, which is the usual
  // MCC for two. 0 when a denominator is 0 (one class predicted or present).
  double mcc = 0;
  int64_t count = 0;
};

// `predicted` and `gold` in [0, classes).
ClassificationMetrics Classify(const std::vector<int32_t>& predicted,
                               const std::vector<int32_t>& gold, int classes);

// Pearson's r; 0 if either side is constant.
double Pearson(const std::vector<double>& x, const std::vector<double>& y);
// Spearman's rho: Pearson on ranks, ties given their average rank.
double Spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace eval
}  // namespace fp8sdk

#endif  // FP8SDK_TOOLS_FP8EVAL_METRICS_H_
