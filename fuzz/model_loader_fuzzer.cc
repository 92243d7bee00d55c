// Model files from strangers: any bytes must give a verified model or an
// error, never a crash, a hang or a read out of bounds. A model that loads
// also gets a session on the reference backend (shape inference, planning).
//
// The header and the FlatBuffer carry CRC-32C checksums that a mutation
// almost never keeps valid, so three inputs in four get their checksums
// recomputed first: the mutations then reach the FlatBuffer verifier and the
// loader's semantic checks instead of stopping at "checksum mismatch"
// (the fourth keeps the raw bytes, for the checksum paths themselves).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "formats/file_header.h"
#include "sdk/runtime/model_loader.h"
#include "sdk/runtime/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (size % 4 != 3) fp8sdk::format::RefreshChecksums(bytes.data(), bytes.size());
  fp8sdk::LoadOptions o;
  o.verify_data_checksum = (size >> 2) & 1;  // both paths, refreshed or raw
  auto model = fp8sdk::LoadedModel::LoadMemory(bytes.data(), bytes.size(), /*borrow=*/false, o);
  if (!model.ok()) return 0;
  fp8sdk::SessionOptions so;
  so.device = FP8_DEVICE_REFERENCE;
  so.num_threads = 1;
  so.max_batch = 2;
  so.max_sequence = 8;
  auto session = fp8sdk::Session::Create(model.value()->graph(), so);
  (void)session;
  return 0;
}
