// The metrics against values worked out by hand (and scikit-learn's
// definitions: f1_score, matthews_corrcoef; scipy's pearsonr, spearmanr).
#include "tools/fp8eval/metrics.h"

#include <gtest/gtest.h>

namespace fp8sdk {
namespace eval {
namespace {

TEST(MetricsTest, BinaryClassification) {
  // gold:      1 1 1 1 0 0 0 0 0 0
  // predicted: 1 1 1 0 1 0 0 0 0 0  -> TP 3, FN 1, FP 1, TN 5
  const std::vector<int32_t> gold = {1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  const std::vector<int32_t> pred = {1, 1, 1, 0, 1, 0, 0, 0, 0, 0};
  const ClassificationMetrics m = Classify(pred, gold, 2);
  EXPECT_EQ(m.count, 10);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.8);
  EXPECT_DOUBLE_EQ(m.f1, 0.75);  // 2*3 / (2*3 + 1 + 1)
  // (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = 14 / 24
  EXPECT_NEAR(m.mcc, 14.0 / 24.0, 1e-12);
}

TEST(MetricsTest, DegenerateCases) {
  const std::vector<int32_t> ones(5, 1), zeros(5, 0);
  EXPECT_DOUBLE_EQ(Classify(ones, ones, 2).mcc, 0.0);  // one class present and predicted
  EXPECT_DOUBLE_EQ(Classify(ones, ones, 2).accuracy, 1.0);
  EXPECT_DOUBLE_EQ(Classify(zeros, ones, 2).f1, 0.0);
  EXPECT_EQ(Classify({}, {}, 2).count, 0);
}

TEST(MetricsTest, MultiClassMatchesGorodkin) {
  // Confusion (rows gold, cols predicted): [[2,1,0],[0,2,1],[1,0,2]]
  const std::vector<int32_t> gold = {0, 0, 0, 1, 1, 1, 2, 2, 2};
  const std::vector<int32_t> pred = {0, 0, 1, 1, 1, 2, 0, 2, 2};
  const ClassificationMetrics m = Classify(pred, gold, 3);
  EXPECT_NEAR(m.accuracy, 6.0 / 9.0, 1e-12);
  // c = 6, s = 9, p = t = (3, 3, 3): (54 - 27) / sqrt((81 - 27)(81 - 27)) = 0.5
  EXPECT_NEAR(m.mcc, 0.5, 1e-12);
  EXPECT_NEAR(m.f1, 2.0 / 3.0, 1e-12);  // every class: 2 TP, 1 FP, 1 FN
  // A perfect and an inverted binary prediction.
  EXPECT_DOUBLE_EQ(Classify(gold, gold, 3).mcc, 1.0);
  EXPECT_DOUBLE_EQ(Classify({1, 0, 1, 0}, {0, 1, 0, 1}, 2).mcc, -1.0);
}

TEST(MetricsTest, Correlations) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  EXPECT_NEAR(Pearson(x, {2, 4, 6, 8, 10}), 1.0, 1e-12);
  EXPECT_NEAR(Pearson(x, {5, 4, 3, 2, 1}), -1.0, 1e-12);
  EXPECT_DOUBLE_EQ(Pearson(x, {3, 3, 3, 3, 3}), 0.0);
  // Monotone but not linear: Spearman 1, Pearson below 1.
  const std::vector<double> cubes = {1, 8, 27, 64, 125};
  EXPECT_NEAR(Spearman(x, cubes), 1.0, 1e-12);
  EXPECT_LT(Pearson(x, cubes), 0.99);
  // Ties get average ranks: x ranks (1, 2.5, 2.5, 4), y ranks (1, 2, 3, 4);
  // Pearson of those = 4.5 / sqrt(4.5 * 5) = 0.9486833
  EXPECT_NEAR(Spearman({1, 2, 2, 3}, {10, 20, 30, 40}), 0.9486832980505138, 1e-12);
}

}  // namespace
}  // namespace eval
}  // namespace fp8sdk
