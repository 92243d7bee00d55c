// The C API (fp8sdk.h, types.h) over LoadedModel and Session. Every entry
// point catches allocation failure so that no C++ exception crosses into C.
#include <cstring>
#include <map>
#include <new>

#include "fp8sdk/fp8sdk.h"
#include "sdk/runtime/backend_registry.h"
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"

struct fp8_status {
  fp8_status_code_t code;
  std::string message;
};

struct fp8_model {
  std::unique_ptr<fp8sdk::LoadedModel> model;
  std::map<std::string, std::string> metadata;
};

struct fp8_session {
  std::unique_ptr<fp8sdk::Session> session;
};

namespace {

using fp8sdk::Status;
using fp8sdk::StatusCode;

// Returned when even an error cannot be allocated; fp8_status_free skips it.
fp8_status kOutOfMemory{FP8_STATUS_RESOURCE_EXHAUSTED, "out of memory"};

fp8_status_t* Make(fp8_status_code_t code, std::string message) {
  try {
    return new fp8_status{code, std::move(message)};
  } catch (...) {
    return &kOutOfMemory;
  }
}

fp8_status_t* Convert(const Status& s) {
  if (s.ok()) return nullptr;
  return Make(static_cast<fp8_status_code_t>(s.code()), s.message());
}

fp8_status_t* Null(const char* what) {
  return Make(FP8_STATUS_INVALID_ARGUMENT, std::string(what) + " is null");
}

template <typename Fn>
fp8_status_t* Guard(Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return Make(FP8_STATUS_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return Make(FP8_STATUS_INTERNAL, e.what());
  }
}

void FillMetadata(fp8_model* m) {
  const fp8sdk::Metadata& md = m->model->graph().metadata;
  auto put = [&](const std::string& k, const std::string& v) {
    if (!v.empty()) m->metadata[k] = v;
  };
  put("producer", md.producer);
  put("producer_version", md.producer_version);
  put("source_model", md.source_model);
  put("source_model_sha256", md.source_model_sha256);
  put("calibration.method", md.calibration.method);
  put("calibration.dataset", md.calibration.dataset);
  if (md.calibration.num_samples)
    put("calibration.num_samples", std::to_string(md.calibration.num_samples));
  for (size_t i = 0; i < md.label_names.size(); ++i)
    put("label." + std::to_string(i), md.label_names[i]);
  for (const auto& [symbol, max] : md.dim_limits) put("limit." + symbol, std::to_string(max));
  for (const auto& [k, v] : md.extra) put(k, v);
}

fp8_status_t* Loaded(fp8sdk::Result<std::unique_ptr<fp8sdk::LoadedModel>> r, fp8_model_t** out) {
  if (!r.ok()) return Convert(r.status());
  auto* m = new fp8_model{std::move(r).value(), {}};
  FillMetadata(m);
  *out = m;
  return nullptr;
}

fp8_status_t* Info(const fp8_model_t* model, const std::vector<int>& list, size_t index,
                   const char* what, fp8_tensor_info_t* out) {
  if (!model) return Null("model");
  if (!out) return Null("out_info");
  if (index >= list.size()) {
    return Make(FP8_STATUS_OUT_OF_RANGE, std::string(what) + " index " + std::to_string(index) +
                                             " out of range (" + std::to_string(list.size()) + ")");
  }
  const fp8sdk::TensorDesc& t = model->model->graph().tensors[static_cast<size_t>(list[index])];
  std::memset(out, 0, sizeof(*out));
  out->name = t.name.c_str();
  out->dtype = static_cast<fp8_dtype_t>(t.dtype);
  out->rank = t.shape.size();
  for (size_t i = 0; i < t.shape.size() && i < FP8_MAX_RANK; ++i) {
    out->dims[i] = t.shape[i].IsSymbolic() ? -1 : t.shape[i].value;
    out->symbols[i] = t.shape[i].IsSymbolic() ? t.shape[i].symbol.c_str() : nullptr;
  }
  return nullptr;
}

}  // namespace

