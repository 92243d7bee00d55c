#include "formats/model_writer.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "formats/file_header.h"
#include "formats/fp8model_generated.h"
#include "sdk/runtime/graph_check.h"

namespace fp8sdk {

namespace fb = ::fp8sdk::format;

namespace {

flatbuffers::Offset<fb::Fp8FormatSpec> WriteFp8Spec(flatbuffers::FlatBufferBuilder& b,
                                                    const Fp8Format& f) {
  return fb::CreateFp8FormatSpec(b, static_cast<uint8_t>(f.exp_bits),
                                 static_cast<uint8_t>(f.man_bits), static_cast<int16_t>(f.bias),
                                 static_cast<fb::Fp8Specials>(f.specials));
}

flatbuffers::Offset<fb::ActivationQuant> WriteActQuant(flatbuffers::FlatBufferBuilder& b,
                                                       const ActQuant& q) {
  if (!q.enabled) return 0;
  auto spec = q.dtype == DType::kFP8_CUSTOM ? WriteFp8Spec(b, q.fp8) : 0;
  return fb::CreateActivationQuant(b, static_cast<fb::DType>(q.dtype), q.scale, spec);
}

flatbuffers::Offset<fb::Tensor> WriteTensor(flatbuffers::FlatBufferBuilder& b, const TensorDesc& t,
                                            uint32_t buffer) {
  std::vector<flatbuffers::Offset<fb::Dim>> dims;
  for (const Dim& d : t.shape) {
    dims.push_back(fb::CreateDim(b, d.IsSymbolic() ? -1 : d.value,
                                 d.IsSymbolic() ? b.CreateString(d.symbol) : 0));
  }
  flatbuffers::Offset<fb::Quantization> quant = 0;
  if (!t.quant.empty() || t.dtype == DType::kFP8_CUSTOM) {
    auto spec = t.dtype == DType::kFP8_CUSTOM ? WriteFp8Spec(b, t.quant.fp8) : 0;
    quant = fb::CreateQuantization(b, b.CreateVector(t.quant.scales), t.quant.axis, spec,
                                   t.quant.amax.empty() ? 0 : b.CreateVector(t.quant.amax));
  }
  return fb::CreateTensor(b, b.CreateString(t.name), static_cast<fb::DType>(t.dtype),
                          b.CreateVector(dims), quant, buffer);
}

flatbuffers::Offset<fb::Operator> WriteNode(flatbuffers::FlatBufferBuilder& b, const Node& n) {
  const NodeAttrs& a = n.attrs;
  auto name = b.CreateString(n.name);
  auto inputs = b.CreateVector(n.inputs);
  auto outputs = b.CreateVector(n.outputs);
  flatbuffers::Offset<fb::GatherOptions> gather = 0;
  flatbuffers::Offset<fb::LayerNormOptions> ln = 0;
  flatbuffers::Offset<fb::LinearOptions> linear = 0;
  flatbuffers::Offset<fb::BatchMatMulOptions> bmm = 0;
  flatbuffers::Offset<fb::SoftmaxOptions> softmax = 0;
  flatbuffers::Offset<fb::GeluOptions> gelu = 0;
  flatbuffers::Offset<fb::ReshapeOptions> reshape = 0;
  flatbuffers::Offset<fb::TransposeOptions> transpose = 0;
  flatbuffers::Offset<fb::HeadsOptions> heads = 0;
  flatbuffers::Offset<fb::SliceOptions> slice = 0;
  switch (n.type) {
    case OpType::kGATHER:
      gather = fb::CreateGatherOptions(b, a.axis);
      break;
    case OpType::kLAYER_NORM:
      ln = fb::CreateLayerNormOptions(b, a.epsilon);
      break;
    case OpType::kLINEAR:
      linear = fb::CreateLinearOptions(b, WriteActQuant(b, a.input_quant));
      break;
    case OpType::kBATCH_MATMUL: {
      auto qa = WriteActQuant(b, a.a_quant);
      auto qb = WriteActQuant(b, a.b_quant);
      bmm = fb::CreateBatchMatMulOptions(b, a.transpose_b, a.alpha, qa, qb);
      break;
    }
    case OpType::kSOFTMAX:
      softmax =
          fb::CreateSoftmaxOptions(b, a.softmax_scale, static_cast<fb::MaskMode>(a.mask_mode));
      break;
    case OpType::kGELU:
      gelu = fb::CreateGeluOptions(b, static_cast<fb::GeluApproximation>(a.gelu));
      break;
    case OpType::kRESHAPE:
      reshape = fb::CreateReshapeOptions(b, b.CreateVector(a.shape));
      break;
    case OpType::kTRANSPOSE: {
      std::vector<int32_t> perm(a.perm.begin(), a.perm.end());
      transpose = fb::CreateTransposeOptions(b, b.CreateVector(perm));
      break;
    }
    case OpType::kSPLIT_HEADS:
    case OpType::kMERGE_HEADS:
      heads = fb::CreateHeadsOptions(b, a.num_heads);
      break;
    case OpType::kSLICE:
      slice = fb::CreateSliceOptions(b, a.axis, a.start, a.end, a.like_axis);
      break;
    default:
      break;
  }
  return fb::CreateOperator(b, static_cast<fb::OpType>(n.type), name, inputs, outputs, gather, ln,
                            linear, bmm, softmax, gelu, reshape, transpose, heads, slice);
}

flatbuffers::Offset<fb::Metadata> WriteMetadata(flatbuffers::FlatBufferBuilder& b,
                                                const Metadata& m) {
  auto calib =
      fb::CreateCalibrationInfo(b, b.CreateString(m.calibration.method), m.calibration.percentile,
                                m.calibration.num_samples, b.CreateString(m.calibration.dataset));
  std::vector<flatbuffers::Offset<flatbuffers::String>> labels;
  for (const auto& l : m.label_names) labels.push_back(b.CreateString(l));
  std::vector<flatbuffers::Offset<fb::DimLimit>> limits;
  for (const auto& [sym, max] : m.dim_limits) {
    limits.push_back(fb::CreateDimLimit(b, b.CreateString(sym), max));
  }
  std::vector<flatbuffers::Offset<fb::KeyValue>> extra;
  for (const auto& [k, v] : m.extra) {
    extra.push_back(fb::CreateKeyValue(b, b.CreateString(k), b.CreateString(v)));
  }
  return fb::CreateMetadata(b, b.CreateString(m.producer), b.CreateString(m.producer_version),
                            b.CreateString(m.source_model), b.CreateString(m.source_model_sha256),
                            calib, b.CreateVector(labels), b.CreateVector(limits),
                            b.CreateVector(extra));
}

}  // namespace

Result<std::vector<uint8_t>> SerializeModel(const Graph& graph) {
  FP8_RETURN_IF_ERROR(CheckGraph(graph).WithContext("model not written"));
  return SerializeModelUnchecked(graph);
}

std::vector<uint8_t> SerializeModelUnchecked(const Graph& graph) {
  // Lay out the data segment: one 64-byte-aligned buffer per constant.
  std::vector<fb::BufferRef> buffers = {fb::BufferRef(0, 0)};
  std::vector<uint32_t> tensor_buffer(graph.tensors.size(), 0);
  uint64_t data_size = 0;
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    const TensorDesc& t = graph.tensors[i];
    if (!t.IsConstant()) continue;
    data_size = format::AlignUp(data_size, format::kDataAlignment);
    tensor_buffer[i] = static_cast<uint32_t>(buffers.size());
    buffers.emplace_back(data_size, t.data_size);
    data_size += t.data_size;
  }
  data_size = format::AlignUp(data_size, format::kDataAlignment);

