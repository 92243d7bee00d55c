// Status and Result<T>: errors as values, each with a code from the one list
// (sdk/include/fp8sdk/status_codes.inc) and a message a person can act on.
#ifndef FP8SDK_SDK_RUNTIME_STATUS_H_
#define FP8SDK_SDK_RUNTIME_STATUS_H_

#include <cstdio>
#include <string>
#include <utility>
#include <variant>

#include "fp8sdk/types.h"

namespace fp8sdk {

enum class StatusCode : int {
#define FP8_STATUS(name, value, text) k##name = value,
#include "fp8sdk/status_codes.inc"
#undef FP8_STATUS
};

// Name of a code, e.g. "invalid model file".
const char* StatusCodeText(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOK; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid model file: tensor 'x': ..." (or "ok").
  std::string ToString() const;

  // Prefixes the message with context ("while loading 'm.fp8': ...").
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOK;
  std::string message_;
};

// printf-style message formatting for error paths.
std::string StrFormat(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

inline Status InvalidArgument(std::string m) {
  return Status(StatusCode::kINVALID_ARGUMENT, std::move(m));
}
inline Status InvalidModel(std::string m) {
  return Status(StatusCode::kINVALID_MODEL, std::move(m));
}
inline Status NotFound(std::string m) { return Status(StatusCode::kNOT_FOUND, std::move(m)); }
inline Status Unsupported(std::string m) { return Status(StatusCode::kUNSUPPORTED, std::move(m)); }
inline Status OutOfRange(std::string m) { return Status(StatusCode::kOUT_OF_RANGE, std::move(m)); }
inline Status Internal(std::string m) { return Status(StatusCode::kINTERNAL, std::move(m)); }
inline Status IoError(std::string m) { return Status(StatusCode::kIO_ERROR, std::move(m)); }
inline Status BackendError(std::string m) {
  return Status(StatusCode::kBACKEND_ERROR, std::move(m));
}

// A value or an error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: must not be ok
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

#define FP8_RETURN_IF_ERROR(expr)  \
  do {                             \
    ::fp8sdk::Status _st = (expr); \
    if (!_st.ok()) return _st;     \
  } while (0)

#define FP8_CONCAT_INNER(a, b) a##b
#define FP8_CONCAT(a, b) FP8_CONCAT_INNER(a, b)
#define FP8_ASSIGN_OR_RETURN(lhs, expr) \
  FP8_ASSIGN_OR_RETURN_IMPL(FP8_CONCAT(_res_, __LINE__), lhs, expr)
#define FP8_ASSIGN_OR_RETURN_IMPL(res, lhs, expr) \
  auto res = (expr);                              \
  if (!res.ok()) return res.status();             \
  lhs = std::move(res).value()

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_STATUS_H_
