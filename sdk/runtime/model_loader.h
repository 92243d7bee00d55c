// Loading model files: map (or copy) the bytes, check the header and its
// checksums, run the FlatBuffers verifier, build the Graph with weights used
// in place, and run every semantic check (graph_check.h). Any violation is an
// error naming the tensor, operator or field; nothing reads out of bounds.
#ifndef FP8SDK_SDK_RUNTIME_MODEL_LOADER_H_
#define FP8SDK_SDK_RUNTIME_MODEL_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {

struct LoadOptions {
  // Also check the data segment's CRC-32C (reads every weight byte, so load
  // time grows with the model; off by default).
  bool verify_data_checksum = false;
};

// A verified model. Immutable and thread-safe to share.
class LoadedModel {
 public:
  ~LoadedModel();
  LoadedModel(const LoadedModel&) = delete;
  LoadedModel& operator=(const LoadedModel&) = delete;

  static Result<std::unique_ptr<LoadedModel>> LoadFile(const std::string& path,
                                                       const LoadOptions& options = {});
  // With borrow, `data` must outlive the model and be 64-byte aligned (it is
  // copied otherwise).
  static Result<std::unique_ptr<LoadedModel>> LoadMemory(const void* data, size_t size, bool borrow,
                                                         const LoadOptions& options = {});

  const Graph& graph() const { return graph_; }
  uint32_t format_major() const { return format_major_; }
  uint32_t format_minor() const { return format_minor_; }
  size_t file_size() const { return size_; }
  bool is_mapped() const { return mapped_ != nullptr; }

 private:
  LoadedModel() = default;
  Status Parse(const LoadOptions& options);

  void* mapped_ = nullptr;  // mmap'ed file, or null
  std::vector<uint8_t> copy_;
  const uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  uint32_t format_major_ = 0, format_minor_ = 0;
  Graph graph_;
};

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_MODEL_LOADER_H_
