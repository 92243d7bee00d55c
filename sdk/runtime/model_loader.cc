#include "sdk/runtime/model_loader.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "formats/file_header.h"
#include "formats/fp8model_generated.h"
#include "sdk/runtime/graph_check.h"

namespace fp8sdk {

namespace fb = ::fp8sdk::format;

namespace {

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

Status ReadFp8Spec(const fb::Fp8FormatSpec* spec, Fp8Format* out, const std::string& where) {
  if (!spec) return InvalidModel(where + ": FP8_CUSTOM needs an fp8_format");
  out->exp_bits = spec->exp_bits();
  out->man_bits = spec->man_bits();
  out->bias = spec->bias();
  out->specials = static_cast<Fp8Specials>(spec->specials());
  std::string why;
  if (!ValidateFp8Format(*out, &why)) return InvalidModel(where + ": FP8 format: " + why);
  return Status::Ok();
}

Status ReadActQuant(const fb::ActivationQuant* q, ActQuant* out, const std::string& where) {
  if (!q) return Status::Ok();
  out->enabled = true;
  if (!IsValidDType(static_cast<int>(q->dtype()))) {
    return InvalidModel(
        StrFormat("%s: unknown dtype %d", where.c_str(), static_cast<int>(q->dtype())));
  }
  out->dtype = static_cast<DType>(q->dtype());
  out->scale = q->scale();
  if (out->dtype == DType::kFP8_CUSTOM)
    FP8_RETURN_IF_ERROR(ReadFp8Spec(q->fp8_format(), &out->fp8, where));
  return Status::Ok();
}

template <typename T>
std::vector<T> Vec(const flatbuffers::Vector<T>* v) {
  // Copied as bytes: the FlatBuffers verifier checks a vector's length
  // prefix, not that 8-byte elements are 8-byte aligned, so a crafted file
  // can misalign them (the host is little-endian: file_header.h).
  std::vector<T> out(v ? v->size() : 0);
  if (!out.empty()) std::memcpy(out.data(), v->Data(), out.size() * sizeof(T));
  return out;
}

Status ReadNode(const fb::Operator* op, size_t index, Node* n) {
  const std::string where = StrFormat("operator %zu", index);
  const int type = static_cast<int>(op->type());
  if (!IsValidOpType(type)) {
    return Unsupported(
        StrFormat("%s '%s': unknown operator type %d (this runtime knows 0..%d; "
                  "the file may need a newer fp8sdk)",
                  where.c_str(), Str(op->name()).c_str(), type, kNumOpTypes - 1));
  }
  n->type = static_cast<OpType>(type);
  n->name = Str(op->name());
  n->inputs = Vec(op->inputs());
  n->outputs = Vec(op->outputs());
  NodeAttrs& a = n->attrs;
  const std::string label = n->Label(index);
  if (auto* o = op->gather()) a.axis = o->axis();
  if (auto* o = op->layer_norm()) a.epsilon = o->epsilon();
  if (auto* o = op->linear())
    FP8_RETURN_IF_ERROR(ReadActQuant(o->input_quant(), &a.input_quant, label));
  if (auto* o = op->batch_matmul()) {
    a.transpose_b = o->transpose_b();
    a.alpha = o->alpha();
    FP8_RETURN_IF_ERROR(ReadActQuant(o->a_quant(), &a.a_quant, label));
    FP8_RETURN_IF_ERROR(ReadActQuant(o->b_quant(), &a.b_quant, label));
  }
  if (auto* o = op->softmax()) {
    a.softmax_scale = o->scale();
    a.mask_mode = static_cast<MaskMode>(o->mask_mode());
  }
  if (auto* o = op->gelu()) a.gelu = static_cast<GeluApprox>(o->approximation());
  if (auto* o = op->reshape()) a.shape = Vec(o->shape());
  if (auto* o = op->transpose()) {
    for (int32_t p : Vec(o->perm())) a.perm.push_back(p);
  }
  if (auto* o = op->heads()) a.num_heads = o->num_heads();
  if (auto* o = op->slice()) {
    a.axis = o->axis();
    a.start = o->start();
    a.end = o->end();
    a.like_axis = o->like_axis();
  }
  return Status::Ok();
}

}  // namespace

LoadedModel::~LoadedModel() {
  if (mapped_) munmap(mapped_, size_);
}

Result<std::unique_ptr<LoadedModel>> LoadedModel::LoadFile(const std::string& path,
                                                           const LoadOptions& options) {
  // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused
  // below); regular files read the same.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    return Status(errno == ENOENT ? StatusCode::kNOT_FOUND : StatusCode::kIO_ERROR,
                  StrFormat("cannot open model '%s': %s", path.c_str(), std::strerror(errno)));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return IoError(StrFormat("model '%s' is not a regular file", path.c_str()));
  }
  const size_t size = static_cast<size_t>(st.st_size);
  if (size < format::kHeaderSize) {
    close(fd);
    return InvalidModel(
        StrFormat("model '%s': file is %zu bytes, smaller than the %llu-byte "
                  "header",
                  path.c_str(), size, static_cast<unsigned long long>(format::kHeaderSize)));
  }
  void* m = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED) {
    return IoError(StrFormat("cannot map model '%s': %s", path.c_str(), std::strerror(errno)));
  }
  // Page-sized mappings only: the page cache may hold the file in 2 MiB
  // folios, and a PMD mapping would make one touched bias resident with the
  // megabytes of weights around it (pages a backend said it no longer needs,
  // ConstantRelease, would come back). Advisory; failure changes nothing.
  madvise(m, size, MADV_NOHUGEPAGE);
  std::unique_ptr<LoadedModel> model(new LoadedModel());
  model->mapped_ = m;
  model->bytes_ = static_cast<const uint8_t*>(m);
  model->size_ = size;
  FP8_RETURN_IF_ERROR(model->Parse(options).WithContext("model '" + path + "'"));
  model->graph_.constants_file_mapped = true;
  return model;
}

