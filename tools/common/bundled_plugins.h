// For the command-line tools, tests and benchmarks: backend plugins built with
// the binary (its Bazel runfiles, or a runfiles tree it runs in) are found
// without $FP8SDK_BACKEND_PATH; an explicit FP8SDK_BACKEND_PATH wins. Call
// before the first use of the runtime.
#ifndef FP8SDK_TOOLS_COMMON_BUNDLED_PLUGINS_H_
#define FP8SDK_TOOLS_COMMON_BUNDLED_PLUGINS_H_

#include <string>
#include <vector>

namespace fp8sdk {
namespace tools {

void UseBundledPlugins();

// The search behind it: the plugin directories (backends/vulkan,
// backends/cuda, colon-separated) of the first workspace root in `roots`
// that holds a plugin; empty when none does.
std::string BundledPluginPath(const std::vector<std::string>& roots);

}  // namespace tools
}  // namespace fp8sdk

#endif  // FP8SDK_TOOLS_COMMON_BUNDLED_PLUGINS_H_
