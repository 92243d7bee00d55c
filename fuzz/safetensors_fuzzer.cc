// safetensors headers and data from strangers: parse, then read every tensor.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "converter/import/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto f = fp8sdk::convert::SafetensorsFile::FromMemory(data, size, "fuzz.safetensors");
  if (!f.ok()) return 0;
  std::vector<float> values;
  for (const auto& [name, t] : f.value()->tensors()) (void)f.value()->ReadFloat(t, &values);
  return 0;
}
