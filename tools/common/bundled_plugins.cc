#include "tools/common/bundled_plugins.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace fp8sdk {
namespace tools {

std::string BundledPluginPath(const std::vector<std::string>& roots) {
  for (const std::string& root : roots) {
    std::string path;
    for (const char* name : {"vulkan", "cuda"}) {
      const std::string dir = root + "/backends/" + name;
      if (access((dir + "/libfp8_backend_" + name + ".so").c_str(), R_OK) == 0) {
        path += (path.empty() ? "" : ":") + dir;
      }
    }
    if (!path.empty()) return path;
  }
  return "";
}

void UseBundledPlugins() {
  if (std::getenv("FP8SDK_BACKEND_PATH")) return;
  // Workspace roots, in order: the runfiles Bazel names, the binary's own
  // runfiles tree, and the working directory (a test's, under bazel test; a
  // copied runfiles tree's, as tools/device_run.sh runs them).
  std::vector<std::string> roots;
  if (const char* r = std::getenv("RUNFILES_DIR")) roots.push_back(std::string(r) + "/fp8sdk");
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) roots.push_back(std::string(exe, static_cast<size_t>(n)) + ".runfiles/fp8sdk");
  char cwd[4096];
  if (getcwd(cwd, sizeof(cwd))) roots.push_back(cwd);
  const std::string path = BundledPluginPath(roots);
  if (!path.empty()) setenv("FP8SDK_BACKEND_PATH", path.c_str(), 1);
}

}  // namespace tools
}  // namespace fp8sdk
