#include "sdk/runtime/backend_registry.h"

#include <dirent.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "backends/onednn/onednn_backend.h"
#include "backends/reference/reference_backend.h"

namespace fp8sdk {

Status ValidateBackendVtable(const fp8_backend_vtable_t* vt, const std::string& origin) {
  if (!vt) return Status(StatusCode::kABI_MISMATCH, origin + ": the entry function returned null");
  if (vt->abi_version != FP8_BACKEND_ABI_VERSION) {
    return Status(StatusCode::kABI_MISMATCH,
                  StrFormat("%s: built for backend ABI version %u; this runtime speaks version "
                            "%u. Rebuild the plugin against this fp8sdk.",
                            origin.c_str(), vt->abi_version, FP8_BACKEND_ABI_VERSION));
  }
  if (vt->struct_size < sizeof(fp8_backend_vtable_t)) {
    return Status(StatusCode::kABI_MISMATCH,
                  StrFormat("%s: vtable is %u bytes, expected at least %zu", origin.c_str(),
                            vt->struct_size, sizeof(fp8_backend_vtable_t)));
  }
  if (!vt->name || !*vt->name || !vt->create || !vt->destroy || !vt->device_count ||
      !vt->device_info || !vt->claim || !vt->buffer_alloc || !vt->buffer_free ||
      !vt->copy_to_device || !vt->copy_to_host || !vt->prepare || !vt->execute ||
      !vt->synchronize || !vt->release) {
    return Status(StatusCode::kABI_MISMATCH, origin + ": vtable has a missing name or function");
  }
  return Status::Ok();
}

BackendRegistry& BackendRegistry::Global() {
  static BackendRegistry* registry = new BackendRegistry();  // never destroyed: plugins stay loaded
  return *registry;
}

BackendRegistry::BackendRegistry() {
  Status st = Add(fp8_reference_backend_entry(FP8_BACKEND_ABI_VERSION), "built in");
  (void)st;
  // The CPU backend on oneDNN (priority 50, above the reference).
  st = Add(fp8_onednn_backend_entry(FP8_BACKEND_ABI_VERSION), "built in");
  (void)st;
}

Status BackendRegistry::Add(const fp8_backend_vtable_t* vt, const std::string& origin) {
  FP8_RETURN_IF_ERROR(ValidateBackendVtable(vt, origin));
  for (const BackendEntry& e : backends_) {
    if (std::strcmp(e.vtable->name, vt->name) == 0) {
      return InvalidArgument(StrFormat("%s: a backend named '%s' is already registered (from %s)",
                                       origin.c_str(), vt->name, e.origin.c_str()));
    }
  }
  backends_.push_back(BackendEntry{vt, origin});
  std::stable_sort(backends_.begin(), backends_.end(),
                   [](const BackendEntry& a, const BackendEntry& b) {
                     return a.vtable->priority > b.vtable->priority;
                   });
  return Status::Ok();
}

Status BackendRegistry::Register(fp8_backend_entry_fn entry, const std::string& origin) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!entry) return InvalidArgument("null backend entry function");
  return Add(entry(FP8_BACKEND_ABI_VERSION), origin);
}

Status BackendRegistry::LoadPlugin(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return LoadPluginLocked(path);
}

Status BackendRegistry::LoadPluginLocked(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return NotFound(StrFormat("cannot load backend plugin '%s': %s", path.c_str(), e ? e : "?"));
  }
  auto entry = reinterpret_cast<fp8_backend_entry_fn>(dlsym(h, FP8_BACKEND_ENTRY_SYMBOL));
  if (!entry) {
    dlclose(h);
    return Status(StatusCode::kABI_MISMATCH, StrFormat("backend plugin '%s' has no %s symbol",
                                                       path.c_str(), FP8_BACKEND_ENTRY_SYMBOL));
  }
  Status st = Add(entry(FP8_BACKEND_ABI_VERSION), "plugin '" + path + "'");
  if (!st.ok()) dlclose(h);  // refused: its nodes run elsewhere
  return st;
}

void BackendRegistry::Discover() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("FP8SDK_BACKEND_PATH")) {
    std::string s = env;
    size_t start = 0;
    while (start <= s.size()) {
      const size_t end = s.find(':', start);
      const std::string d =
          s.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!d.empty()) dirs.push_back(d);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&ValidateBackendVtable), &info) && info.dli_fname) {
    std::string self = info.dli_fname;
    const size_t slash = self.rfind('/');
    dirs.push_back(slash == std::string::npos ? "." : self.substr(0, slash));
  }
  for (const std::string& dir : dirs) {
    DIR* d = opendir(dir.c_str());
    if (!d) continue;
    std::vector<std::string> files;
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.rfind("libfp8_backend_", 0) == 0 && name.size() > 3 &&
          name.compare(name.size() - 3, 3, ".so") == 0) {
        files.push_back(dir + "/" + name);
      }
    }
    closedir(d);
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) {
      Status st = LoadPluginLocked(f);
      if (!st.ok()) messages_.push_back(st.message());
    }
  }
}

std::vector<BackendEntry> BackendRegistry::Backends() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!discovered_) {
    discovered_ = true;
    Discover();
  }
  return backends_;
}

std::vector<std::string> BackendRegistry::Messages() {
  std::lock_guard<std::mutex> lock(mu_);
  return messages_;
}

}  // namespace fp8sdk
