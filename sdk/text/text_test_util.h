// Helpers shared by the //sdk/text tests.
#ifndef FP8SDK_SDK_TEXT_TEXT_TEST_UTIL_H_
#define FP8SDK_SDK_TEXT_TEXT_TEST_UTIL_H_

#include <string>
#include <vector>

namespace fp8sdk::text::testing {

// A path for a scratch file in the test's temporary directory.
std::string TempPath(const std::string& name);

// Writes `contents` to `path` (binary); false on failure.
bool WriteFile(const std::string& path, const std::string& contents);

// Writes tokens one per line ("\n"-terminated) to a scratch file; returns its path.
std::string WriteVocab(const std::string& name, const std::vector<std::string>& tokens);

// $FP8SDK_DATA, or "" when unset.
std::string DataDir();

// Whether a regular file exists.
bool FileExists(const std::string& path);

}  // namespace fp8sdk::text::testing

#endif  // FP8SDK_SDK_TEXT_TEXT_TEST_UTIL_H_