extern "C" {

const char* fp8_status_code_name(fp8_status_code_t code) {
  return fp8sdk::StatusCodeText(static_cast<StatusCode>(code));
}
const char* fp8_dtype_name(fp8_dtype_t d) {
  return fp8sdk::IsValidDType(d) ? fp8sdk::DTypeName(static_cast<fp8sdk::DType>(d)) : "unknown";
}
const char* fp8_op_type_name(fp8_op_type_t op) {
  return fp8sdk::IsValidOpType(op) ? fp8sdk::OpTypeName(static_cast<fp8sdk::OpType>(op))
                                   : "unknown";
}
size_t fp8_dtype_size(fp8_dtype_t d) {
  return fp8sdk::IsValidDType(d) ? fp8sdk::DTypeSize(static_cast<fp8sdk::DType>(d)) : 0;
}

fp8_status_code_t fp8_status_code(const fp8_status_t* s) { return s ? s->code : FP8_STATUS_OK; }
const char* fp8_status_message(const fp8_status_t* s) { return s ? s->message.c_str() : ""; }
void fp8_status_free(fp8_status_t* s) {
  if (s != &kOutOfMemory) delete s;
}

const char* fp8_version_string(void) { return "0.1.0"; }

fp8_status_t* fp8_model_load_file(const char* path, fp8_model_t** out) {
  if (!path) return Null("path");
  if (!out) return Null("out_model");
  *out = nullptr;
  return Guard([&] { return Loaded(fp8sdk::LoadedModel::LoadFile(path), out); });
}

fp8_status_t* fp8_model_load_memory(const void* data, size_t size, int borrow, fp8_model_t** out) {
  if (!data) return Null("data");
  if (!out) return Null("out_model");
  *out = nullptr;
  return Guard(
      [&] { return Loaded(fp8sdk::LoadedModel::LoadMemory(data, size, borrow != 0), out); });
}

void fp8_model_free(fp8_model_t* m) { delete m; }

size_t fp8_model_input_count(const fp8_model_t* m) {
  return m ? m->model->graph().inputs.size() : 0;
}
size_t fp8_model_output_count(const fp8_model_t* m) {
  return m ? m->model->graph().outputs.size() : 0;
}
size_t fp8_model_operator_count(const fp8_model_t* m) {
  return m ? m->model->graph().nodes.size() : 0;
}

fp8_status_t* fp8_model_input_info(const fp8_model_t* m, size_t i, fp8_tensor_info_t* out) {
  return Info(m, m ? m->model->graph().inputs : std::vector<int>(), i, "input", out);
}
fp8_status_t* fp8_model_output_info(const fp8_model_t* m, size_t i, fp8_tensor_info_t* out) {
  return Info(m, m ? m->model->graph().outputs : std::vector<int>(), i, "output", out);
}

const char* fp8_model_metadata(const fp8_model_t* m, const char* key) {
  if (!m || !key) return nullptr;
  auto it = m->metadata.find(key);
  return it == m->metadata.end() ? nullptr : it->second.c_str();
}

void fp8_session_options_init(fp8_session_options_t* o) {
  if (!o) return;
  std::memset(o, 0, sizeof(*o));
  o->struct_size = sizeof(*o);
  o->device = FP8_DEVICE_AUTO;
}

fp8_status_t* fp8_session_create(const fp8_model_t* model, const fp8_session_options_t* options,
                                 fp8_session_t** out) {
  if (!model) return Null("model");
  if (!out) return Null("out_session");
  *out = nullptr;
  fp8sdk::SessionOptions o;
  if (options) {
    if (options->struct_size < sizeof(uint32_t) + sizeof(fp8_device_kind_t)) {
      return Make(FP8_STATUS_INVALID_ARGUMENT,
                  "options.struct_size is too small; call fp8_session_options_init");
    }
    fp8_session_options_t full;
    fp8_session_options_init(&full);
    std::memcpy(&full, options, std::min<size_t>(options->struct_size, sizeof(full)));
    if (full.device < FP8_DEVICE_AUTO || full.device > FP8_DEVICE_REFERENCE) {
      return Make(FP8_STATUS_INVALID_ARGUMENT,
                  "unknown device kind " + std::to_string(full.device));
    }
    if (full.num_threads < 0 || full.max_batch < 0 || full.max_sequence < 0) {
      return Make(FP8_STATUS_INVALID_ARGUMENT,
                  "num_threads, max_batch and max_sequence must be >= 0");
    }
    o.device = full.device;
    o.num_threads = full.num_threads;
    o.max_batch = full.max_batch;
    o.max_sequence = full.max_sequence;
    o.strict_device = full.strict_device != 0;
    o.device_memory_limit = full.device_memory_limit;
  }
  return Guard([&]() -> fp8_status_t* {
    auto r = fp8sdk::Session::Create(model->model->graph(), o);
    if (!r.ok()) return Convert(r.status());
    *out = new fp8_session{std::move(r).value()};
    return nullptr;
  });
}

void fp8_session_free(fp8_session_t* s) { delete s; }

fp8_status_t* fp8_session_set_input(fp8_session_t* s, const char* name, fp8_dtype_t dtype,
                                    const int64_t* dims, size_t rank, const void* data,
                                    size_t size_bytes) {
  if (!s) return Null("session");
  if (!name) return Null("name");
  if (!fp8sdk::IsValidDType(dtype))
    return Make(FP8_STATUS_INVALID_ARGUMENT, "unknown dtype " + std::to_string(dtype));
  return Guard([&] {
    return Convert(s->session->SetInput(name, static_cast<fp8sdk::DType>(dtype), dims, rank, data,
                                        size_bytes));
  });
}

fp8_status_t* fp8_session_run(fp8_session_t* s) {
  if (!s) return Null("session");
  return Guard([&] { return Convert(s->session->Run()); });
}

fp8_status_t* fp8_session_get_output(fp8_session_t* s, const char* name, fp8_tensor_view_t* out) {
  if (!s) return Null("session");
  if (!name) return Null("name");
  if (!out) return Null("out_view");
  return Guard([&]() -> fp8_status_t* {
    fp8sdk::TensorView v;
    Status st = s->session->GetOutput(name, &v);
    if (!st.ok()) return Convert(st);
    std::memset(out, 0, sizeof(*out));
    out->name = v.name;
    out->dtype = static_cast<fp8_dtype_t>(v.dtype);
    out->rank = static_cast<size_t>(v.shape.rank);
    for (int i = 0; i < v.shape.rank; ++i) out->dims[i] = v.shape[i];
    out->data = v.data;
    out->size_bytes = v.size_bytes;
    return nullptr;
  });
}

const char* fp8_session_describe(const fp8_session_t* s) {
  return s ? s->session->Describe().c_str() : "";
}
size_t fp8_session_planned_bytes(const fp8_session_t* s) {
  return s ? static_cast<size_t>(s->session->PlannedBytes()) : 0;
}

fp8_status_t* fp8_register_backend(const struct fp8_backend_vtable_t* (*entry)(uint32_t)) {
  if (!entry) return Null("entry");
  return Guard([&] { return Convert(fp8sdk::BackendRegistry::Global().Register(entry)); });
}

fp8_status_t* fp8_load_backend_plugin(const char* path) {
  if (!path) return Null("path");
  return Guard([&] { return Convert(fp8sdk::BackendRegistry::Global().LoadPlugin(path)); });
}

}  // extern "C"
