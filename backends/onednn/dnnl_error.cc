#include "backends/onednn/dnnl_error.h"

#include <new>

#include "backends/common/graph_access.h"
#include "oneapi/dnnl/dnnl.hpp"
#include "oneapi/dnnl/dnnl_debug.h"

namespace fp8sdk {
namespace onednn {

fp8_status_code_t FromDnnlStatus(int dnnl_status) {
  switch (static_cast<dnnl_status_t>(dnnl_status)) {
    case dnnl_success:
      return FP8_STATUS_OK;
    case dnnl_out_of_memory:
      return FP8_STATUS_RESOURCE_EXHAUSTED;
    case dnnl_invalid_arguments:
      return FP8_STATUS_INVALID_ARGUMENT;
    case dnnl_unimplemented:
      return FP8_STATUS_UNSUPPORTED;
    default:
      return FP8_STATUS_BACKEND_ERROR;
  }
}

fp8_status_code_t FailFromDnnlStatus(int dnnl_status, const char* what, fp8_error_t* err) {
  const fp8_status_code_t code = FromDnnlStatus(dnnl_status);
  if (code == FP8_STATUS_OK) return code;
  return backend::Fail(err, code, "%s: oneDNN status %d (%s)", what, dnnl_status,
                       dnnl_status2str(static_cast<dnnl_status_t>(dnnl_status)));
}

fp8_status_code_t TranslateCurrentException(const char* what, fp8_error_t* err) {
  try {
    throw;
  } catch (const dnnl::error& e) {
    return backend::Fail(err, FromDnnlStatus(e.status), "%s: oneDNN error %d (%s): %s", what,
                         static_cast<int>(e.status), dnnl_status2str(e.status), e.what());
  } catch (const std::bad_alloc&) {
    return backend::Fail(err, FP8_STATUS_RESOURCE_EXHAUSTED, "%s: out of memory", what);
  } catch (const std::exception& e) {
    return backend::Fail(err, FP8_STATUS_BACKEND_ERROR, "%s: %s", what, e.what());
  } catch (...) {
    return backend::Fail(err, FP8_STATUS_BACKEND_ERROR, "%s: unknown exception", what);
  }
}

}  // namespace onednn
}  // namespace fp8sdk
