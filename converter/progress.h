// A progress bar with ETA on stderr, drawn only when stderr is a terminal.
#ifndef FP8SDK_CONVERTER_PROGRESS_H_
#define FP8SDK_CONVERTER_PROGRESS_H_

#include <chrono>
#include <string>

namespace fp8sdk {
namespace convert {

class ProgressBar {
 public:
  // enabled: draw at all (also requires stderr to be a terminal).
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();
  void Update(size_t done, size_t total);

 private:
  std::string label_;
  bool active_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_PROGRESS_H_
