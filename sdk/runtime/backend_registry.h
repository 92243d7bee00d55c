// The backends a process can use: the reference backend (always, linked in),
// backends registered by the application (statically linked entry functions
// or plugin paths), and plugins discovered on the search path:
//   1. the directories in $FP8SDK_BACKEND_PATH (colon-separated),
//   2. the directory holding the library or executable the runtime is in,
// where files named libfp8_backend_*.so are loaded with dlopen. A plugin whose
// ABI version differs is refused with a message (see Messages()); its nodes
// then run elsewhere. Thread-safe.
#ifndef FP8SDK_SDK_RUNTIME_BACKEND_REGISTRY_H_
#define FP8SDK_SDK_RUNTIME_BACKEND_REGISTRY_H_

#include <mutex>
#include <string>
#include <vector>

#include "fp8sdk/backend.h"
#include "sdk/runtime/status.h"

namespace fp8sdk {

struct BackendEntry {
  const fp8_backend_vtable_t* vtable = nullptr;
  std::string origin;  // "built in", "registered", or the plugin's path
};

class BackendRegistry {
 public:
  // The process-wide registry; discovery runs on first use.
  static BackendRegistry& Global();

  // A snapshot of the usable backends, highest priority first (the reference
  // backend last).
  std::vector<BackendEntry> Backends();
  // What discovery and registration refused or skipped, and why.
  std::vector<std::string> Messages();

  // Adds a statically linked backend. Fails (and changes nothing) on an ABI
  // mismatch or a duplicate name.
  Status Register(fp8_backend_entry_fn entry, const std::string& origin = "registered");
  // Loads one plugin library.
  Status LoadPlugin(const std::string& path);

 private:
  BackendRegistry();
  void Discover();  // with mu_ held
  Status LoadPluginLocked(const std::string& path);
  Status Add(const fp8_backend_vtable_t* vt, const std::string& origin);

  std::mutex mu_;
  bool discovered_ = false;
  std::vector<BackendEntry> backends_;
  std::vector<std::string> messages_;
};

// Checks a vtable from a plugin or registration: non-null, ABI version, size,
// and every function present. The message names `origin`.
Status ValidateBackendVtable(const fp8_backend_vtable_t* vt, const std::string& origin);

}  // namespace fp8sdk

#endif  // FP8SDK_SDK_RUNTIME_BACKEND_REGISTRY_H_