  flatbuffers::FlatBufferBuilder b(1 << 16);
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    tensors.push_back(WriteTensor(b, graph.tensors[i], tensor_buffer[i]));
  }
  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (const Node& n : graph.nodes) ops.push_back(WriteNode(b, n));
  auto model = fb::CreateModel(b, format::kFormatMajor, format::kFormatMinor,
                               b.CreateVector(tensors), b.CreateVector(ops),
                               b.CreateVector(graph.inputs), b.CreateVector(graph.outputs),
                               b.CreateVectorOfStructs(buffers), WriteMetadata(b, graph.metadata));
  fb::FinishModelBuffer(b, model);

  const uint64_t fb_size = b.GetSize();
  const uint64_t data_offset =
      format::AlignUp(format::kHeaderSize + fb_size, format::kDataAlignment);
  std::vector<uint8_t> out(data_offset + data_size, 0);
  std::memcpy(out.data() + format::kHeaderSize, b.GetBufferPointer(), fb_size);
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    if (!tensor_buffer[i]) continue;
    const fb::BufferRef& ref = buffers[tensor_buffer[i]];
    std::memcpy(out.data() + data_offset + ref.offset(), graph.tensors[i].data(), ref.size());
  }

  format::FileHeader h;
  std::memset(&h, 0, sizeof(h));
  std::memcpy(h.magic, format::kFileMagic, sizeof(h.magic));
  h.header_size = format::kHeaderSize;
  h.format_major = format::kFormatMajor;
  h.format_minor = format::kFormatMinor;
  h.flatbuffer_offset = format::kHeaderSize;
  h.flatbuffer_size = fb_size;
  h.data_offset = data_offset;
  h.data_size = data_size;
  h.data_crc32c = format::Crc32c(out.data() + data_offset, data_size);
  h.flatbuffer_crc32c = format::Crc32c(out.data() + format::kHeaderSize, fb_size);
  h.header_crc32c = format::Crc32c(&h, format::kHeaderCrcCoverage);
  std::memcpy(out.data(), &h, sizeof(h));
  return out;
}

