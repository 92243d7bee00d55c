#include "converter/import/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace convert {

size_t SafetensorsDTypeSize(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapped_) munmap(mapped_, size_);
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status(errno == ENOENT ? StatusCode::kNOT_FOUND : StatusCode::kIO_ERROR,
                  StrFormat("cannot open '%s': %s", path.c_str(), std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return IoError(StrFormat("'%s' is not a regular file", path.c_str()));
  }
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* m = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      close(fd);
      return IoError(StrFormat("cannot map '%s': %s", path.c_str(), std::strerror(errno)));
    }
    f->mapped_ = m;
    f->bytes_ = static_cast<const uint8_t*>(m);
  }
  close(fd);
  FP8_RETURN_IF_ERROR(f->Parse());
  return f;
}

Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::FromMemory(const void* data, size_t size,
                                                                     const std::string& name) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = name;
  f->bytes_ = static_cast<const uint8_t*>(data);
  f->size_ = size;
  FP8_RETURN_IF_ERROR(f->Parse());
  return f;
}

const SafeTensor* SafetensorsFile::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

Status SafetensorsFile::Parse() {
  auto fail = [&](const std::string& what) {
    return InvalidArgument(StrFormat("safetensors '%s': %s", path_.c_str(), what.c_str()));
  };
  if (size_ < 8)
    return fail(StrFormat("%zu bytes is too short for the 8-byte header length", size_));
  uint64_t n;
  std::memcpy(&n, bytes_, 8);
  if (n > size_ - 8) {
    return fail(StrFormat("header length %llu exceeds the file (%zu bytes)",
                          static_cast<unsigned long long>(n), size_));
  }
  const size_t data_begin = 8 + static_cast<size_t>(n);
  const size_t data_size = size_ - data_begin;
  nlohmann::json header = nlohmann::json::parse(bytes_ + 8, bytes_ + data_begin, nullptr,
                                                /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) return fail("the header is not a JSON object");
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (v.is_object()) {
        for (auto m = v.begin(); m != v.end(); ++m) {
          if (m.value().is_string()) metadata_[m.key()] = m.value().get<std::string>();
        }
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets") || !v["dtype"].is_string() || !v["shape"].is_array() ||
        !v["data_offsets"].is_array() || v["data_offsets"].size() != 2) {
      return fail(where + ": needs dtype, shape and data_offsets [begin, end]");
    }
    SafeTensor t;
    t.name = name;
    t.dtype = v["dtype"].get<std::string>();
    const size_t elem = SafetensorsDTypeSize(t.dtype);
    if (!elem) return fail(where + ": unknown dtype '" + t.dtype + "'");
    uint64_t count = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) return fail(where + ": bad shape entry");
      const uint64_t dim = d.get<uint64_t>();
      if (dim && count > (uint64_t{1} << 48) / dim) return fail(where + ": shape is too large");
      count *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const auto& off = v["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      return fail(where + ": data_offsets must be non-negative integers");
    }
    const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
    if (b > e || e > data_size) {
      return fail(StrFormat("%s: data_offsets [%llu, %llu) are outside the %zu-byte data section",
                            where.c_str(), static_cast<unsigned long long>(b),
                            static_cast<unsigned long long>(e), data_size));
    }
    if (e - b != count * elem) {
      return fail(StrFormat("%s: %s with %llu elements needs %llu bytes, has %llu", where.c_str(),
                            t.dtype.c_str(), static_cast<unsigned long long>(count),
                            static_cast<unsigned long long>(count * elem),
                            static_cast<unsigned long long>(e - b)));
    }
    t.data = bytes_ + data_begin + b;
    t.size = static_cast<size_t>(e - b);
    tensors_[name] = std::move(t);
  }
  // No two tensors share bytes (the format indexes the buffer without
  // overlaps; an overlap is a corrupt or hand-edited header).
  std::vector<std::pair<const uint8_t*, const SafeTensor*>> spans;
  for (const auto& [name, t] : tensors_) {
    if (t.size > 0) spans.emplace_back(t.data, &t);
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    const SafeTensor& a = *spans[i - 1].second;
    const SafeTensor& b = *spans[i].second;
    if (a.data + a.size > b.data) {
      return fail(StrFormat("tensors '%s' and '%s' overlap in the data section", a.name.c_str(),
                            b.name.c_str()));
    }
  }
  return Status::Ok();
}

Status SafetensorsFile::ReadFloat(const SafeTensor& t, std::vector<float>* out) const {
  const size_t n = t.size / std::max<size_t>(1, SafetensorsDTypeSize(t.dtype));
  out->resize(n);
  if (t.dtype == "F32") {
    std::memcpy(out->data(), t.data, t.size);
  } else if (t.dtype == "F16" || t.dtype == "BF16") {
    const bool f16 = t.dtype == "F16";
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, t.data + 2 * i, 2);
      (*out)[i] = f16 ? F16ToFloat(h) : Bf16ToFloat(h);
    }
  } else {
    return InvalidArgument(
        StrFormat("safetensors '%s': tensor '%s' is %s; expected F32, F16 or BF16", path_.c_str(),
                  t.name.c_str(), t.dtype.c_str()));
  }
  return Status::Ok();
}

}  // namespace convert
}  // namespace fp8sdk
