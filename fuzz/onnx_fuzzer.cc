// ONNX files from strangers: import must succeed or fail with a message.
// In memory (ImportOnnxBytes: the file path's parsing, checks and graph
// building without the file system round trip and the source digest).
#include <cstddef>
#include <cstdint>

#include "converter/import/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = fp8sdk::convert::ImportOnnxBytes(data, size, "fuzz.onnx");
  (void)m;
  return 0;
}
