#include "tools/fp8eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace fp8sdk {
namespace eval {

ClassificationMetrics Classify(const std::vector<int32_t>& predicted,
                               const std::vector<int32_t>& gold, int classes) {
  ClassificationMetrics m;
  const size_t n = std::min(predicted.size(), gold.size());
  m.count = static_cast<int64_t>(n);
  if (n == 0 || classes < 1) return m;
  const size_t k = static_cast<size_t>(classes);
  std::vector<double> tp(k, 0), pred(k, 0), truth(k, 0);
  double correct = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t p = static_cast<size_t>(predicted[i]), g = static_cast<size_t>(gold[i]);
    if (p < k) pred[p] += 1;
    if (g < k) truth[g] += 1;
    if (p == g && p < k) {
      tp[p] += 1;
      correct += 1;
    }
  }
  const double s = static_cast<double>(n);
  m.accuracy = correct / s;
  auto f1_of = [&](size_t c) {
    const double denom = pred[c] + truth[c];
    return denom > 0 ? 2.0 * tp[c] / denom : 0.0;
  };
  if (k == 2) {
    m.f1 = f1_of(1);
  } else {
    double sum = 0;
    for (size_t c = 0; c < k; ++c) sum += f1_of(c);
    m.f1 = sum / static_cast<double>(k);
  }
  double pt = 0, pp = 0, tt = 0;
  for (size_t c = 0; c < k; ++c) {
    pt += pred[c] * truth[c];
    pp += pred[c] * pred[c];
    tt += truth[c] * truth[c];
  }
  const double denom = std::sqrt((s * s - pp) * (s * s - tt));
  m.mcc = denom > 0 ? (correct * s - pt) / denom : 0.0;
  return m;
}

double Pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  const double mx = std::accumulate(x.begin(), x.begin() + n, 0.0) / static_cast<double>(n);
  const double my = std::accumulate(y.begin(), y.begin() + n, 0.0) / static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxx > 0 && syy > 0 ? sxy / std::sqrt(sxx * syy) : 0.0;
}

namespace {
std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t t = i; t <= j; ++t) r[order[t]] = avg;
    i = j + 1;
  }
  return r;
}
}  // namespace

double Spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  return Pearson(Ranks(std::vector<double>(x.begin(), x.begin() + n)),
                 Ranks(std::vector<double>(y.begin(), y.begin() + n)));
}

}  // namespace eval
}  // namespace fp8sdk
