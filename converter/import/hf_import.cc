#include "converter/import/hf_import.h"

#include <sys/stat.h>

#include "converter/common/sha256.h"

namespace fp8sdk {
namespace convert {

namespace {

bool Exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0;
}

// Checkpoint names for a canonical weight name: with or without the "bert."
// prefix, and the older LayerNorm gamma/beta spelling.
std::vector<std::string> Candidates(const std::string& name) {
  std::vector<std::string> base = {name};
  const std::string ln = "LayerNorm.";
  const size_t p = name.rfind(ln);
  if (p != std::string::npos) {
    const std::string tail = name.substr(p + ln.size());
    if (tail == "weight") base.push_back(name.substr(0, p + ln.size()) + "gamma");
    if (tail == "bias") base.push_back(name.substr(0, p + ln.size()) + "beta");
  }
  std::vector<std::string> out;
  for (const std::string& b : base) {
    out.push_back("bert." + b);
    out.push_back(b);
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<ImportedModel>> ImportHfDirectory(const std::string& dir) {
  auto m = std::make_unique<ImportedModel>();
  const std::string config_path = dir + "/config.json";
  const std::string weights_path = dir + "/model.safetensors";
  if (!Exists(config_path)) {
    return NotFound(
        StrFormat("'%s' has no config.json (expected a Hugging Face checkpoint "
                  "directory)",
                  dir.c_str()));
  }
  if (!Exists(weights_path)) {
    return NotFound(
        StrFormat("'%s' has no model.safetensors (PyTorch .bin checkpoints are not "
                  "read; save with safe_serialization=True)",
                  dir.c_str()));
  }
  FP8_ASSIGN_OR_RETURN(m->config, ParseBertConfigFile(config_path));
  FP8_ASSIGN_OR_RETURN(std::unique_ptr<SafetensorsFile> st, SafetensorsFile::Open(weights_path));
  std::shared_ptr<SafetensorsFile> file(std::move(st));
  m->keep_alive.push_back(file);
  const WeightFn weights = [&](const std::string& name,
                               const std::vector<int64_t>& shape) -> Result<WeightData> {
    const SafeTensor* t = nullptr;
    for (const std::string& c : Candidates(name)) {
      if ((t = file->Find(c))) break;
    }
    if (!t) {
      return NotFound(StrFormat("'%s': no tensor '%s' (nor bert.%s)", weights_path.c_str(),
                                name.c_str(), name.c_str()));
    }
    if (t->shape != shape) {
      std::string want, got;
      for (int64_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
      for (int64_t d : t->shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
      return InvalidArgument(StrFormat("'%s': tensor '%s' has shape [%s]; config.json implies [%s]",
                                       weights_path.c_str(), t->name.c_str(), got.c_str(),
                                       want.c_str()));
    }
    WeightData w;
    if (t->dtype == "F32" && reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0) {
      w.external = reinterpret_cast<const float*>(t->data);
    } else {
      FP8_RETURN_IF_ERROR(file->ReadFloat(*t, &w.owned));
    }
    return w;
  };
  FP8_ASSIGN_OR_RETURN(m->graph, BuildBertGraph(m->config, weights));
  if (Exists(dir + "/vocab.txt")) m->vocab_path = dir + "/vocab.txt";
  m->source = dir;
  m->input_files = {dir + "/config.json", weights_path};
  FP8_ASSIGN_OR_RETURN(m->source_sha256, Sha256File(weights_path));
  m->source_bytes = file->file_size();
  Metadata& md = m->graph.metadata;
  md.source_model = dir;
  md.source_model_sha256 = m->source_sha256;
  return m;
}

}  // namespace convert
}  // namespace fp8sdk
