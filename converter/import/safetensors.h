// Reading safetensors files (Hugging Face): an 8-byte little-endian header
// length N, N bytes of JSON {"name": {"dtype", "shape", "data_offsets"}},
// then the raw little-endian data. The file is mapped; tensors are used in
// place. Every length, offset, dtype and shape is checked: a malformed file is
// an error that names the file and the tensor, never a crash.
#ifndef FP8SDK_CONVERTER_IMPORT_SAFETENSORS_H_
#define FP8SDK_CONVERTER_IMPORT_SAFETENSORS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sdk/runtime/graph.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {
namespace convert {

struct SafeTensor {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // into the mapping
  size_t size = 0;                // bytes
};

class SafetensorsFile {
 public:
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  static Result<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);
  // Parses bytes held by the caller (must outlive the object).
  static Result<std::unique_ptr<SafetensorsFile>> FromMemory(const void* data, size_t size,
                                                             const std::string& name);

  const std::string& path() const { return path_; }
  const std::map<std::string, SafeTensor>& tensors() const { return tensors_; }
  const SafeTensor* Find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  size_t file_size() const { return size_; }

  // The tensor as float32 values (F32 used as is; F16, BF16 converted
  // exactly). Errors for other dtypes.
  Status ReadFloat(const SafeTensor& t, std::vector<float>* out) const;

 private:
  SafetensorsFile() = default;
  Status Parse();

  std::string path_;
  void* mapped_ = nullptr;
  const uint8_t* bytes_ = nullptr;
  size_t size_ = 0;
  std::map<std::string, SafeTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Bytes per element of a safetensors dtype name; 0 if unknown.
size_t SafetensorsDTypeSize(const std::string& dtype);

}  // namespace convert
}  // namespace fp8sdk

#endif  // FP8SDK_CONVERTER_IMPORT_SAFETENSORS_H_