Status WriteModelFile(const Graph& graph, const std::string& requested) {
  // Through a symbolic link to its file; never over something that is not a
  // regular file (the rename below would replace a device node or a FIFO).
  std::string path = requested;
  char resolved[PATH_MAX];
  struct stat st;
  if (lstat(requested.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (realpath(requested.c_str(), resolved) != nullptr) {
      path = resolved;
    } else {  // a link to a file not there yet: its target, from the link's directory
      const ssize_t n = readlink(requested.c_str(), resolved, sizeof(resolved) - 1);
      if (n > 0) {
        resolved[n] = '\0';
        const size_t slash = requested.rfind('/');
        path = resolved[0] == '/' || slash == std::string::npos
                   ? std::string(resolved)
                   : requested.substr(0, slash + 1) + resolved;
      }
    }
  }
  if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    return IoError(
        StrFormat("cannot write '%s': it exists and is not a regular file", requested.c_str()));
  }
  FP8_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, SerializeModel(graph));
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return IoError(StrFormat("cannot create '%s': %s", tmp.c_str(), std::strerror(errno)));
  const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool closed = std::fclose(f) == 0;
  if (written != bytes.size() || !closed) {
    std::remove(tmp.c_str());
    return IoError(
        StrFormat("cannot write '%s' (%zu of %zu bytes)", tmp.c_str(), written, bytes.size()));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return IoError(StrFormat("cannot rename '%s' to '%s': %s", tmp.c_str(), path.c_str(),
                             std::strerror(errno)));
  }
  return Status::Ok();
}

int GraphBuilder::AddInput(const std::string& name, DType dtype, const std::vector<Dim>& shape) {
  const int id = AddTensor(name, dtype, shape);
  graph_.inputs.push_back(id);
  return id;
}

int GraphBuilder::AddTensor(const std::string& name, DType dtype, const std::vector<Dim>& shape) {
  TensorDesc t;
  t.name = name;
  t.dtype = dtype;
  t.shape = shape;
  graph_.tensors.push_back(std::move(t));
  return static_cast<int>(graph_.tensors.size() - 1);
}

int GraphBuilder::AddConstant(const std::string& name, DType dtype,
                              const std::vector<int64_t>& shape, const void* bytes, size_t size,
                              const QuantParams& quant) {
  TensorDesc t;
  t.name = name;
  t.dtype = dtype;
  for (int64_t d : shape) t.shape.push_back(FixedDim(d));
  t.quant = quant;
  const uint8_t* p = static_cast<const uint8_t*>(bytes);
  t.constant = true;
  t.owned.assign(p, p + size);
  t.data_size = size;
  graph_.tensors.push_back(std::move(t));
  return static_cast<int>(graph_.tensors.size() - 1);
}

int GraphBuilder::AddConstantF32(const std::string& name, const std::vector<int64_t>& shape,
                                 const std::vector<float>& values) {
  return AddConstant(name, DType::kF32, shape, values.data(), values.size() * sizeof(float));
}

int GraphBuilder::AddNode(OpType type, const std::string& name, const std::vector<int>& inputs,
                          const std::vector<int>& outputs, const NodeAttrs& attrs) {
  Node n;
  n.type = type;
  n.name = name;
  n.inputs = inputs;
  n.outputs = outputs;
  n.attrs = attrs;
  graph_.nodes.push_back(std::move(n));
  return static_cast<int>(graph_.nodes.size() - 1);
}

}  // namespace fp8sdk
