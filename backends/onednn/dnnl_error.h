// The one place where oneDNN errors become fp8 statuses.
#ifndef FP8SDK_BACKENDS_ONEDNN_DNNL_ERROR_H_
#define FP8SDK_BACKENDS_ONEDNN_DNNL_ERROR_H_

#include <exception>

#include "fp8sdk/backend.h"

namespace fp8sdk {
namespace onednn {

// Maps a dnnl_status_t (as an int, so that this header needs no oneDNN
// include) to the closest fp8 status code.
fp8_status_code_t FromDnnlStatus(int dnnl_status);

// For a failed oneDNN C call: writes "`what`: oneDNN status <n> (<name>)" to
// `err` and returns the mapped code (FP8_STATUS_OK for dnnl_success).
fp8_status_code_t FailFromDnnlStatus(int dnnl_status, const char* what, fp8_error_t* err);

// Translates the exception currently being handled (dnnl::error,
// std::bad_alloc, any std::exception, anything else) into a status code and a
// message "`what`: <details>" in `err`. Call only inside a catch block.
fp8_status_code_t TranslateCurrentException(const char* what, fp8_error_t* err);

}  // namespace onednn
}  // namespace fp8sdk

// Runs `body` (a statement returning fp8_status_code_t) and turns any
// exception into a status: no exception crosses the C ABI.
#define FP8_ONEDNN_GUARD(what, err, body)                                \
  do {                                                                   \
    try {                                                                \
      body;                                                              \
    } catch (...) {                                                      \
      return ::fp8sdk::onednn::TranslateCurrentException((what), (err)); \
    }                                                                    \
  } while (0)

#endif  // FP8SDK_BACKENDS_ONEDNN_DNNL_ERROR_H_
