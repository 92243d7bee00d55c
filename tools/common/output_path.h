// Where a tool may write: never over one of its inputs, never over something
// that is not a regular file (a device node, a FIFO, a directory).
#ifndef FP8SDK_TOOLS_COMMON_OUTPUT_PATH_H_
#define FP8SDK_TOOLS_COMMON_OUTPUT_PATH_H_

#include <string>
#include <vector>

namespace fp8sdk {
namespace tools {

// "" when `output` may be written, else why not: it is the same file as one
// of `inputs` (after symbolic links; an input may be a directory, whose files
// then count as inputs too, but .fp8 model files and .json reports other than
// config.json: earlier outputs), or it exists and is not a regular file (after
// symbolic links), or it does not exist and its directory does not or may
// not be written to. A missing input is fine.
std::string CheckOutputPath(const std::string& output, const std::vector<std::string>& inputs);

// Writes `text` to `path` (through a symbolic link, replacing the file):
// "" on success, else why not (the system's reason, naming the path).
std::string WriteTextFile(const std::string& path, const std::string& text);

}  // namespace tools
}  // namespace fp8sdk

#endif  // FP8SDK_TOOLS_COMMON_OUTPUT_PATH_H_
