// fp8sdk C++ wrapper: header-only RAII handles over the C API (fp8sdk.h).
// Errors come back as fp8::Status values (never exceptions).
//
//   fp8::Model model;
//   fp8::Status st = fp8::Model::Load("model.fp8", &model);
//   fp8::Session session;
//   st = fp8::Session::Create(model, fp8::SessionOptions(), &session);
//   st = session.SetInput("input_ids", FP8_DTYPE_INT64, {1, 128}, ids.data(), bytes);
//   st = session.Run();
//   fp8_tensor_view_t logits;
//   st = session.GetOutput("logits", &logits);
#ifndef FP8SDK_FP8SDK_HPP_
#define FP8SDK_FP8SDK_HPP_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "fp8sdk/fp8sdk.h"

namespace fp8 {

class Status {
 public:
  Status() = default;
  // Takes ownership of a C status.
  explicit Status(fp8_status_t* s) {
    if (s) {
      code_ = fp8_status_code(s);
      message_ = fp8_status_message(s);
      fp8_status_free(s);
    }
  }
  bool ok() const { return code_ == FP8_STATUS_OK; }
  fp8_status_code_t code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const {
    return ok() ? "ok" : std::string(fp8_status_code_name(code_)) + ": " + message_;
  }

 private:
  fp8_status_code_t code_ = FP8_STATUS_OK;
  std::string message_;
};

class Model {
 public:
  Model() = default;
  ~Model() { fp8_model_free(m_); }
  Model(Model&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  Model& operator=(Model&& o) noexcept {
    if (this != &o) {
      fp8_model_free(m_);
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  static Status Load(const std::string& path, Model* out) {
    fp8_model_t* m = nullptr;
    Status st(fp8_model_load_file(path.c_str(), &m));
    if (st.ok()) *out = Model(m);
    return st;
  }
  static Status LoadMemory(const void* data, size_t size, Model* out) {
    fp8_model_t* m = nullptr;
    Status st(fp8_model_load_memory(data, size, /*borrow=*/0, &m));
    if (st.ok()) *out = Model(m);
    return st;
  }

  size_t InputCount() const { return fp8_model_input_count(m_); }
  size_t OutputCount() const { return fp8_model_output_count(m_); }
  Status InputInfo(size_t i, fp8_tensor_info_t* info) const {
    return Status(fp8_model_input_info(m_, i, info));
  }
  Status OutputInfo(size_t i, fp8_tensor_info_t* info) const {
    return Status(fp8_model_output_info(m_, i, info));
  }
  // Empty string when absent.
  std::string Metadata(const std::string& key) const {
    const char* v = fp8_model_metadata(m_, key.c_str());
    return v ? v : "";
  }
  const fp8_model_t* get() const { return m_; }
  explicit operator bool() const { return m_ != nullptr; }

 private:
  explicit Model(fp8_model_t* m) : m_(m) {}
  fp8_model_t* m_ = nullptr;
};

struct SessionOptions {
  fp8_device_kind_t device = FP8_DEVICE_AUTO;
  int32_t num_threads = 0;
  int64_t max_batch = 0;
  int64_t max_sequence = 0;
  bool strict_device = false;
};

class Session {
 public:
  Session() = default;
  ~Session() { fp8_session_free(s_); }
  Session(Session&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Session& operator=(Session&& o) noexcept {
    if (this != &o) {
      fp8_session_free(s_);
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // The model must outlive the session.
  static Status Create(const Model& model, const SessionOptions& o, Session* out) {
    fp8_session_options_t opts;
    fp8_session_options_init(&opts);
    opts.device = o.device;
    opts.num_threads = o.num_threads;
    opts.max_batch = o.max_batch;
    opts.max_sequence = o.max_sequence;
    opts.strict_device = o.strict_device ? 1 : 0;
    fp8_session_t* s = nullptr;
    Status st(fp8_session_create(model.get(), &opts, &s));
    if (st.ok()) *out = Session(s);
    return st;
  }

  Status SetInput(const std::string& name, fp8_dtype_t dtype, const std::vector<int64_t>& dims,
                  const void* data, size_t size_bytes) {
    return Status(fp8_session_set_input(s_, name.c_str(), dtype, dims.data(), dims.size(), data,
                                        size_bytes));
  }
  Status Run() { return Status(fp8_session_run(s_)); }
  Status GetOutput(const std::string& name, fp8_tensor_view_t* view) {
    return Status(fp8_session_get_output(s_, name.c_str(), view));
  }
  // Copies a float32 output.
  Status GetOutputF32(const std::string& name, std::vector<float>* out) {
    fp8_tensor_view_t v;
    Status st = GetOutput(name, &v);
    if (!st.ok()) return st;
    const float* p = static_cast<const float*>(v.data);
    out->assign(p, p + v.size_bytes / sizeof(float));
    return st;
  }
  std::string Describe() const { return fp8_session_describe(s_); }
  size_t PlannedBytes() const { return fp8_session_planned_bytes(s_); }
  explicit operator bool() const { return s_ != nullptr; }

 private:
  explicit Session(fp8_session_t* s) : s_(s) {}
  fp8_session_t* s_ = nullptr;
};

}  // namespace fp8

#endif  // FP8SDK_FP8SDK_HPP_
