#include "tools/common/output_path.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fp8sdk {
namespace tools {
namespace {

bool Same(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

std::string CheckOutputPath(const std::string& output, const std::vector<std::string>& inputs) {
  struct stat out;
  if (stat(output.c_str(), &out) != 0) {  // a new file: in a directory we may write to
    const size_t slash = output.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "."
                            : slash == 0               ? "/"
                                                       : output.substr(0, slash);
    struct stat d;
    if (stat(dir.c_str(), &d) != 0 || !S_ISDIR(d.st_mode)) {
      return "cannot write '" + output + "': no directory '" + dir + "'";
    }
    if (access(dir.c_str(), W_OK) != 0) {
      return "cannot write '" + output + "': " + std::strerror(errno);
    }
    return "";
  }
  if (!S_ISREG(out.st_mode)) return "'" + output + "' exists and is not a regular file";
  for (const std::string& in : inputs) {
    struct stat s;
    if (in.empty() || stat(in.c_str(), &s) != 0) continue;
    if (Same(s, out)) return "'" + output + "' is an input ('" + in + "'); choose another path";
    if (!S_ISDIR(s.st_mode)) continue;
    // A model directory: none of its files either, but earlier outputs
    // (.fp8 model files; .json reports, config.json aside).
    DIR* dir = opendir(in.c_str());
    if (!dir) continue;
    std::string why;
    while (const dirent* e = readdir(dir)) {
      struct stat f;
      const std::string name = e->d_name, path = in + "/" + name;
      const auto ends_with = [&](const char* suffix) {
        const size_t n = std::strlen(suffix);
        return name.size() >= n && name.compare(name.size() - n, n, suffix) == 0;
      };
      if (ends_with(".fp8") || (ends_with(".json") && name != "config.json")) continue;
      if (stat(path.c_str(), &f) == 0 && S_ISREG(f.st_mode) && Same(f, out)) {
        why = "'" + output + "' is an input ('" + path + "'); choose another path";
        break;
      }
    }
    closedir(dir);
    if (!why.empty()) return why;
  }
  return "";
}

std::string WriteTextFile(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return "cannot write '" + path + "': " + std::strerror(errno);
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    return "cannot write '" + path + "': " + std::strerror(wrote ? errno : write_errno);
  }
  return "";
}

}  // namespace tools
}  // namespace fp8sdk
