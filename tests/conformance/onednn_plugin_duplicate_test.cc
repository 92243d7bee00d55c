// libfp8_backend_onednn.so loads, speaks this ABI, and is refused gracefully
// by a runtime that has the same backend built in.
#include <gtest/gtest.h>

#include <string>

#include "fp8sdk/fp8sdk.h"

namespace {

TEST(OnednnPlugin, BuiltInCopyWinsAndThePluginIsRefusedByName) {
  fp8_status_t* st = fp8_load_backend_plugin("backends/onednn/libfp8_backend_onednn.so");
  ASSERT_NE(st, nullptr) << "the duplicate was accepted";
  EXPECT_EQ(fp8_status_code(st), FP8_STATUS_INVALID_ARGUMENT);
  const std::string m = fp8_status_message(st);
  EXPECT_NE(m.find("a backend named 'onednn' is already registered (from built in)"),
            std::string::npos)
      << m;
  fp8_status_free(st);
}

}  // namespace
