#include "sdk/text/text_test_util.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace fp8sdk::text::testing {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + name;
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  return static_cast<bool>(out);
}

std::string WriteVocab(const std::string& name, const std::vector<std::string>& tokens) {
  std::string contents;
  for (const std::string& t : tokens) contents += t + "\n";
  const std::string path = TempPath(name);
  WriteFile(path, contents);
  return path;
}

std::string DataDir() {
  const char* dir = std::getenv("FP8SDK_DATA");
  return dir != nullptr ? dir : "";
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace fp8sdk::text::testing