Result<std::unique_ptr<LoadedModel>> LoadedModel::LoadMemory(const void* data, size_t size,
                                                             bool borrow,
                                                             const LoadOptions& options) {
  if (!data && size) return InvalidArgument("model bytes are null");
  std::unique_ptr<LoadedModel> model(new LoadedModel());
  const bool aligned = (reinterpret_cast<uintptr_t>(data) % format::kDataAlignment) == 0;
  if (borrow && aligned) {
    model->bytes_ = static_cast<const uint8_t*>(data);
  } else {
    // std::vector<uint8_t> storage from operator new is 16-byte aligned;
    // over-allocate to place the copy on a 64-byte boundary.
    model->copy_.resize(size + format::kDataAlignment);
    const uintptr_t base = reinterpret_cast<uintptr_t>(model->copy_.data());
    const size_t shift =
        (format::kDataAlignment - base % format::kDataAlignment) % format::kDataAlignment;
    uint8_t* dst = model->copy_.data() + shift;
    if (size) std::memcpy(dst, data, size);
    model->bytes_ = dst;
  }
  model->size_ = size;
  FP8_RETURN_IF_ERROR(model->Parse(options).WithContext("model in memory"));
  return model;
}

Status LoadedModel::Parse(const LoadOptions& options) {
  if (size_ < format::kHeaderSize) {
    return InvalidModel(StrFormat("%zu bytes is smaller than the %llu-byte header", size_,
                                  static_cast<unsigned long long>(format::kHeaderSize)));
  }
  format::FileHeader h;
  std::memcpy(&h, bytes_, sizeof(h));
  if (std::memcmp(h.magic, format::kFileMagic, sizeof(h.magic)) != 0) {
    return InvalidModel("not an fp8sdk model file (wrong magic bytes)");
  }
  if (h.format_major != format::kFormatMajor) {
    return InvalidModel(
        StrFormat("format version %u.%u; this runtime reads %u.x%s", h.format_major, h.format_minor,
                  format::kFormatMajor,
                  h.format_major > format::kFormatMajor ? " (the file needs a newer fp8sdk)" : ""));
  }
  if (format::Crc32c(&h, format::kHeaderCrcCoverage) != h.header_crc32c) {
    return InvalidModel("header checksum mismatch (the file is corrupt)");
  }
  if (h.header_size != format::kHeaderSize || h.flatbuffer_offset != format::kHeaderSize) {
    return InvalidModel(StrFormat("unexpected header size %u or FlatBuffer offset %llu",
                                  h.header_size,
                                  static_cast<unsigned long long>(h.flatbuffer_offset)));
  }
  const uint64_t size = size_;
  if (h.flatbuffer_size == 0) return InvalidModel("the header gives an empty FlatBuffer");
  if (h.flatbuffer_size > size - format::kHeaderSize) {
    return InvalidModel(StrFormat(
        "FlatBuffer size %llu does not fit in the file's %llu bytes "
        "(truncated or corrupt)",
        static_cast<unsigned long long>(h.flatbuffer_size), static_cast<unsigned long long>(size)));
  }
  const uint64_t fb_end = format::kHeaderSize + h.flatbuffer_size;
  const auto segment = [&](const char* what) {
    return InvalidModel(StrFormat("data segment [%llu, +%llu) %s",
                                  static_cast<unsigned long long>(h.data_offset),
                                  static_cast<unsigned long long>(h.data_size), what));
  };
  if (h.data_offset % format::kDataAlignment != 0) {
    return segment(StrFormat("is not aligned to %llu bytes",
                             static_cast<unsigned long long>(format::kDataAlignment))
                       .c_str());
  }
  if (h.data_offset < fb_end) return segment("overlaps the FlatBuffer");
  if (h.data_offset > size || h.data_size > size - h.data_offset) {
    return segment(StrFormat("ends past the file's %llu bytes: the file is truncated or corrupt",
                             static_cast<unsigned long long>(size))
                       .c_str());
  }
  if (h.data_offset + h.data_size != size) {
    return InvalidModel(
        StrFormat("%llu trailing bytes after the data segment",
                  static_cast<unsigned long long>(size - h.data_offset - h.data_size)));
  }
  for (uint64_t i = fb_end; i < h.data_offset; ++i) {
    if (bytes_[i] != 0) return InvalidModel("non-zero padding before the data segment");
  }
  const uint8_t* fbp = bytes_ + format::kHeaderSize;
  if (format::Crc32c(fbp, h.flatbuffer_size) != h.flatbuffer_crc32c) {
    return InvalidModel("FlatBuffer checksum mismatch (the file is corrupt)");
  }
  const uint8_t* data = bytes_ + h.data_offset;
  if (options.verify_data_checksum && format::Crc32c(data, h.data_size) != h.data_crc32c) {
    return InvalidModel("data segment checksum mismatch (weights are corrupt)");
  }
  flatbuffers::Verifier verifier(fbp, h.flatbuffer_size, /*max_depth=*/64,
                                 /*max_tables=*/10000000);
  if (!fb::VerifyModelBuffer(verifier)) {
    return InvalidModel("the FlatBuffer fails verification (corrupt or not a model)");
  }
  const fb::Model* m = fb::GetModel(fbp);
  format_major_ = h.format_major;
  format_minor_ = h.format_minor;
  if (m->format_major() != h.format_major) {
    return InvalidModel(
        StrFormat("format version in the FlatBuffer (%u) differs from the "
                  "header (%u)",
                  m->format_major(), h.format_major));
  }

  Graph& g = graph_;
  const auto* buffers = m->buffers();
  const size_t num_buffers = buffers ? buffers->size() : 0;
  if (const auto* tensors = m->tensors()) {
    g.tensors.resize(tensors->size());
    for (size_t i = 0; i < tensors->size(); ++i) {
      const fb::Tensor* ft = tensors->Get(static_cast<flatbuffers::uoffset_t>(i));
      TensorDesc& t = g.tensors[i];
      t.name = Str(ft->name());
      const std::string label = g.TensorLabel(static_cast<int>(i));
      const int dtype = static_cast<int>(ft->dtype());
      if (!IsValidDType(dtype)) {
        return Unsupported(StrFormat("%s: unknown dtype %d (the file may need a newer fp8sdk)",
                                     label.c_str(), dtype));
      }
      t.dtype = static_cast<DType>(dtype);
      if (const auto* shape = ft->shape()) {
        for (const fb::Dim* d : *shape) {
          Dim dim;
          dim.value = d->value();
          dim.symbol = Str(d->symbol());
          if (dim.value >= 0) dim.symbol.clear();
          t.shape.push_back(std::move(dim));
        }
      }
      if (const fb::Quantization* q = ft->quant()) {
        t.quant.scales = Vec(q->scales());
        t.quant.axis = q->axis();
        t.quant.amax = Vec(q->amax());
        if (t.dtype == DType::kFP8_CUSTOM) {
          FP8_RETURN_IF_ERROR(ReadFp8Spec(q->fp8_format(), &t.quant.fp8, label));
        }
      } else if (t.dtype == DType::kFP8_CUSTOM) {
        return InvalidModel(label + ": FP8_CUSTOM needs quantization with an fp8_format");
      }
      const uint32_t b = ft->buffer();
      if (b == 0) continue;
      if (b >= num_buffers) {
        return InvalidModel(StrFormat("%s: buffer index %u out of range (%zu buffers)",
                                      label.c_str(), b, num_buffers));
      }
      // A copy: the struct may sit misaligned in a crafted file (see Vec).
      fb::BufferRef ref;
      std::memcpy(&ref, buffers->Data() + size_t{b} * sizeof(fb::BufferRef), sizeof(ref));
      if (ref.offset() % format::kDataAlignment != 0 || ref.offset() > h.data_size ||
          ref.size() > h.data_size - ref.offset()) {
        return InvalidModel(
            StrFormat("%s: buffer %u [offset %llu, size %llu] is misaligned or "
                      "exceeds the data segment (%llu bytes)",
                      label.c_str(), b, static_cast<unsigned long long>(ref.offset()),
                      static_cast<unsigned long long>(ref.size()),
                      static_cast<unsigned long long>(h.data_size)));
      }
      t.constant = true;
      t.external = data + ref.offset();
      t.data_size = static_cast<size_t>(ref.size());
    }
  }
  if (const auto* ops = m->operators()) {
    g.nodes.resize(ops->size());
    for (size_t i = 0; i < ops->size(); ++i) {
      FP8_RETURN_IF_ERROR(
          ReadNode(ops->Get(static_cast<flatbuffers::uoffset_t>(i)), i, &g.nodes[i]));
    }
  }
  g.inputs = Vec(m->inputs());
  g.outputs = Vec(m->outputs());
  if (const fb::Metadata* md = m->metadata()) {
    Metadata& out = g.metadata;
    out.producer = Str(md->producer());
    out.producer_version = Str(md->producer_version());
    out.source_model = Str(md->source_model());
    out.source_model_sha256 = Str(md->source_model_sha256());
    if (const auto* c = md->calibration()) {
      out.calibration.method = Str(c->method());
      out.calibration.percentile = c->percentile();
      out.calibration.num_samples = c->num_samples();
      out.calibration.dataset = Str(c->dataset());
    }
    if (const auto* labels = md->label_names()) {
      for (const auto* l : *labels) out.label_names.push_back(Str(l));
    }
    if (const auto* limits = md->dim_limits()) {
      for (const auto* l : *limits) out.dim_limits.emplace_back(Str(l->symbol()), l->max());
    }
    if (const auto* extra = md->extra()) {
      for (const auto* kv : *extra) out.extra.emplace_back(Str(kv->key()), Str(kv->value()));
    }
  }
  return CheckGraph(g);
}

}  // namespace fp8sdk
