#include "converter/progress.h"

#include <unistd.h>

#include <cstdio>

namespace fp8sdk {
namespace convert {

ProgressBar::ProgressBar(std::string label, bool enabled)
    : label_(std::move(label)),
      active_(enabled && isatty(2)),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fprintf(stderr, "\n");
}

void ProgressBar::Update(size_t done, size_t total) {
  if (!active_ || total == 0) return;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double eta = done ? elapsed / frac - elapsed : 0.0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(frac * kWidth);
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
  bar[kWidth] = 0;
  std::fprintf(stderr, "\r%-10s [%s] %zu/%zu  %3.0f%%  elapsed %4.0fs  ETA %4.0fs", label_.c_str(),
               bar, done, total, 100.0 * frac, elapsed, eta);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace convert
}  // namespace fp8sdk
