// Internal to //sdk/text: reads a whole file into memory, errors as Status.
#ifndef FP8SDK_SDK_TEXT_READ_FILE_H_
#define FP8SDK_SDK_TEXT_READ_FILE_H_

#include <string>

#include "sdk/runtime/status.h"

namespace fp8sdk::text::internal {

// Reads the file at `path` into *contents. `what` names the file's role in
// messages ("vocabulary file"). Errors: kNOT_FOUND when it does not exist,
// kIO_ERROR when it cannot be opened or read, or is a directory.
Status ReadFile(const std::string& path, const char* what, std::string* contents);

}  // namespace fp8sdk::text::internal

#endif  // FP8SDK_SDK_TEXT_READ_FILE_H_
