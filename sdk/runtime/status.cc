#include "sdk/runtime/status.h"

#include <cstdarg>
#include <vector>

namespace fp8sdk {

const char* StatusCodeText(StatusCode code) {
  switch (code) {
#define FP8_STATUS(name, value, text) \
  case StatusCode::k##name:           \
    return text;
#include "fp8sdk/status_codes.inc"
#undef FP8_STATUS
  }
  return "unknown status";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(StatusCodeText(code_)) + ": " + message_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

std::string StrFormat(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out;
  if (n > 0) {
    std::vector<char> buf(static_cast<size_t>(n) + 1);
    std::vsnprintf(buf.data(), buf.size(), fmt, args);
    out.assign(buf.data(), static_cast<size_t>(n));
  }
  va_end(args);
  return out;
}

}  // namespace fp8sdk
