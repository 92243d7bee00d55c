#include "sdk/text/read_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace fp8sdk::text::internal {

Status ReadFile(const std::string& path, const char* what, std::string* contents) {
  contents->clear();
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    const std::string msg =
        StrFormat("cannot open %s '%s': %s", what, path.c_str(), std::strerror(err));
    return err == ENOENT ? NotFound(msg) : IoError(msg);
  }
  struct stat st = {};
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(f);
    return IoError(StrFormat("%s '%s' is a directory", what, path.c_str()));
  }
  if (S_ISREG(st.st_mode)) contents->reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) contents->append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    return IoError(StrFormat("error reading %s '%s': %s", what, path.c_str(), std::strerror(err)));
  }
  return Status::Ok();
}

}  // namespace fp8sdk::text::internal
